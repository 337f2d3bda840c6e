/* fuzz_record.c - libFuzzer target for common/record.c.
 *
 * Feeds the input to both decoders. Whatever decodes must re-encode, decode
 * again to an equal record, and re-encode to the same bytes; anything else
 * aborts. `make fuzz` builds build/fuzz/fuzz_record; by hand (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *       tests/fuzz/fuzz_record.c common/record.c common/buf.c \
 *       common/alloc.c common/err.c -lmsgpackc -o fuzz_record */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define CAP (64u << 20)

static bool str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static bool req_eq(const struct cf_request *a, const struct cf_request *b)
{
    return str_eq(a->url, b->url) && a->depth == b->depth &&
           a->priority == b->priority && a->attempts == b->attempts &&
           a->discovered_ms == b->discovered_ms &&
           a->parent_fp == b->parent_fp && a->flags == b->flags;
}

static bool res_eq(const struct cf_result *a, const struct cf_result *b)
{
    if (a->noutlinks != b->noutlinks)
        return false;
    for (size_t i = 0; i < a->noutlinks; i++)
        if (!str_eq(a->outlinks[i], b->outlinks[i]))
            return false;
    return str_eq(a->url, b->url) && str_eq(a->final_url, b->final_url) &&
           a->fp == b->fp && a->status == b->status &&
           str_eq(a->content_type, b->content_type) && a->bytes == b->bytes &&
           str_eq(a->title, b->title) && a->depth == b->depth &&
           a->nlinks == b->nlinks && a->fetch_ms == b->fetch_ms &&
           str_eq(a->worker, b->worker) &&
           str_eq(a->error_type, b->error_type) && str_eq(a->error, b->error) &&
           a->started_ms == b->started_ms && a->done_ms == b->done_ms &&
           a->attempts == b->attempts;
}

static bool same(const struct cf_buf *a, const struct cf_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void check_request(const char *p, size_t n)
{
    struct cf_request a, b;
    struct cf_buf e1, e2;
    char err[CF_ERRSTR_LEN];

    if (cf_request_decode(p, n, &a, err) != CF_OK)
        return;
    cf_buf_init(&e1, CAP);
    cf_buf_init(&e2, CAP);
    if (cf_request_encode(&a, &e1) != CF_OK ||
        cf_request_decode(e1.data, e1.len, &b, err) != CF_OK)
        abort();
    if (!req_eq(&a, &b) || cf_request_encode(&b, &e2) != CF_OK ||
        !same(&e1, &e2))
        abort();
    cf_request_cleanup(&a);
    cf_request_cleanup(&b);
    cf_buf_cleanup(&e1);
    cf_buf_cleanup(&e2);
}

static void check_result(const char *p, size_t n)
{
    struct cf_result a, b;
    struct cf_buf e1, e2;
    char err[CF_ERRSTR_LEN];

    if (cf_result_decode(p, n, &a, err) != CF_OK)
        return;
    cf_buf_init(&e1, CAP);
    cf_buf_init(&e2, CAP);
    if (cf_result_encode(&a, &e1) != CF_OK ||
        cf_result_decode(e1.data, e1.len, &b, err) != CF_OK)
        abort();
    if (!res_eq(&a, &b) || cf_result_encode(&b, &e2) != CF_OK ||
        !same(&e1, &e2))
        abort();
    cf_result_cleanup(&a);
    cf_result_cleanup(&b);
    cf_buf_cleanup(&e1);
    cf_buf_cleanup(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    check_request((const char *)d, n);
    check_result((const char *)d, n);
    return 0;
}
