/* test_record.c - common/record.c
 *
 * Round trips of request and result tables; every encoding truncated at
 * every length; single bytes flipped with several masks; hand-built bad
 * inputs. `test_record bench` prints encode+decode ns per record. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

/* hiredis ships an alloc.h too, and its -I comes first. */
#include "../../common/alloc.h"
#include "buf.h"
#include "err.h"
#include "record.h"
#include "test.h"

#define S(x) ((char *)(x))
#define CAP (16u << 20)

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

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!str_eq(a[i], b[i]))
            return false;
    return true;
}

/* The optional fields after attempts. */
static bool res_extra_eq(const struct cf_result *a, const struct cf_result *b)
{
    if (a->nfields != b->nfields)
        return false;
    for (size_t i = 0; i < a->nfields; i++)
        if (!str_eq(a->fields[i].name, b->fields[i].name) ||
            !strv_eq(a->fields[i].values, a->fields[i].nvalues,
                     b->fields[i].values, b->fields[i].nvalues))
            return false;
    return a->flags == b->flags && str_eq(a->redirect_url, b->redirect_url) &&
           str_eq(a->last_modified, b->last_modified) &&
           str_eq(a->etag, b->etag) &&
           str_eq(a->content_length, b->content_length) &&
           str_eq(a->content_language, b->content_language) &&
           str_eq(a->location, b->location) &&
           str_eq(a->payload_digest, b->payload_digest) &&
           str_eq(a->warc_file, b->warc_file) &&
           a->warc_offset == b->warc_offset &&
           a->warc_length == b->warc_length &&
           str_eq(a->canonical, b->canonical) &&
           str_eq(a->description, b->description) &&
           str_eq(a->lang, b->lang) && str_eq(a->meta_robots, b->meta_robots) &&
           a->links_internal == b->links_internal &&
           a->links_external == b->links_external &&
           a->links_nofollow == b->links_nofollow &&
           a->links_dropped == b->links_dropped && str_eq(a->text, b->text) &&
           strv_eq(a->jsonld, a->njsonld, b->jsonld, b->njsonld);
}

static bool res_eq(const struct cf_result *a, const struct cf_result *b)
{
    if (a->noutlinks != b->noutlinks || !res_extra_eq(a, b))
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

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < n; i++)
        if (c[i])
            return false;
    return true;
}

/* ---- one interface over both record types ---- */

struct kind {
    const char *name;
    size_t size;
    int (*encode)(const void *rec, struct cf_buf *out);
    int (*decode)(const char *p, size_t len, void *rec, char *errstr);
    void (*cleanup)(void *rec);
    bool (*eq)(const void *a, const void *b);
};

static int req_enc(const void *r, struct cf_buf *o)
{
    return cf_request_encode(r, o);
}
static int req_dec(const char *p, size_t n, void *r, char *e)
{
    return cf_request_decode(p, n, r, e);
}
static void req_clean(void *r)
{
    cf_request_cleanup(r);
}
static bool req_eqv(const void *a, const void *b)
{
    return req_eq(a, b);
}
static int res_enc(const void *r, struct cf_buf *o)
{
    return cf_result_encode(r, o);
}
static int res_dec(const char *p, size_t n, void *r, char *e)
{
    return cf_result_decode(p, n, r, e);
}
static void res_clean(void *r)
{
    cf_result_cleanup(r);
}
static bool res_eqv(const void *a, const void *b)
{
    return res_eq(a, b);
}

static const struct kind K_REQ = {
    "request", sizeof(struct cf_request), req_enc, req_dec, req_clean, req_eqv};
static const struct kind K_RES = {
    "result", sizeof(struct cf_result), res_enc, res_dec, res_clean, res_eqv};

/* ---- round trip, truncation, flips for one record ---- */

static const unsigned char flip_masks[] = {0x01, 0x02, 0x10, 0x40,
                                           0x80, 0x7f, 0xff};
static long decodes; /* decoder calls made, for the summary */

/* Decode p; if it decodes, re-encode, decode again, and require the
 * second decode to equal the first and the two encodings to match. */
static bool consistent(const struct kind *k, const char *p, size_t n)
{
    union {
        struct cf_request q;
        struct cf_result s;
    } a, b;
    struct cf_buf e1, e2;
    char err[CF_ERRSTR_LEN];
    bool ok = true;
    int rc;

    decodes++;
    rc = k->decode(p, n, &a, err);
    if (rc != CF_OK)
        return rc == CF_EINVAL && all_zero(&a, k->size) && err[0] != '\0';
    cf_buf_init(&e1, CAP);
    cf_buf_init(&e2, CAP);
    ok = k->encode(&a, &e1) == CF_OK &&
         k->decode(e1.data, e1.len, &b, err) == CF_OK;
    if (ok) {
        ok = k->eq(&a, &b) && k->encode(&b, &e2) == CF_OK && e1.len == e2.len &&
             memcmp(e1.data, e2.data, e1.len) == 0;
        k->cleanup(&b);
    }
    k->cleanup(&a);
    cf_buf_cleanup(&e1);
    cf_buf_cleanup(&e2);
    return ok;
}

static void check_record(const struct kind *k, const char *label,
                         const void *rec)
{
    union {
        struct cf_request q;
        struct cf_result s;
    } d;
    struct cf_buf b, b2;
    char err[CF_ERRSTR_LEN];
    size_t bad = (size_t)-1, lo, hi;
    char *copy;
    int rc;

    cf_buf_init(&b, CAP);
    cf_buf_init(&b2, CAP);
    CHECK_INT(k->encode(rec, &b), CF_OK);
    rc = k->decode(b.data, b.len, &d, err);
    CHECKF(rc == CF_OK, "%s %s: decode: %s", k->name, label, err);
    if (rc != CF_OK)
        goto out;
    CHECKF(k->eq(rec, &d), "%s %s: round trip differs", k->name, label);
    CHECK_INT(k->encode(&d, &b2), CF_OK);
    CHECKF(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0,
           "%s %s: re-encoding differs", k->name, label);
    k->cleanup(&d);
    CHECK(all_zero(&d, k->size));

    /* Every proper prefix fails cleanly (long records: the first and last
     * 128 lengths). Copies of exactly n bytes so ASan and valgrind see any
     * read past the end. */
    lo = b.len > 1024 ? 128 : b.len;
    hi = b.len > 1024 ? b.len - 128 : b.len;
    for (size_t n = 0; n < b.len && bad == (size_t)-1; n++) {
        if (n == lo)
            n = hi;
        copy = cf_malloc(n ? n : 1);
        memcpy(copy, b.data, n);
        decodes++;
        rc = k->decode(copy, n, &d, err);
        if (rc != CF_EINVAL || !all_zero(&d, k->size) || err[0] == '\0') {
            bad = n;
            if (rc == CF_OK)
                k->cleanup(&d);
        }
        free(copy);
    }
    CHECKF(bad == (size_t)-1, "%s %s: prefix of %zu bytes accepted", k->name,
           label, bad);

    /* Every byte flipped with every mask: fails cleanly or re-encodes
     * consistently. Long records: the first and last 128 bytes. */
    copy = cf_memdup(b.data, b.len);
    for (size_t i = 0; i < b.len && bad == (size_t)-1; i++) {
        if (i == lo)
            i = hi;
        for (size_t m = 0; m < sizeof(flip_masks); m++) {
            copy[i] ^= (char)flip_masks[m];
            if (!consistent(k, copy, b.len))
                bad = i;
            copy[i] ^= (char)flip_masks[m];
        }
    }
    free(copy);
    CHECKF(bad == (size_t)-1, "%s %s: flip at byte %zu inconsistent", k->name,
           label, bad);

    /* The encoder refuses to outgrow a cap and leaves the buffer as it
     * was. */
    bad = (size_t)-1;
    for (size_t cap = 3; cap < b.len && cap < 300; cap++) {
        cf_buf_reset(&b2);
        b2.cap = cap;
        cf_buf_add(&b2, "xyz", 3);
        if (k->encode(rec, &b2) != CF_ETOOBIG || b2.len != 3 ||
            memcmp(b2.data, "xyz", 4) != 0)
            bad = cap;
    }
    CHECKF(bad == (size_t)-1, "%s %s: cap %zu not honoured", k->name, label,
           bad);
out:
    cf_buf_cleanup(&b);
    cf_buf_cleanup(&b2);
}

/* ---- tables of good records ---- */

static char *long_string(size_t n, char c)
{
    char *s = cf_malloc(n + 1);

    memset(s, c, n);
    memcpy(s, "http://x/", n < 9 ? n : 9);
    s[n] = '\0';
    return s;
}

static void test_requests(void)
{
    char *lng = long_string(100000, 'a');
    const struct {
        const char *label;
        struct cf_request r;
    } t[] = {
        {"minimal", {.url = S("http://example.org/")}},
        {"all fields",
         {S("http://example.org:8080/a/b?c=d"), 3, -5, 2, 1700000000123LL,
          0xdeadbeefcafef00dULL, CF_REQ_SEED | CF_REQ_REDIRECT,
          S("2026-12-07T05:31:39Z"), S("0.8")}},
        {"sitemap", {.url = S("http://a/s.xml.gz"), .flags = CF_REQ_SITEMAP}},
        {"empty url", {.url = S("")}},
        {"unicode", {.url = S("http://例え.jp/ü?q=☃&e=😀"), .depth = 1}},
        {"long url", {.url = lng, .depth = 7}},
        {"max ints",
         {S("http://a/"), UINT32_MAX, INT64_MAX, UINT32_MAX, INT64_MAX,
          UINT64_MAX, UINT32_MAX, NULL, NULL}},
        {"min ints",
         {S("http://a/"), 0, INT64_MIN, 0, INT64_MIN, 1, 0, NULL, NULL}},
        {"priority 0 at depth 3", {.url = S("http://a/"), .depth = 3}},
        {"priority = depth",
         {.url = S("http://a/"), .depth = 3, .priority = 3}},
        {"edges of fixint",
         {S("http://a/"), 127, -32, 128, -33, 255, 256, NULL, NULL}},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        check_record(&K_REQ, t[i].label, &t[i].r);
    free(lng);
}

static void test_results(void)
{
    char *lng = long_string(70000, 't');
    char *links[] = {S("http://example.org/1"), S("http://example.org/2"),
                     S("https://other.example/é")};
    char *empty_links[] = {S(""), S("")};
    char **many = cf_calloc(1000, sizeof(*many));
    char *prices[] = {S("9.99"), S("€ 10")};
    struct cf_field flds[] = {{S("price"), prices, 2},
                              {S("name"), NULL, 0},
                              {S("sku"), empty_links, 1}};
    char *jl[] = {S("{\"@type\":\"Product\"}"), S("[]")};
    const struct {
        const char *label;
        struct cf_result r;
    } t[] = {
        {"minimal", {.url = S("http://a/"), .error_type = S("ok")}},
        {"all fields",
         {S("http://a/x"), S("https://a/x/"), 0x0123456789abcdefULL, 200,
          S("text/html; charset=utf-8"), 12345, S("A title"), 2, 57, links, 3,
          321, S("host1:4242"), S("ok"), S("fine"), 1700000000000LL,
          1700000000321LL, 1, .flags = CF_RES_NOINDEX}},
        {"content fields",
         {.url = S("http://a/p"),
          .error_type = S("ok"),
          .flags = CF_RES_DEAD | CF_RES_TEXT_TRUNCATED,
          .redirect_url = S("http://a/q"),
          .last_modified = S("Wed, 21 Oct 2015 07:28:00 GMT"),
          .etag = S("\"33a64df5\""),
          .content_length = S("1234"),
          .content_language = S("en"),
          .location = S("/q"),
          .payload_digest = S("sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"),
          .warc_file = S("cf-20261207055500-00000-w1.warc.gz"),
          .warc_offset = 4242,
          .warc_length = 1717,
          .canonical = S("http://a/p"),
          .description = S("A page"),
          .lang = S("en-GB"),
          .meta_robots = S("noindex,nofollow"),
          .links_internal = 40,
          .links_external = 3,
          .links_nofollow = 2,
          .links_dropped = 1,
          .text = S("Heading\n\nSome text."),
          .fields = flds,
          .nfields = 3,
          .jsonld = jl,
          .njsonld = 2}},
        {"empty strings",
         {S(""), S(""), 0, 0, S(""), 0, S(""), 0, 0, empty_links, 2, 0, S(""),
          S(""), S(""), 0, 0, 0, .flags = 0}},
        {"unicode",
         {.url = S("http://ü.example/"),
          .title = S("Ünïcødé ☃ 日本語 😀"),
          .error_type = S("http"),
          .error = S("404 ‘Not Found’"),
          .status = 404}},
        {"long",
         {.url = S("http://a/"),
          .title = lng,
          .error_type = S("ok"),
          .outlinks = many,
          .noutlinks = 1000}},
        {"max ints",
         {.url = S("u"),
          .error_type = S("ok"),
          .fp = UINT64_MAX,
          .status = INT_MAX,
          .bytes = INT64_MAX,
          .depth = UINT32_MAX,
          .nlinks = UINT32_MAX,
          .fetch_ms = UINT32_MAX,
          .started_ms = INT64_MAX,
          .done_ms = INT64_MAX,
          .attempts = UINT32_MAX}},
        {"min ints",
         {.url = S("u"),
          .error_type = S("other"),
          .status = INT_MIN,
          .bytes = INT64_MIN,
          .started_ms = INT64_MIN,
          .done_ms = -1}},
    };

    for (size_t i = 0; i < 1000; i++)
        many[i] = cf_asprintf("http://example.org/page/%zu", i);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        check_record(&K_RES, t[i].label, &t[i].r);
    for (size_t i = 0; i < 1000; i++)
        free(many[i]);
    free(many);
    free(lng);
}

/* ---- hand-built inputs ---- */

static void key(msgpack_packer *pk, const char *k)
{
    msgpack_pack_str_with_body(pk, k, strlen(k));
}

static void kstr(msgpack_packer *pk, const char *k, const char *v)
{
    key(pk, k);
    msgpack_pack_str_with_body(pk, v, strlen(v));
}

static void kint(msgpack_packer *pk, const char *k, int64_t v)
{
    key(pk, k);
    msgpack_pack_int64(pk, v);
}

/* {"v":1,"u":"http://a/"} with n extra pairs to follow. */
static void req_head(msgpack_packer *pk, size_t extra)
{
    msgpack_pack_map(pk, 2 + extra);
    kint(pk, "v", 1);
    kstr(pk, "u", "http://a/");
}

/* {"v":1,"u":"http://a/","e":"ok"} with n extra pairs to follow. */
static void res_head(msgpack_packer *pk, size_t extra)
{
    msgpack_pack_map(pk, 3 + extra);
    kint(pk, "v", 1);
    kstr(pk, "u", "http://a/");
    kstr(pk, "e", "ok");
}

#define B(name) static void name(msgpack_packer *pk)
B(b_array)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
}
B(b_string)
{
    msgpack_pack_str_with_body(pk, "u", 1);
}
B(b_nil)
{
    msgpack_pack_nil(pk);
}
B(b_empty_map)
{
    msgpack_pack_map(pk, 0);
}
B(b_no_v)
{
    msgpack_pack_map(pk, 1);
    kstr(pk, "u", "http://a/");
}
B(b_no_url)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    kint(pk, "d", 1);
}
B(b_v99)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 99);
    kstr(pk, "u", "x");
}
B(b_v99_last)
{
    msgpack_pack_map(pk, 2);
    kstr(pk, "u", "x");
    kint(pk, "v", 99);
}
B(b_v0)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 0);
    kstr(pk, "u", "x");
}
B(b_vneg)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", -1);
    kstr(pk, "u", "x");
}
B(b_vstr)
{
    msgpack_pack_map(pk, 2);
    kstr(pk, "v", "1");
    kstr(pk, "u", "x");
}
B(b_vdup)
{
    req_head(pk, 1);
    kint(pk, "v", 1);
}
B(b_url_int)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    kint(pk, "u", 5);
}
B(b_url_bin)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    key(pk, "u");
    msgpack_pack_bin_with_body(pk, "http://a/", 9);
}
B(b_url_nil)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    key(pk, "u");
    msgpack_pack_nil(pk);
}
B(b_url_nul)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    key(pk, "u");
    msgpack_pack_str_with_body(pk, "http://a/\0x", 11);
}
B(b_url_dup)
{
    req_head(pk, 1);
    kstr(pk, "u", "http://b/");
}
B(b_depth_str)
{
    req_head(pk, 1);
    kstr(pk, "d", "3");
}
B(b_depth_neg)
{
    req_head(pk, 1);
    kint(pk, "d", -1);
}
B(b_depth_big)
{
    req_head(pk, 1);
    kint(pk, "d", (int64_t)UINT32_MAX + 1);
}
B(b_depth_bool)
{
    req_head(pk, 1);
    key(pk, "d");
    msgpack_pack_true(pk);
}
B(b_prio_float)
{
    req_head(pk, 1);
    key(pk, "p");
    msgpack_pack_double(pk, 1);
}
B(b_prio_u64)
{
    req_head(pk, 1);
    key(pk, "p");
    msgpack_pack_uint64(pk, UINT64_MAX);
}
B(b_pfp_neg)
{
    req_head(pk, 1);
    kint(pk, "pf", -1);
}
B(b_flags_nil)
{
    req_head(pk, 1);
    key(pk, "f");
    msgpack_pack_nil(pk);
}
B(b_flags_map)
{
    req_head(pk, 1);
    key(pk, "f");
    msgpack_pack_map(pk, 0);
}
B(b_trailing)
{
    req_head(pk, 0);
    msgpack_pack_nil(pk);
}
B(b_two)
{
    req_head(pk, 0);
    req_head(pk, 0);
}
B(b_int_key)
{
    req_head(pk, 1);
    msgpack_pack_int(pk, 1);
    kint(pk, "x", 1);
}
B(b_res_no_e)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    kstr(pk, "u", "x");
}
B(b_res_no_u)
{
    msgpack_pack_map(pk, 2);
    kint(pk, "v", 1);
    kstr(pk, "e", "ok");
}
B(b_res_e_int)
{
    msgpack_pack_map(pk, 3);
    kint(pk, "v", 1);
    kstr(pk, "u", "x");
    kint(pk, "e", 0);
}
B(b_status_big)
{
    res_head(pk, 1);
    kint(pk, "s", (int64_t)INT_MAX + 1);
}
B(b_status_small)
{
    res_head(pk, 1);
    kint(pk, "s", (int64_t)INT_MIN - 1);
}
B(b_ol_str)
{
    res_head(pk, 1);
    kstr(pk, "ol", "http://b/");
}
B(b_fd_array)
{
    res_head(pk, 1);
    key(pk, "fd");
    msgpack_pack_array(pk, 0);
}
B(b_fd_value_str)
{
    res_head(pk, 1);
    key(pk, "fd");
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "price", 5);
    msgpack_pack_str_with_body(pk, "9", 1);
}
B(b_fd_key_int)
{
    res_head(pk, 1);
    key(pk, "fd");
    msgpack_pack_map(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_array(pk, 0);
}
B(b_fd_short)
{
    res_head(pk, 1);
    key(pk, "fd");
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "a", 1);
    msgpack_pack_array(pk, 0);
}
B(b_ol_int)
{
    res_head(pk, 1);
    key(pk, "ol");
    msgpack_pack_array(pk, 2);
    msgpack_pack_str_with_body(pk, "x", 1);
    msgpack_pack_int(pk, 1);
}
B(b_ol_nul)
{
    res_head(pk, 1);
    key(pk, "ol");
    msgpack_pack_array(pk, 1);
    msgpack_pack_str_with_body(pk, "a\0", 2);
}
B(b_ol_short)
{
    res_head(pk, 1);
    key(pk, "ol");
    msgpack_pack_array(pk, 3);
    msgpack_pack_str_with_body(pk, "x", 1);
}
B(b_title_arr)
{
    res_head(pk, 1);
    key(pk, "ti");
    msgpack_pack_array(pk, 0);
}
B(b_bytes_u64)
{
    res_head(pk, 1);
    key(pk, "b");
    msgpack_pack_uint64(pk, (uint64_t)INT64_MAX + 1);
}
B(b_unknown_short)
{
    req_head(pk, 1);
    key(pk, "zz");
    msgpack_pack_map(pk, 2);
    kint(pk, "a", 1);
}

/* Inputs that must decode. */
B(g_unknown)
{
    req_head(pk, 5);
    key(pk, "zz");
    msgpack_pack_map(pk, 2);
    key(pk, "a");
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, 1);
    msgpack_pack_nil(pk);
    msgpack_pack_map(pk, 1);
    kstr(pk, "b", "c");
    msgpack_pack_int(pk, 7);
    msgpack_pack_double(pk, 2.5);
    key(pk, "x");
    msgpack_pack_float(pk, 1.5f);
    key(pk, "y");
    msgpack_pack_bin_with_body(pk, "\0\1\2", 3);
    key(pk, "w");
    msgpack_pack_ext_with_body(pk, "abcd", 4, 5);
    key(pk, "q");
    msgpack_pack_ext_with_body(pk, "abcdefghij", 10, -1);
}
B(g_reordered)
{
    msgpack_pack_map(pk, 4);
    kint(pk, "d", 3);
    kstr(pk, "u", "http://a/");
    kint(pk, "a", 2);
    kint(pk, "v", 1);
}
B(g_wide_ints)
{
    req_head(pk, 2);
    key(pk, "d");
    msgpack_pack_fix_int64(pk, 3);
    key(pk, "a");
    msgpack_pack_fix_uint32(pk, 2);
}
B(g_res_empty_ol)
{
    res_head(pk, 1);
    key(pk, "ol");
    msgpack_pack_array(pk, 0);
}

struct bad_case {
    const char *label;
    const struct kind *k;
    void (*build)(msgpack_packer *pk);
    const char *err; /* expected substring of errstr */
};

static void test_bad(void)
{
    const struct bad_case t[] = {
        {"array", &K_REQ, b_array, "not a map"},
        {"string", &K_REQ, b_string, "not a map"},
        {"nil", &K_RES, b_nil, "not a map"},
        {"empty map", &K_REQ, b_empty_map, "no version"},
        {"no v", &K_REQ, b_no_v, "no version"},
        {"no url", &K_REQ, b_no_url, "lacks \"u\""},
        {"version 99", &K_REQ, b_v99, "version 99"},
        {"version 99 last", &K_RES, b_v99_last, "version 99"},
        {"version 0", &K_REQ, b_v0, "version 0"},
        {"version -1", &K_REQ, b_vneg, "out of range"},
        {"version string", &K_REQ, b_vstr, "expected an integer"},
        {"version twice", &K_REQ, b_vdup, "twice"},
        {"url int", &K_REQ, b_url_int, "expected a string"},
        {"url bin", &K_REQ, b_url_bin, "expected a string"},
        {"url nil", &K_REQ, b_url_nil, "expected a string"},
        {"url NUL", &K_REQ, b_url_nul, "NUL"},
        {"url twice", &K_REQ, b_url_dup, "twice"},
        {"depth string", &K_REQ, b_depth_str, "expected an integer"},
        {"depth -1", &K_REQ, b_depth_neg, "out of range"},
        {"depth 2^32", &K_REQ, b_depth_big, "out of range"},
        {"depth bool", &K_REQ, b_depth_bool, "expected an integer"},
        {"priority float", &K_REQ, b_prio_float, "expected an integer"},
        {"priority 2^64-1", &K_REQ, b_prio_u64, "out of range"},
        {"parent_fp -1", &K_REQ, b_pfp_neg, "out of range"},
        {"flags nil", &K_REQ, b_flags_nil, "expected an integer"},
        {"flags map", &K_REQ, b_flags_map, "expected an integer"},
        {"trailing nil", &K_REQ, b_trailing, "trailing"},
        {"two records", &K_REQ, b_two, "trailing"},
        {"int key", &K_REQ, b_int_key, "not a string"},
        {"unknown key cut short", &K_REQ, b_unknown_short, "truncated"},
        {"result no error type", &K_RES, b_res_no_e, "lacks \"e\""},
        {"result no url", &K_RES, b_res_no_u, "lacks \"u\""},
        {"result request", &K_RES, g_reordered, "lacks \"e\""},
        {"error type int", &K_RES, b_res_e_int, "expected a string"},
        {"status 2^31", &K_RES, b_status_big, "out of range"},
        {"status -2^31-1", &K_RES, b_status_small, "out of range"},
        {"outlinks string", &K_RES, b_ol_str, "expected an array"},
        {"fields array", &K_RES, b_fd_array, "expected a map"},
        {"field value string", &K_RES, b_fd_value_str, "expected an array"},
        {"field name int", &K_RES, b_fd_key_int, "expected a string"},
        {"fields short", &K_RES, b_fd_short, "truncated"},
        {"outlink int", &K_RES, b_ol_int, "expected a string"},
        {"outlink NUL", &K_RES, b_ol_nul, "NUL"},
        {"outlinks short", &K_RES, b_ol_short, "truncated"},
        {"title array", &K_RES, b_title_arr, "expected a string"},
        {"bytes 2^63", &K_RES, b_bytes_u64, "out of range"},
    };
    union {
        struct cf_request q;
        struct cf_result s;
    } d;
    char err[CF_ERRSTR_LEN];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int rc;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        t[i].build(&pk);
        memset(err, 0, sizeof(err));
        rc = t[i].k->decode(sb.data, sb.size, &d, err);
        CHECKF(rc == CF_EINVAL && all_zero(&d, t[i].k->size) &&
                   strstr(err, t[i].err) != NULL,
               "%s: rc %d err \"%s\", want \"%s\"", t[i].label, rc, err,
               t[i].err);
        if (rc == CF_OK)
            t[i].k->cleanup(&d);
        msgpack_sbuffer_destroy(&sb);
    }
}

/* Raw bytes that must be refused without reading past the end. */
static void test_raw(void)
{
    const struct {
        const char *label;
        const char *p;
        size_t n;
    } t[] = {
        {"empty", "", 0},
        {"0xc1", "\xc1", 1},
        {"map32 of 2^32-1 pairs", "\xdf\xff\xff\xff\xff\xa1v\x01", 8},
        {"map16 short", "\xde\x00\x02\xa1v\x01", 6},
        {"str32 of 4 GiB", "\x81\xa1u\xdb\xff\xff\xff\xff", 8},
        {"array32 huge as unknown value",
         "\x82\xa1v\x01\xa1z\xdd\xff\xff\xff\xff\x00", 12},
        {"nested arrays never closed", "\x81\xa1z\x91\x91\x91\x91\x91", 8},
        {"ext32 huge", "\x81\xa1z\xc9\xff\xff\xff\xff\x01", 9},
        {"fixext16 short", "\x81\xa1z\xd8\x01\x00", 6},
        {"float64 short", "\x81\xa1z\xcb\x00\x00", 6},
        {"key cut", "\x81\xd9", 2},
    };
    struct cf_request q;
    struct cf_result s;
    char err[CF_ERRSTR_LEN];
    char *copy;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        copy = cf_memdup(t[i].p, t[i].n);
        CHECKF(cf_request_decode(copy, t[i].n, &q, err) == CF_EINVAL &&
                   all_zero(&q, sizeof(q)),
               "request %s", t[i].label);
        CHECKF(cf_result_decode(copy, t[i].n, &s, NULL) == CF_EINVAL &&
                   all_zero(&s, sizeof(s)),
               "result %s", t[i].label);
        free(copy);
    }
}

static void test_good(void)
{
    struct cf_request q;
    struct cf_result s;
    char err[CF_ERRSTR_LEN];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int rc;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    g_unknown(&pk);
    rc = cf_request_decode(sb.data, sb.size, &q, err);
    CHECKF(rc == CF_OK, "unknown keys: %s", err);
    CHECK_STR(q.url, "http://a/");
    cf_request_cleanup(&q);

    msgpack_sbuffer_clear(&sb);
    g_reordered(&pk);
    rc = cf_request_decode(sb.data, sb.size, &q, err);
    CHECKF(rc == CF_OK, "reordered: %s", err);
    CHECK(q.depth == 3 && q.attempts == 2 && q.priority == 3);
    cf_request_cleanup(&q);

    msgpack_sbuffer_clear(&sb);
    g_wide_ints(&pk);
    rc = cf_request_decode(sb.data, sb.size, &q, err);
    CHECKF(rc == CF_OK, "wide ints: %s", err);
    CHECK(q.depth == 3 && q.attempts == 2);
    cf_request_cleanup(&q);

    msgpack_sbuffer_clear(&sb);
    g_res_empty_ol(&pk);
    rc = cf_result_decode(sb.data, sb.size, &s, err);
    CHECKF(rc == CF_OK, "empty outlinks: %s", err);
    CHECK(s.outlinks == NULL && s.noutlinks == 0);
    CHECK_STR(s.error_type, "ok");
    cf_result_cleanup(&s);
    msgpack_sbuffer_destroy(&sb);

    /* cleanup accepts zeroed structs and NULL */
    memset(&q, 0, sizeof(q));
    memset(&s, 0, sizeof(s));
    cf_request_cleanup(&q);
    cf_result_cleanup(&s);
    cf_request_cleanup(NULL);
    cf_result_cleanup(NULL);
    CHECK(all_zero(&q, sizeof(q)) && all_zero(&s, sizeof(s)));
}

/* The encoder refuses what cannot round-trip. */
static void test_encode_invalid(void)
{
    char *links[] = {S("http://a/"), NULL};
    struct cf_request q = {0};
    struct cf_result s = {.url = S("u"), .error_type = S("ok")};
    struct cf_buf b;

    cf_buf_init(&b, CAP);
    CHECK_INT(cf_request_encode(&q, &b), CF_EINVAL);
    s.error_type = NULL;
    CHECK_INT(cf_result_encode(&s, &b), CF_EINVAL);
    s.error_type = S("ok");
    s.noutlinks = 2;
    CHECK_INT(cf_result_encode(&s, &b), CF_EINVAL);
    s.outlinks = links;
    CHECK_INT(cf_result_encode(&s, &b), CF_EINVAL);
    s.noutlinks = 1;
    CHECK_INT(cf_result_encode(&s, &b), CF_OK);
    CHECK(b.len > 0);
    cf_buf_cleanup(&b);
}

static char url60[61];

static void make_url60(void)
{
    memset(url60, 'p', 60);
    memcpy(url60, "https://www.example.org/", 24);
}

/* Sizes of typical requests: within url length + 15 bytes. */
static void test_sizes(void)
{
    struct cf_request q = {.url = url60, .depth = 3, .priority = 3};
    struct cf_buf b;

    cf_buf_init(&b, CAP);
    CHECK_INT(cf_request_encode(&q, &b), CF_OK);
    printf("request, 60-byte url, depth 3: %zu bytes\n", b.len);
    CHECK(b.len <= 60 + 15);
    q.discovered_ms = 1763900000000LL;
    q.parent_fp = 0x8f3a5c7e9b1d2f40ULL;
    cf_buf_reset(&b);
    CHECK_INT(cf_request_encode(&q, &b), CF_OK);
    printf("  + discovered_ms and parent_fp: %zu bytes\n", b.len);
    cf_buf_cleanup(&b);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(void)
{
    struct cf_request q = {.url = url60, .depth = 3, .priority = 3}, d;
    struct cf_result s = {.url = url60,
                          .error_type = S("ok"),
                          .status = 200,
                          .fp = 0x8f3a5c7e9b1d2f40ULL,
                          .content_type = S("text/html"),
                          .bytes = 51234,
                          .title = S("Example page title"),
                          .depth = 3,
                          .nlinks = 42,
                          .fetch_ms = 120,
                          .worker = S("host-a:1234"),
                          .started_ms = 1,
                          .done_ms = 2,
                          .attempts = 1};
    struct cf_result sd;
    struct cf_buf b;
    const int n = 2000000;
    double t0, t1;

    cf_buf_init(&b, CAP);
    t0 = now_ns();
    for (int i = 0; i < n; i++) {
        cf_buf_reset(&b);
        cf_request_encode(&q, &b);
        cf_request_decode(b.data, b.len, &d, NULL);
        cf_request_cleanup(&d);
    }
    t1 = now_ns();
    printf("request (%zu bytes): %.0f ns encode+decode\n", b.len,
           (t1 - t0) / n);
    t0 = now_ns();
    for (int i = 0; i < n / 4; i++) {
        cf_buf_reset(&b);
        cf_result_encode(&s, &b);
        cf_result_decode(b.data, b.len, &sd, NULL);
        cf_result_cleanup(&sd);
    }
    t1 = now_ns();
    printf("result (%zu bytes): %.0f ns encode+decode\n", b.len,
           (t1 - t0) / (n / 4));
    cf_buf_cleanup(&b);
}

int main(int argc, char **argv)
{
    make_url60();
    if (argc > 1 && strcmp(argv[1], "bench") == 0) {
        bench();
        return 0;
    }
    test_requests();
    test_results();
    test_bad();
    test_raw();
    test_good();
    test_encode_invalid();
    test_sizes();
    printf("%ld decodes of truncated and flipped records\n", decodes);
    return test_summary("test_record");
}
