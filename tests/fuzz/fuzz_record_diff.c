/* fuzz_record_diff.c - libFuzzer target: common/record.c's decoder
 * against msgpack-c's msgpack_unpack_next() (tests/lib/record_ref.h).
 *
 * Both must accept or reject the same input, and what both accept must be
 * the same record (equal encodings); anything else aborts. Inputs
 * msgpack-c cannot be asked about (record_ref.h: REF_UNKNOWN) are passed
 * over. `make fuzz` builds build/fuzz/fuzz_record_diff; run it with
 *   build/fuzz/fuzz_record_diff -max_total_time=600 [corpus dir] */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "record.h"
#include "record_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define CAP (64u << 20)

static int same_enc(int ok_a, int ok_b, struct cf_buf *a, struct cf_buf *b)
{
    return ok_a == 0 && ok_b == 0 && a->len == b->len &&
           memcmp(a->data, b->data, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    const char *p = (const char *)d;
    char err[CF_ERRSTR_LEN];
    struct cf_request qa, qb;
    struct cf_result ra, rb;
    struct cf_buf ea, eb;
    int hand, ref;

    cf_buf_init(&ea, CAP);
    cf_buf_init(&eb, CAP);
    hand = cf_request_decode(p, n, &qa, err);
    ref = ref_decode_request(p, n, &qb);
    if (ref != REF_UNKNOWN) {
        if ((hand == CF_OK) != (ref == REF_OK))
            abort();
        if (hand == CF_OK &&
            !same_enc(cf_request_encode(&qa, &ea), cf_request_encode(&qb, &eb),
                      &ea, &eb))
            abort();
    }
    cf_request_cleanup(&qa);
    cf_request_cleanup(&qb);
    cf_buf_reset(&ea);
    cf_buf_reset(&eb);
    hand = cf_result_decode(p, n, &ra, err);
    ref = ref_decode_result(p, n, &rb);
    if (ref != REF_UNKNOWN) {
        if ((hand == CF_OK) != (ref == REF_OK))
            abort();
        if (hand == CF_OK &&
            !same_enc(cf_result_encode(&ra, &ea), cf_result_encode(&rb, &eb),
                      &ea, &eb))
            abort();
    }
    cf_result_cleanup(&ra);
    cf_result_cleanup(&rb);
    cf_buf_cleanup(&ea);
    cf_buf_cleanup(&eb);
    return 0;
}
