/* test_results.c - coordinator/results.c: results as JSON and CSV. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "results.h"
#include "test.h"

/* struct cf_result holds char *; the tests fill it with literals. */
#define S(x) ((char *)(x))

static char *dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);

    json_decref(o);
    return s;
}

static char *csv(const struct cf_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    export_csv_row(f, r, NULL);
    fclose(f);
    return buf;
}

static void test_json(void)
{
    char *links[] = {S("http://a/x"), S("http://a/y")};
    struct cf_result r;
    char *s;

    memset(&r, 0, sizeof(r));
    r.url = S("http://a/");
    r.status = 200;
    r.content_type = S("text/html");
    r.bytes = 1234;
    r.title = S("Say \"hi\"\n");
    r.depth = 2;
    r.nlinks = 7;
    r.fetch_ms = 12;
    r.worker = S("w1");
    r.error_type = S("ok");
    r.started_ms = 1000;
    r.done_ms = 1012;
    r.attempts = 1;
    s = dump(export_result_json(&r));
    CHECK_STR(s, "{\"url\":\"http://a/\",\"final_url\":null,\"status\":200,"
                 "\"content_type\":\"text/html\",\"bytes\":1234,\"title\":"
                 "\"Say \\\"hi\\\"\\n\",\"depth\":2,\"links\":7,\"fetch_ms\":"
                 "12,\"worker\":\"w1\",\"error_type\":\"ok\",\"error\":null,"
                 "\"started_ms\":1000,\"done_ms\":1012,\"attempts\":1,"
                 "\"started_at\":\"1970-01-01T00:00:01.000Z\","
                 "\"done_at\":\"1970-01-01T00:00:01.012Z\"}");
    free(s);
    r.outlinks = links;
    r.noutlinks = 2;
    s = dump(export_result_json(&r));
    CHECK(strstr(s, "\"outlinks\":[\"http://a/x\",\"http://a/y\"]") != NULL);
    free(s);
    /* invalid UTF-8 in a title still gives a string */
    r.outlinks = NULL;
    r.title = S("caf\xe9");
    s = dump(export_result_json(&r));
    CHECK(strstr(s, "\"title\":\"caf?\"") != NULL);
    free(s);
}

static void test_csv(void)
{
    struct cf_result r;
    char *s;

    memset(&r, 0, sizeof(r));
    r.url = S("http://a/?q=1,2");
    r.status = 404;
    r.title = S("He said \"no\"");
    r.error_type = S("http");
    r.error = S("HTTP 404");
    r.attempts = 1;
    s = csv(&r);
    CHECK_STR(s, "\"http://a/?q=1,2\",,404,,0,\"He said \"\"no\"\"\",0,0,0,,"
                 "http,HTTP 404,0,0,1\n");
    free(s);
}

/* --extract fields: one column each, in the crawl's rule order, values
 * joined by a line feed; a field the result lacks is an empty cell. */
static void test_csv_fields(void)
{
    struct export_fields ef;
    struct cf_result r;
    char *vals[] = {S("9.50"), S("a,b")};
    char *one[] = {S("Tea")};
    struct cf_field fl[] = {{S("price"), vals, 2}, {S("name"), one, 1}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    export_fields_init(&ef, "name=h1::text\nprice=xpath://b\nsku=.sku");
    CHECK_INT(ef.n, 3);
    memset(&r, 0, sizeof(r));
    r.url = S("http://a/");
    r.status = 200;
    r.error_type = S("ok");
    r.attempts = 1;
    r.fields = fl;
    r.nfields = 2;
    f = open_memstream(&buf, &len);
    export_csv_header(f, &ef);
    export_csv_row(f, &r, &ef);
    fclose(f);
    CHECK_STR(buf, "url,final_url,status,content_type,bytes,title,depth,"
                   "links,fetch_ms,worker,error_type,error,started_ms,"
                   "done_ms,attempts,name,price,sku\n"
                   "http://a/,,200,,0,,0,0,0,,ok,,0,0,1,Tea,\"9.50\na,b\",\n");
    free(buf);
    export_fields_cleanup(&ef);
}

/* Byte pieces for generated strings: plain text, JSON specials, control
 * bytes, DEL, valid UTF-8 of every length, and invalid sequences
 * (stray continuation, overlong, surrogate, past U+10FFFF, cut short). */
static const char *const pieces[] = {
    "a", "http://h/x?q=1", "abcdefghijklmnopqrstuvwxyz0123456789-", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b",
    "\f", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\x94",
    "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\x80", "\xc0\xaf", "\xc1\xbf",
    "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80",
    "\xff", "\xc3", "\xe2\x80", "\xf0\x9f\x98", "\xef\xbf\xbf"};

#define N_PIECES (sizeof(pieces) / sizeof(pieces[0]))

static unsigned long long rng = 0x2545f4914f6cdd1dULL;

static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 16);
}

/* A generated string in buf (NULL one time in eight). */
static char *gen(char *buf, size_t cap)
{
    size_t n = 0;
    int k = (int)(next_rand() % 12);

    if (next_rand() % 8 == 0)
        return NULL;
    while (k-- > 0) {
        const char *p = pieces[next_rand() % N_PIECES];
        size_t l = strlen(p);

        if (n + l + 1 > cap)
            break;
        memcpy(buf + n, p, l);
        n += l;
    }
    buf[n] = '\0';
    return buf;
}

/* Storage for the optional fields of one generated record. */
struct extra {
    char s[16][256];          /* strings */
    char v[6][256];           /* field values */
    char *vals[6];            /* pointers into v */
    struct cf_field fld[3];   /* fields */
    char *jl[3];              /* JSON-LD blocks */
};

/* Fill the optional fields of r (flags, headers, WARC place, metadata,
 * counts, fields with repeated names, JSON-LD that parses or not). */
static void gen_extra(struct cf_result *r, struct extra *x)
{
    static const char *const names[] = {"price", "name", "sku"};
    static const char *const blocks[] = {
        "{\"@type\": \"Product\", \"name\": \"A \\u00e9\"}", "[1, 2.5, null]",
        "{not json", "\"just a string\"", "{\"a\":{\"b\":[true,false]}}"};
    char **strs[] = {&r->redirect_url, &r->last_modified, &r->etag,
                     &r->content_length, &r->content_language, &r->location,
                     &r->payload_digest, &r->warc_file, &r->canonical,
                     &r->description, &r->lang, &r->meta_robots, &r->text};
    size_t nv = 0;

    if (next_rand() % 4 == 0)
        return;
    r->flags = next_rand() % 64;
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        *strs[i] = next_rand() % 2 ? gen(x->s[i], sizeof(x->s[i])) : NULL;
    r->warc_offset = (int64_t)next_rand() * 7;
    r->warc_length = next_rand() % 100000;
    r->links_internal = next_rand() % 3 ? 0 : next_rand() % 500;
    r->links_external = next_rand() % 3 ? 0 : next_rand() % 500;
    r->links_nofollow = next_rand() % 3 ? 0 : next_rand() % 50;
    r->links_dropped = next_rand() % 3 ? 0 : next_rand() % 50;
    r->nfields = next_rand() % 4;
    for (size_t i = 0; i < r->nfields; i++) {
        struct cf_field *fd = &x->fld[i];

        fd->name = (char *)names[next_rand() % 3];
        fd->nvalues = next_rand() % 3;
        fd->values = &x->vals[nv];
        for (size_t j = 0; j < fd->nvalues; j++, nv++) {
            x->vals[nv] = gen(x->v[nv], sizeof(x->v[nv]));
            if (x->vals[nv] == NULL)
                x->vals[nv] = x->v[nv];
        }
    }
    r->fields = r->nfields ? x->fld : NULL;
    r->njsonld = next_rand() % 3;
    for (size_t i = 0; i < r->njsonld; i++)
        x->jl[i] = (char *)blocks[next_rand() % 5];
    r->jsonld = r->njsonld ? x->jl : NULL;
}

/* export_result_line() writes what jansson's compact dump of
 * export_result_json() writes, for generated records. */
static void test_line_like_jansson(void)
{
    char f[8][256], lk[3][256], *links[3];
    struct extra x;
    int bad = 0;

    for (int i = 0; i < 20000 && bad < 5; i++) {
        struct cf_result r;
        struct cf_buf b;
        char *want;

        memset(&r, 0, sizeof(r));
        r.url = gen(f[0], sizeof(f[0]));
        r.final_url = gen(f[1], sizeof(f[1]));
        r.content_type = gen(f[2], sizeof(f[2]));
        r.title = gen(f[3], sizeof(f[3]));
        r.worker = gen(f[4], sizeof(f[4]));
        r.error_type = gen(f[5], sizeof(f[5]));
        r.error = gen(f[6], sizeof(f[6]));
        r.status = (int)(next_rand() % 600);
        r.bytes = (int64_t)next_rand() * 1000;
        r.depth = next_rand() % 50;
        r.nlinks = next_rand() % 100;
        r.fetch_ms = next_rand() % 100000;
        r.started_ms = (int64_t)next_rand() << 20;
        r.done_ms = r.started_ms + next_rand() % 5000;
        r.attempts = next_rand() % 5;
        if (next_rand() % 3 == 0) {
            r.noutlinks = next_rand() % 4;
            for (size_t k = 0; k < r.noutlinks; k++)
                links[k] = gen(lk[k], sizeof(lk[k]));
            r.outlinks = links;
        }
        if (i < 9) {
            /* numbers at the edges of what "%lld" writes */
            static const long long edge[] = {
                0, -1, 9, 10, -10, 1000000000000000000LL, LLONG_MAX,
                LLONG_MIN, -9223372036854775807LL};

            r.bytes = edge[i];
            r.fetch_ms = -edge[i] / 3;
        }
        gen_extra(&r, &x);
        want = dump(export_result_json(&r));
        cf_buf_init(&b, SIZE_MAX);
        export_result_line(&b, &r);
        if (want == NULL || b.len == 0 || b.data[b.len - 1] != '\n' ||
            strlen(want) != b.len - 1 ||
            memcmp(want, b.data, b.len - 1) != 0) {
            bad++;
            CHECKF(0, "record %d: %s <> %.*s", i, want ? want : "(null)",
                   (int)b.len, b.data);
        }
        free(want);
        cf_buf_cleanup(&b);
    }
    CHECK_INT(bad, 0);
}

/* export_iso8601 against gmtime_r and snprintf: the epoch's edges, leap
 * days and centuries, the fast path's end (9999) and past it, and
 * random times. */
static void iso_ref(char *out, size_t n, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
        snprintf(out, n, "(none)");
        return;
    }
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ms % 1000));
}

static void test_iso8601(void)
{
    static const int64_t fixed[] = {
        -1000, 0, 1, 999, 1000, 59999, 86399999, 86400000,
        68169599999LL,   /* 1972-02-29T23:59:59.999 */
        951782400000LL,  /* 2000-02-29 */
        951868800000LL,  /* 2000-03-01 */
        4107542400000LL, /* 2100-03-01 (no 2100-02-29) */
        4107455999999LL, 1796600000123LL, 253402300799999LL,
        253402300800000LL, 253402300800001LL, 32503680000000LL,
        INT64_MAX / 4};
    int bad = 0;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000 &&
                       bad < 5;
         i++) {
        int64_t ms = i < sizeof(fixed) / sizeof(fixed[0])
                         ? fixed[i]
                         : (int64_t)(((uint64_t)next_rand() << 32 |
                                      next_rand()) %
                                     300000000000000ULL);
        char got[64] = "(none)", want[64];

        if (export_iso8601(got, sizeof(got), ms) != 0)
            snprintf(got, sizeof(got), "(none)");
        iso_ref(want, sizeof(want), ms);
        if (strcmp(got, want) != 0) {
            bad++;
            CHECKF(0, "%lld: %s, gmtime_r: %s", (long long)ms, got, want);
        }
    }
    CHECK_INT(bad, 0);
}

static void test_format_parse(void)
{
    enum export_format f;

    CHECK(export_format_parse("jsonl", &f) == 0 && f == EXPORT_JSONL);
    CHECK(export_format_parse("csv", &f) == 0 && f == EXPORT_CSV);
    CHECK(export_format_parse("xml", &f) == -1);
}

/* SURT keys as warcio.js and pywb write them. */
static void test_surt(void)
{
    static const struct {
        const char *url, *want;
    } t[] = {
        {"http://example.com/", "com,example)/"},
        {"https://www.example.com/a/B.html", "com,example)/a/b.html"},
        {"http://www2.example.com:8080/x?b=2&a=1",
         "com,example:8080)/x?a=1&b=2"},
        {"http://127.0.0.1:42659/p/1.html", "1,0,0,127:42659)/p/1.html"},
        {"https://sub.example.org:443/", "org,example,sub)/"},
        {"http://wwwx.example.com/", "com,example,wwwx)/"},
        {"http://www.com/", "com)/"}, /* as warcio.js does */
    };
    struct cf_buf b;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cf_buf_init(&b, 1024);
        CHECK_INT(export_surt(&b, t[i].url), 0);
        CHECK_STR(b.data, t[i].want);
        cf_buf_cleanup(&b);
    }
    cf_buf_init(&b, 1024);
    CHECK_INT(export_surt(&b, "not a url"), -1);
    cf_buf_cleanup(&b);
}

/* A CDXJ line; none for a result without a record. */
static void test_cdxj(void)
{
    struct cf_result r = {0};
    struct cf_buf b;

    r.url = (char *)"http://a.test/x";
    r.status = 200;
    r.content_type = (char *)"text/html; charset=utf-8";
    r.started_ms = 1796600000123;
    r.payload_digest = (char *)"sha1:ABC";
    cf_buf_init(&b, 4096);
    export_cdxj_line(&b, &r);
    CHECK_INT(b.len, 0);
    r.warc_file = (char *)"f.warc.gz";
    r.warc_offset = 445;
    r.warc_length = 700;
    export_cdxj_line(&b, &r);
    CHECK_STR(b.data, "test,a)/x 20261206233320 {\"url\":\"http://a.test/x\","
              "\"mime\":\"text/html\",\"status\":\"200\",\"digest\":\"ABC\","
              "\"length\":\"700\",\"offset\":\"445\","
              "\"filename\":\"f.warc.gz\"}\n");
    cf_buf_cleanup(&b);
}

int main(void)
{
    test_json();
    test_csv();
    test_csv_fields();
    test_line_like_jansson();
    test_iso8601();
    test_format_parse();
    test_surt();
    test_cdxj();
    return test_summary("test_results");
}
