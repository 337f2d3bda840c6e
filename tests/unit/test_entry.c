/* test_entry.c - queue entries (common/entry.c): what goes in comes back,
 * compact when it can be, whole otherwise; malformed records refused. */
#include <stdio.h>
#include <string.h>

#include "entry.h"
#include "err.h"
#include "record.h"
#include "test.h"

/* cf_request.url is not const (decoders fill it) */
#define S(s) ((char *)(s))

/* Requests, and whether each is stored compact (and its entry's length
 * after the fingerprint, compact ones). */
static const struct {
    const char *hostkey;
    struct cf_request req;
    int compact;
    size_t rec_len;
} cases[] = {
    {"http://a.example:80", {.url = S("http://a.example/x?q=1"), .depth = 3,
                              .priority = 3}, 1, 1 + 6},
    {"https://a.example:443", {.url = S("https://a.example/"), .depth = 0,
                                .flags = CF_REQ_SEED}, 1, 1 + 1},
    {"http://a.example:8080", {.url = S("http://a.example:8080/p"), .depth = 14,
                                .flags = CF_REQ_REDIRECT}, 1, 1 + 2},
    {"http://a.example:80", {.url = S("http://a.example/deep"), .depth = 15},
     1, 1 + 1 + 5},
    {"http://a.example:80", {.url = S("http://a.example/deeper"), .depth = 142},
     1, 1 + 1 + 7},
    {"http://a.example:80", {.url = S("http://a.example/d"), .depth = 70000,
                              .flags = 3}, 1, 1 + 3 + 2},
    /* priority, discovered_ms and parent_fp are not kept */
    {"http://a.example:80", {.url = S("http://a.example/p"), .depth = 2,
                              .priority = 9, .discovered_ms = 5,
                              .parent_fp = 77}, 1, 1 + 2},
    /* whole: another origin, attempts, an unknown flag */
    {"http://b.example:80", {.url = S("http://a.example/x"), .depth = 1}, 0, 0},
    {"http://a.example:80", {.url = S("http://a.example:80/x"), .depth = 1}, 0,
     0},
    {"https://a.example:443", {.url = S("http://a.example/x")}, 0, 0},
    {"http://a.example:80", {.url = S("http://a.example/x"), .attempts = 2}, 0,
     0},
    {"http://a.example:80", {.url = S("http://a.example/x"), .flags = 4}, 1,
     1 + 2},
    {"http://a.example:80", {.url = S("http://a.example/x"), .flags = 8}, 0, 0},
    /* a field the compact form does not keep */
    {"http://a.example:80", {.url = S("http://a.example/x"), .flags = 4,
                              .sitemap_lastmod = S("2026-12-01")}, 0, 0},
};

static void test_round_trip(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct cf_request *q = &cases[i].req;
        struct cf_buf rec, ent, back;
        struct cf_request d;
        char err[CF_ERRSTR_LEN] = "";
        uint64_t fp = UINT64_C(0x7edcba9876543210) + i;
        int ok;

        cf_buf_init(&rec, 4096);
        cf_buf_init(&ent, 4096);
        cf_buf_init(&back, 4096);
        CHECK_INT(cf_request_encode(q, &rec), CF_OK);
        CHECK_INT(cf_entry_encode(&ent, fp, cases[i].hostkey, rec.data,
                                  rec.len), CF_OK);
        CHECKF(ent.len > 8 && (unsigned char)ent.data[0] == fp >> 56 &&
                   (unsigned char)ent.data[7] == (fp & 255),
               "case %zu: fingerprint", i);
        if (cases[i].compact) {
            CHECKF(ent.len - 8 == cases[i].rec_len,
                   "case %zu: %zu bytes after the fingerprint, want %zu", i,
                   ent.len - 8, cases[i].rec_len);
        } else {
            CHECKF((unsigned char)ent.data[8] == CF_ENTRY_WHOLE &&
                       ent.len == 9 + rec.len &&
                       memcmp(ent.data + 9, rec.data, rec.len) == 0,
                   "case %zu: kept whole", i);
        }
        CHECK_INT(cf_entry_record(ent.data + 8, ent.len - 8,
                                  cases[i].hostkey, &back, err), CF_OK);
        ok = cf_request_decode(back.data, back.len, &d, err) == CF_OK;
        CHECKF(ok, "case %zu: %s", i, err);
        if (ok) {
            CHECK_STR(d.url, q->url);
            CHECK_INT(d.depth, q->depth);
            CHECK_INT(d.flags, q->flags);
            CHECK_INT(d.attempts, q->attempts);
            CHECK_STR(d.sitemap_lastmod ? d.sitemap_lastmod : "",
                      q->sitemap_lastmod ? q->sitemap_lastmod : "");
            if (cases[i].compact)
                CHECK_INT(d.priority, q->depth);
            else
                CHECK_INT(d.priority, q->priority);
            cf_request_cleanup(&d);
        }
        cf_buf_cleanup(&rec);
        cf_buf_cleanup(&ent);
        cf_buf_cleanup(&back);
    }
}

/* Bytes that are no cf_request go in and come back as they were. */
static void test_opaque(void)
{
    static const char *const recs[] = {"http://a.test/1", "", "\x80"};

    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
        struct cf_buf ent, back;
        char err[CF_ERRSTR_LEN];
        size_t n = strlen(recs[i]);

        cf_buf_init(&ent, 4096);
        cf_buf_init(&back, 4096);
        CHECK_INT(cf_entry_encode(&ent, 1, "http://a.test:80", recs[i], n),
                  CF_OK);
        CHECK_INT(ent.len, 9 + n);
        CHECK_INT(cf_entry_record(ent.data + 8, ent.len - 8,
                                  "http://a.test:80", &back, err), CF_OK);
        CHECKF(back.len == n && (n == 0 || !memcmp(back.data, recs[i], n)),
               "opaque %zu", i);
        cf_buf_cleanup(&ent);
        cf_buf_cleanup(&back);
    }
}

static void test_malformed(void)
{
    static const struct {
        const char *p;
        size_t n;
        const char *why;
    } bad[] = {
        {"", 0, "bad record byte"},
        {"\x80/x", 3, "bad record byte"},
        {"\xfe/x", 3, "bad record byte"},
        {"\x01", 1, "bad URL path"},
        {"\x01x", 2, "bad URL path"},
        {"\x0f", 1, "bad depth"},
        {"\x0f\x80", 2, "bad depth"},
        {"\x0f\xff\xff\xff\xff\xff\x01/", 8, "bad depth"},
        {"\x0f\xff\xff\xff\xff\x7f/", 7, "bad depth"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_buf out;
        char err[CF_ERRSTR_LEN] = "";

        cf_buf_init(&out, 4096);
        CHECKF(cf_entry_record(bad[i].p, bad[i].n, "http://a.test:80", &out,
                               err) == CF_EINVAL && strstr(err, bad[i].why),
               "malformed %zu: \"%s\", want %s", i, err, bad[i].why);
        cf_buf_cleanup(&out);
    }
}

int main(void)
{
    test_round_trip();
    test_opaque();
    test_malformed();
    return test_summary("test_entry");
}
