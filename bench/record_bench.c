/* record_bench.c - the cost per record of common/record.c's decoder and
 * of msgpack-c's unpacker (msgpack_unpack_next and a walk of its object
 * tree into the same struct, tests/lib/record_ref.h), for callgrind:
 *
 *   valgrind --tool=callgrind build/bench/record_bench MODE N
 *
 * MODE: 0 setup only, 1 hand requests, 2 msgpack-c requests, 3 hand
 * results, 4 msgpack-c results. Instructions per record = (Ir(MODE) -
 * Ir(0)) / N. The records are a lease's request and an S1 page's result
 * as the worker writes them. */
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "record.h"
#include "record_ref.h"

int main(int argc, char **argv)
{
    int mode = argc > 1 ? atoi(argv[1]) : 0;
    long n = argc > 2 ? atol(argv[2]) : 10000, i;
    struct cf_request q = {0};
    struct cf_result r = {0};
    struct cf_buf qb, rb;
    char err[CF_ERRSTR_LEN];
    long ok = 0;

    q.url = (char *)"http://127.0.0.4:8631/s3/p1234.html";
    q.depth = 3;
    q.priority = 3;
    q.discovered_ms = 1765000000123;
    q.parent_fp = 0x1234567890abcdefULL;
    r.url = q.url;
    r.fp = 0xfedcba0987654321ULL;
    r.status = 200;
    r.content_type = (char *)"text/html";
    r.bytes = 5123;
    r.title = (char *)"Page 1234 of the bench site";
    r.depth = 3;
    r.nlinks = 12;
    r.fetch_ms = 3;
    r.worker = (char *)"host:12345";
    r.error_type = (char *)"ok";
    r.started_ms = 1765000000456;
    r.done_ms = 1765000000459;
    r.attempts = 1;
    cf_buf_init(&qb, 1 << 16);
    cf_buf_init(&rb, 1 << 16);
    if (cf_request_encode(&q, &qb) || cf_result_encode(&r, &rb))
        return 1;
    for (i = 0; i < n && mode > 0; i++) {
        struct cf_request a;
        struct cf_result b;

        switch (mode) {
        case 1:
            ok += cf_request_decode(qb.data, qb.len, &a, err) == CF_OK;
            cf_request_cleanup(&a);
            break;
        case 2:
            ok += ref_decode_request(qb.data, qb.len, &a) == REF_OK;
            cf_request_cleanup(&a);
            break;
        case 3:
            ok += cf_result_decode(rb.data, rb.len, &b, err) == CF_OK;
            cf_result_cleanup(&b);
            break;
        default:
            ok += ref_decode_result(rb.data, rb.len, &b) == REF_OK;
            cf_result_cleanup(&b);
        }
    }
    printf("mode %d: %ld of %ld decoded (request %zu bytes, result %zu)\n",
           mode, ok, n, qb.len, rb.len);
    cf_buf_cleanup(&qb);
    cf_buf_cleanup(&rb);
    return mode > 0 && ok != n;
}
