/* test_record_diff.c - common/record.c's hand-written decoder against
 * msgpack-c's msgpack_unpack_next() (tests/lib/record_ref.h) on generated
 * inputs: records the encoder writes, maps packed with random keys and
 * value types, and byte-level mutations of both. Both must accept or
 * reject the same inputs, and what they accept must be the same record
 * (equal encodings). One check per corpus, and one that each corpus
 * holds enough accepted and rejected inputs to mean something. About one
 * input in ten is not told: a mutation that puts an array32 or map32
 * byte anywhere makes msgpack-c's answer unknowable here (record_ref.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "buf.h"
#include "err.h"
#include "record.h"
#include "record_ref.h"
#include "test.h"

#define BASES 3000      /* generated inputs per record type */
#define MUTANTS 12      /* mutations of each */
#define ENC_CAP (1u << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static const char *const known_keys[] = {
    "v",  "u",  "d",  "p",  "a",  "t",  "pf", "f",  "sl", "sp", "fu",
    "fp", "s",  "ct", "b",  "ti", "nl", "ol", "ms", "w",  "e",  "em",
    "ts", "td", "rf", "rt", "lm", "et", "hl", "cg", "lo", "pd", "wf",
    "wo", "wl", "cn", "ds", "lg", "mr", "ki", "ke", "kn", "kd", "tx",
    "fd", "jl", "zz", "",   "uu", "V",
};
#define NKEYS (sizeof(known_keys) / sizeof(known_keys[0]))

static void pack_s(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_rand_str(msgpack_packer *pk)
{
    char s[24];
    size_t n = rnd() % sizeof(s), i;

    for (i = 0; i < n; i++)
        s[i] = (char)("abc/:.%\xc3\xa9 x\0"[rnd() % 13]);
    pack_s(pk, s, n);
}

static void pack_rand_int(msgpack_packer *pk)
{
    static const int64_t edges[] = {0, 1, -1, 127, 128, -32, -33, 255,
                                    65535, 65536, INT32_MAX, INT32_MIN,
                                    UINT32_MAX, (int64_t)UINT32_MAX + 1,
                                    INT64_MAX, INT64_MIN};

    switch (rnd() % 4) {
    case 0:
        msgpack_pack_uint64(pk, UINT64_MAX - rnd() % 3);
        break;
    case 1:
        msgpack_pack_int64(pk, edges[rnd() % (sizeof(edges) /
                                              sizeof(edges[0]))]);
        break;
    default:
        msgpack_pack_int64(pk, (int64_t)rnd() - (int64_t)(rnd() % 2) *
                                                   (int64_t)UINT32_MAX);
    }
}

/* A value of a random type, nested at most depth deep. */
static void pack_rand_val(msgpack_packer *pk, int depth, int want)
{
    int kind = want >= 0 ? want : (int)(rnd() % 10);
    uint32_t n, i;

    switch (kind) {
    case 0:
        msgpack_pack_nil(pk);
        break;
    case 1:
        if (rnd() % 2)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case 2:
    case 3:
        pack_rand_int(pk);
        break;
    case 4:
        msgpack_pack_double(pk, 1.5);
        break;
    case 5:
    case 6:
        pack_rand_str(pk);
        break;
    case 7:
        msgpack_pack_bin(pk, 3);
        msgpack_pack_bin_body(pk, "abc", 3);
        break;
    case 8:
        n = rnd() % 4;
        msgpack_pack_array(pk, n);
        for (i = 0; i < n; i++)
            pack_rand_val(pk, depth + 1, depth > 2 || rnd() % 2 ? 5 : -1);
        break;
    default:
        n = rnd() % 3;
        msgpack_pack_map(pk, n);
        for (i = 0; i < n; i++) {
            pack_rand_val(pk, depth + 1, rnd() % 4 ? 5 : -1);
            pack_rand_val(pk, depth + 1, depth > 2 ? 5 : 8);
        }
    }
}

static int buf_write(void *data, const char *p, size_t n)
{
    return cf_buf_add(data, p, n) == 0 ? 0 : -1;
}

/* A map of random keys (mostly known ones, "v" and "u" and "e" most of
 * the time) with values mostly of the right shape. */
static void gen_map(struct cf_buf *out)
{
    msgpack_packer pk;
    uint32_t n = 3 + rnd() % 8, i;

    msgpack_packer_init(&pk, out, buf_write);
    msgpack_pack_map(&pk, n);
    if (rnd() % 8) {
        pack_s(&pk, "v", 1);
        if (rnd() % 8)
            msgpack_pack_int(&pk, 1);
        else
            pack_rand_val(&pk, 0, -1);
        n--;
    }
    if (rnd() % 8) {
        pack_s(&pk, "u", 1);
        pack_rand_val(&pk, 0, rnd() % 6 ? 5 : -1);
        n--;
    }
    if (rnd() % 4) {
        pack_s(&pk, "e", 1);
        pack_rand_val(&pk, 0, rnd() % 6 ? 5 : -1);
        n--;
    }
    for (i = 0; i < n; i++) {
        const char *k = known_keys[rnd() % NKEYS];

        if (rnd() % 16 == 0)
            msgpack_pack_int(&pk, 7); /* a key that is not a string */
        else
            pack_s(&pk, k, strlen(k));
        if (strcmp(k, "ol") == 0 || strcmp(k, "jl") == 0)
            pack_rand_val(&pk, 0, rnd() % 4 ? 8 : -1);
        else if (strcmp(k, "fd") == 0)
            pack_rand_val(&pk, 0, rnd() % 4 ? 9 : -1);
        else
            pack_rand_val(&pk, 0, rnd() % 3 ? 2 + (int)(rnd() % 2) * 3 : -1);
    }
}

/* A record the encoder writes. */
static void gen_encoded(struct cf_buf *out, int result)
{
    char url[40], title[12];

    snprintf(url, sizeof(url), "http://h%u.example/p/%u", rnd() % 9, rnd());
    snprintf(title, sizeof(title), "t%u", rnd());
    if (!result) {
        struct cf_request r = {0};

        r.url = url;
        r.depth = rnd() % 5;
        r.priority = rnd() % 2 ? r.depth : (int64_t)rnd() - 100;
        r.attempts = rnd() % 3;
        r.discovered_ms = 1700000000000LL + rnd();
        r.parent_fp = ((uint64_t)rnd() << 32) | rnd();
        r.flags = rnd() % 4;
        cf_request_encode(&r, out);
    } else {
        struct cf_result r = {0};
        char *ol[2] = {url, title};

        r.url = url;
        r.error_type = (char *)(rnd() % 2 ? "ok" : "http");
        r.status = 200 + (int)(rnd() % 300);
        r.title = rnd() % 2 ? title : NULL;
        r.bytes = rnd();
        r.outlinks = rnd() % 3 ? NULL : ol;
        r.noutlinks = r.outlinks ? 2 : 0;
        r.started_ms = 1700000000000LL + rnd();
        r.done_ms = r.started_ms + rnd() % 1000;
        r.worker = (char *)"w1";
        cf_result_encode(&r, out);
    }
}

/* One random change: flip, set, insert, delete, truncate or append. */
static size_t mutate(uint8_t *p, size_t n, size_t cap)
{
    static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0x90, 0xa0,
                                    0xc0, 0xc1, 0xc2, 0xc4, 0xca, 0xcc,
                                    0xcf, 0xd0, 0xd3, 0xd9, 0xdc, 0xdd,
                                    0xde, 0xdf, 0xe0, 0xff};
    size_t at = n ? rnd() % n : 0;

    switch (rnd() % 6) {
    case 0:
        if (n)
            p[at] ^= (uint8_t)(1u << (rnd() % 8));
        return n;
    case 1:
        if (n)
            p[at] = bytes[rnd() % sizeof(bytes)];
        return n;
    case 2:
        if (n + 1 > cap)
            return n;
        memmove(p + at + 1, p + at, n - at);
        p[at] = bytes[rnd() % sizeof(bytes)];
        return n + 1;
    case 3:
        if (!n)
            return n;
        memmove(p + at, p + at + 1, n - at - 1);
        return n - 1;
    case 4:
        return at;
    default:
        if (n + 1 > cap)
            return n;
        p[n] = bytes[rnd() % sizeof(bytes)];
        return n + 1;
    }
}

struct tally {
    long inputs, accepted, rejected, unknown, differ;
};

static void show(const char *what, const uint8_t *p, size_t n, int hand,
                 int ref)
{
    fprintf(stderr, "%s: hand %s, msgpack-c %s:", what,
            hand == CF_OK ? "accepts" : "rejects",
            ref == REF_OK ? "accepts" : "rejects");
    for (size_t i = 0; i < n && i < 48; i++)
        fprintf(stderr, " %02x", p[i]);
    fputc('\n', stderr);
}

static void compare(const uint8_t *p, size_t n, int result, struct tally *t)
{
    char err[CF_ERRSTR_LEN];
    struct cf_buf ea, eb;
    int hand, ref, same = 1;

    t->inputs++;
    cf_buf_init(&ea, ENC_CAP);
    cf_buf_init(&eb, ENC_CAP);
    if (!result) {
        struct cf_request a, b;

        hand = cf_request_decode((const char *)p, n, &a, err);
        ref = ref_decode_request((const char *)p, n, &b);
        if (hand == CF_OK && ref == REF_OK)
            same = cf_request_encode(&a, &ea) == 0 &&
                   cf_request_encode(&b, &eb) == 0;
        cf_request_cleanup(&a);
        cf_request_cleanup(&b);
    } else {
        struct cf_result a, b;

        hand = cf_result_decode((const char *)p, n, &a, err);
        ref = ref_decode_result((const char *)p, n, &b);
        if (hand == CF_OK && ref == REF_OK)
            same = cf_result_encode(&a, &ea) == 0 &&
                   cf_result_encode(&b, &eb) == 0;
        cf_result_cleanup(&a);
        cf_result_cleanup(&b);
    }
    if (ref == REF_UNKNOWN) {
        t->unknown++;
    } else if ((hand == CF_OK) != (ref == REF_OK)) {
        if (t->differ++ < 5)
            show(result ? "result" : "request", p, n, hand, ref);
    } else if (hand == CF_OK) {
        t->accepted++;
        if (!same || ea.len != eb.len || memcmp(ea.data, eb.data, ea.len)) {
            if (t->differ++ < 5)
                show("values differ", p, n, hand, ref);
        }
    } else {
        t->rejected++;
    }
    cf_buf_cleanup(&ea);
    cf_buf_cleanup(&eb);
}

static void corpus(int result)
{
    struct tally t = {0};
    struct cf_buf b;
    uint8_t *m = malloc(ENC_CAP);
    const char *name = result ? "results" : "requests";

    for (int i = 0; i < BASES; i++) {
        cf_buf_init(&b, ENC_CAP);
        if (i % 2)
            gen_encoded(&b, result);
        else
            gen_map(&b);
        compare((const uint8_t *)b.data, b.len, result, &t);
        for (int k = 0; k < MUTANTS; k++) {
            size_t n = b.len;

            memcpy(m, b.data, n);
            for (int j = 1 + (int)(rnd() % 3); j > 0; j--)
                n = mutate(m, n, ENC_CAP);
            compare(m, n, result, &t);
        }
        cf_buf_cleanup(&b);
    }
    free(m);
    printf("# %s: %ld inputs, %ld accepted, %ld rejected, %ld not told "
           "(msgpack-c limits), %ld differ\n",
           name, t.inputs, t.accepted, t.rejected, t.unknown, t.differ);
    CHECKF(t.differ == 0, "%s: %ld of %ld inputs differ", name, t.differ,
           t.inputs);
    CHECKF(t.accepted > t.inputs / 20 && t.rejected > t.inputs / 4 &&
               t.unknown < t.inputs * 15 / 100,
           "%s: a corpus that means little (%ld accepted, %ld rejected, "
           "%ld not told)", name, t.accepted, t.rejected, t.unknown);
}

/* Inputs the generators rarely make: signed encodings of positive
 * values, empty input, trailing bytes, nesting past msgpack-c's limit. */
static void edges(void)
{
    static const struct {
        const char *bytes;
        size_t n;
    } in[] = {
        {"", 0},
        {"\x82\xa1v\xd0\x01\xa1u\xa1x", 9},     /* v as int8 */
        {"\x82\xa1v\x01\xa1u\xa1x\x00", 9},     /* a trailing byte */
        {"\x83\xa1v\x01\xa1u\xa1x\xa1" "d\xd3\x00\x00\x00\x00\x00\x00\x00\x05",
         19},                                   /* d as int64 */
        {"\x83\xa1v\x01\xa1u\xa1x\xa1" "d\xff", 11}, /* d = -1 */
        {"\x82\xa1v\x01\xa1u\xa2x\x00", 9},     /* NUL in a string */
        {"\x82\xa1v\x01\xa1u\xc4\x01x", 9},     /* u as bin */
        {"\x83\xa1v\x01\xa1u\xa1x\xa1u\xa1y", 11}, /* u twice */
        {"\x83\xa1v\x01\xa1u\xa1x\xa2zz\xc1", 11}, /* 0xc1 in a skipped value */
    };
    struct tally t = {0};

    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        compare((const uint8_t *)in[i].bytes, in[i].n, 0, &t);
    CHECKF(t.differ == 0 && t.unknown == 0, "edge inputs: %ld differ",
           t.differ);
}

int main(void)
{
    edges();
    corpus(0);
    corpus(1);
    return test_summary("record_diff");
}
