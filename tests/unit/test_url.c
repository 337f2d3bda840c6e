/* test_url.c - common/url.c */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "url.h"
#include "test.h"

#define RFC "http://a/b/c/d;p?q"

/* Resolution and normalisation: base (NULL for none), ref, the cap (0 for
 * the default), the code, and the result when the code is CF_URL_OK. */
static const struct {
    const char *base;
    const char *ref;
    size_t maxlen;
    int rc;
    const char *want;
} cases[] = {
    /* RFC 3986 5.4.1 normal examples ("g:h" is not http(s)) */
    {RFC, "g:h", 0, CF_URL_SCHEME, NULL},
    {RFC, "g", 0, 0, "http://a/b/c/g"},
    {RFC, "./g", 0, 0, "http://a/b/c/g"},
    {RFC, "g/", 0, 0, "http://a/b/c/g/"},
    {RFC, "/g", 0, 0, "http://a/g"},
    {RFC, "//g", 0, 0, "http://g/"},
    {RFC, "?y", 0, 0, "http://a/b/c/d;p?y"},
    {RFC, "g?y", 0, 0, "http://a/b/c/g?y"},
    {RFC, "#s", 0, 0, "http://a/b/c/d;p?q"},
    {RFC, "g#s", 0, 0, "http://a/b/c/g"},
    {RFC, "g?y#s", 0, 0, "http://a/b/c/g?y"},
    {RFC, ";x", 0, 0, "http://a/b/c/;x"},
    {RFC, "g;x", 0, 0, "http://a/b/c/g;x"},
    {RFC, "g;x?y#s", 0, 0, "http://a/b/c/g;x?y"},
    {RFC, "", 0, 0, "http://a/b/c/d;p?q"},
    {RFC, ".", 0, 0, "http://a/b/c/"},
    {RFC, "./", 0, 0, "http://a/b/c/"},
    {RFC, "..", 0, 0, "http://a/b/"},
    {RFC, "../", 0, 0, "http://a/b/"},
    {RFC, "../g", 0, 0, "http://a/b/g"},
    {RFC, "../..", 0, 0, "http://a/"},
    {RFC, "../../", 0, 0, "http://a/"},
    {RFC, "../../g", 0, 0, "http://a/g"},
    /* RFC 3986 5.4.2 abnormal examples */
    {RFC, "../../../g", 0, 0, "http://a/g"},
    {RFC, "../../../../g", 0, 0, "http://a/g"},
    {RFC, "/./g", 0, 0, "http://a/g"},
    {RFC, "/../g", 0, 0, "http://a/g"},
    {RFC, "g.", 0, 0, "http://a/b/c/g."},
    {RFC, ".g", 0, 0, "http://a/b/c/.g"},
    {RFC, "g..", 0, 0, "http://a/b/c/g.."},
    {RFC, "..g", 0, 0, "http://a/b/c/..g"},
    {RFC, "./../g", 0, 0, "http://a/b/g"},
    {RFC, "./g/.", 0, 0, "http://a/b/c/g/"},
    {RFC, "g/./h", 0, 0, "http://a/b/c/g/h"},
    {RFC, "g/../h", 0, 0, "http://a/b/c/h"},
    {RFC, "g;x=1/./y", 0, 0, "http://a/b/c/g;x=1/y"},
    {RFC, "g;x=1/../y", 0, 0, "http://a/b/c/y"},
    {RFC, "g?y/./x", 0, 0, "http://a/b/c/g?y/./x"},
    {RFC, "g?y/../x", 0, 0, "http://a/b/c/g?y/../x"},
    {RFC, "g#s/./x", 0, 0, "http://a/b/c/g"},
    {RFC, "g#s/../x", 0, 0, "http://a/b/c/g"},
    /* "http:g": the backward-compatible reading, as browsers do */
    {RFC, "http:g", 0, 0, "http://a/b/c/g"},
    {NULL, "http:g", 0, CF_URL_MALFORMED, NULL},
    /* a colon in a relative path's first segment is not a scheme */
    {RFC, "1a:b", 0, 0, "http://a/b/c/1a:b"},
    {RFC, "./x:y", 0, 0, "http://a/b/c/x:y"},
    /* case */
    {NULL, "HTTP://Example.COM/Path", 0, 0, "http://example.com/Path"},
    {NULL, "hTtPs://WWW.EXAMPLE.org", 0, 0, "https://www.example.org/"},
    {NULL, "http://h/%7e%7E", 0, 0, "http://h/~~"},
    {NULL, "http://h/%2f%3a", 0, 0, "http://h/%2F%3A"},
    /* ports */
    {NULL, "http://h:80/", 0, 0, "http://h/"},
    {NULL, "https://h:443/", 0, 0, "https://h/"},
    {NULL, "http://h:443/", 0, 0, "http://h:443/"},
    {NULL, "https://h:80/", 0, 0, "https://h:80/"},
    {NULL, "http://h:8080", 0, 0, "http://h:8080/"},
    {NULL, "http://h:08080/", 0, 0, "http://h:8080/"},
    {NULL, "http://h:/", 0, 0, "http://h/"},
    {NULL, "http://h:0/", 0, CF_URL_PORT, NULL},
    {NULL, "http://h:65536/", 0, CF_URL_PORT, NULL},
    {NULL, "http://h:8x/", 0, CF_URL_PORT, NULL},
    {NULL, "http://h:-1/", 0, CF_URL_PORT, NULL},
    /* dot segments in absolute URLs */
    {NULL, "http://h/a/./b/../c", 0, 0, "http://h/a/c"},
    {NULL, "http://h/../../x", 0, 0, "http://h/x"},
    {NULL, "http://h/a/b/..", 0, 0, "http://h/a/"},
    {NULL, "http://h/a/%2e%2E/b", 0, 0, "http://h/b"},
    {NULL, "http://h/a/.%2e", 0, 0, "http://h/"},
    {NULL, "http://h/a/%2e/b", 0, 0, "http://h/a/b"},
    {NULL, "http://h/a//b", 0, 0, "http://h/a//b"},
    /* percent-encoding */
    {NULL, "http://h/%41%42%5a", 0, 0, "http://h/ABZ"},
    {NULL, "http://h/%c3%a9", 0, 0, "http://h/%C3%A9"},
    {NULL, "http://h/\xc3\xa9", 0, 0, "http://h/%C3%A9"},
    {NULL, "http://h/a b", 0, 0, "http://h/a%20b"},
    {NULL, "http://h/a\"<>\\^`{|}", 0, 0,
     "http://h/a%22%3C%3E%5C%5E%60%7B%7C%7D"},
    {NULL, "http://h/100%", 0, 0, "http://h/100%25"},
    {NULL, "http://h/%zz%4", 0, 0, "http://h/%25zz%254"},
    {NULL, "http://h/a\x01z", 0, 0, "http://h/a%01z"},
    {NULL, "http://h/?q=a b&r=%7e", 0, 0, "http://h/?q=a%20b&r=~"},
    {NULL, "http://h/?q=\xc3\xa9+x", 0, 0, "http://h/?q=%C3%A9+x"},
    {NULL, "http://h/?a=%2f%3d", 0, 0, "http://h/?a=%2F%3D"},
    {NULL, "http://h/?/a/../b", 0, 0, "http://h/?/a/../b"},
    {NULL, "http://h/[x]:@!$&'()*+,;=", 0, 0,
     "http://h/[x]:@!$&'()*+,;="},
    {RFC, "\xc3\xa9 x?\xc3\xa9 y", 0, 0,
     "http://a/b/c/%C3%A9%20x?%C3%A9%20y"},
    /* fragments and empty queries */
    {NULL, "http://h/p#frag", 0, 0, "http://h/p"},
    {NULL, "http://h/p?#", 0, 0, "http://h/p"},
    {NULL, "http://h/p?", 0, 0, "http://h/p"},
    {NULL, "http://h/p?a#b#c", 0, 0, "http://h/p?a"},
    {NULL, "http://h#x y", 0, 0, "http://h/"},
    {NULL, "http://h?x", 0, 0, "http://h/?x"},
    /* IDN */
    {NULL, "http://b\xc3\xbc" "cher.example/", 0, 0,
     "http://xn--bcher-kva.example/"},
    {NULL, "http://B\xc3\x9c" "CHER.Example/", 0, 0,
     "http://xn--bcher-kva.example/"},
    {NULL, "http://XN--BCHER-KVA.example/", 0, 0,
     "http://xn--bcher-kva.example/"},
    {NULL, "http://%C3%BC.com/", 0, 0, "http://xn--tda.com/"},
    {NULL, "http://\xe2\x98\x83.net/", 0, 0, "http://xn--n3h.net/"},
    {NULL, "http://\xff.com/", 0, CF_URL_HOST, NULL},
    /* IPv6 */
    {NULL, "http://[::1]:8080/", 0, 0, "http://[::1]:8080/"},
    {NULL, "http://[0:0:0:0:0:0:0:1]/", 0, 0, "http://[::1]/"},
    {NULL, "http://[2001:DB8::A]:80/x", 0, 0, "http://[2001:db8::a]/x"},
    {NULL, "http://[::FFFF:127.0.0.1]/", 0, 0, "http://[::ffff:127.0.0.1]/"},
    {NULL, "http://[::1/", 0, CF_URL_HOST, NULL},
    {NULL, "http://[xyz]/", 0, CF_URL_HOST, NULL},
    {NULL, "http://[fe80::1%25eth0]/", 0, CF_URL_HOST, NULL},
    /* IPv4 */
    {NULL, "http://127.0.0.1:8080/", 0, 0, "http://127.0.0.1:8080/"},
    {NULL, "http://127.1/", 0, 0, "http://127.0.0.1/"},
    {NULL, "http://0x7f.0.0.1/", 0, 0, "http://127.0.0.1/"},
    {NULL, "http://256.1.1.1/", 0, CF_URL_HOST, NULL},
    {NULL, "http://1.2.3.4.5/", 0, CF_URL_HOST, NULL},
    /* hosts */
    {NULL, "http://a..b/", 0, CF_URL_HOST, NULL},
    {NULL, "http://.a/", 0, CF_URL_HOST, NULL},
    {NULL, "http://h./", 0, 0, "http://h./"},
    {NULL, "http://ex%41mple.com/", 0, 0, "http://example.com/"},
    {NULL, "http://ex ample.com/", 0, CF_URL_HOST, NULL},
    {NULL, "http://h%2Fx/", 0, CF_URL_HOST, NULL},
    {NULL, "http://a_b.example/", 0, 0, "http://a_b.example/"},
    {NULL, "http://", 0, CF_URL_HOST, NULL},
    {NULL, "http://:80/", 0, CF_URL_HOST, NULL},
    /* scheme-relative refs take the base's scheme */
    {RFC, "//g:8080/x", 0, 0, "http://g:8080/x"},
    {"https://a/b", "//G:443/x?y", 0, 0, "https://g/x?y"},
    {"https://a/b", "//g:80", 0, 0, "https://g:80/"},
    {"https://a/b", "http:x", 0, CF_URL_MALFORMED, NULL},
    {"https://a/b", "http://c/", 0, 0, "http://c/"},
    /* whitespace */
    {NULL, "  http://h/x \t\r\n", 0, 0, "http://h/x"},
    {NULL, "\x01\x1f http://h/x\x7f", 0, 0, "http://h/x%7F"},
    {NULL, "ht\ttp://h/a\nb\rc", 0, 0, "http://h/abc"},
    {RFC, " g ", 0, 0, "http://a/b/c/g"},
    {RFC, "\n\t", 0, 0, "http://a/b/c/d;p?q"},
    /* errors */
    {NULL, "", 0, CF_URL_EMPTY, NULL},
    {NULL, " \t\n", 0, CF_URL_EMPTY, NULL},
    {NULL, NULL, 0, CF_URL_EMPTY, NULL},
    {RFC, NULL, 0, CF_URL_EMPTY, NULL},
    {NULL, "g", 0, CF_URL_RELATIVE, NULL},
    {NULL, "/g", 0, CF_URL_RELATIVE, NULL},
    {NULL, "//h/", 0, CF_URL_RELATIVE, NULL},
    {NULL, "#x", 0, CF_URL_RELATIVE, NULL},
    {RFC, "mailto:a@b.example", 0, CF_URL_SCHEME, NULL},
    {RFC, "javascript:void(0)", 0, CF_URL_SCHEME, NULL},
    {RFC, "tel:+123", 0, CF_URL_SCHEME, NULL},
    {RFC, "data:text/html,x", 0, CF_URL_SCHEME, NULL},
    {RFC, "ftp://h/", 0, CF_URL_SCHEME, NULL},
    {RFC, "localhost:8080/x", 0, CF_URL_SCHEME, NULL},
    {NULL, "http://u:p@h/", 0, CF_URL_USERINFO, NULL},
    {NULL, "http://u@h/", 0, CF_URL_USERINFO, NULL},
    {NULL, "http://@h/", 0, CF_URL_USERINFO, NULL},
    {RFC, "//u@g/", 0, CF_URL_USERINFO, NULL},
    /* length cap */
    {NULL, "http://h/0123456789a", 20, 0, "http://h/0123456789a"},
    {NULL, "http://h/0123456789ab", 20, CF_URL_TOOLONG, NULL},
    {NULL, "http://h/%41%41%41%41%41%41", 20, 0, "http://h/AAAAAA"},
    {NULL, "http://h/\xc3\xa9\xc3\xa9", 20, CF_URL_TOOLONG, NULL},
    {RFC, "", 10, CF_URL_TOOLONG, NULL},
    {RFC, "#x", 18, 0, RFC},
    {RFC, "?yy", 18, CF_URL_TOOLONG, NULL},
    {RFC, "?yy", 19, 0, "http://a/b/c/d;p?yy"},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Every success is a fixed point: normalising it again gives itself. */
static void check_idempotent(const char *url, size_t maxlen)
{
    char *again = NULL;
    int rc = cf_url_normalize(NULL, url, maxlen, &again);

    CHECKF(rc == CF_URL_OK && strcmp(again, url) == 0,
           "idempotent: %s -> %d %s", url, rc, again ? again : "");
    free(again);
}

static void test_cases(void)
{
    for (size_t i = 0; i < N_CASES; i++) {
        char *out = (char *)"unset";
        int rc = cf_url_normalize(cases[i].base, cases[i].ref,
                                  cases[i].maxlen, &out);

        CHECKF(rc == cases[i].rc, "case %zu %s: rc %d (%s), want %d", i,
               cases[i].ref ? cases[i].ref : "(null)", rc,
               cf_url_errname(rc), cases[i].rc);
        if (rc != CF_URL_OK) {
            CHECKF(out == NULL, "case %zu: out set on error", i);
            continue;
        }
        CHECKF(cases[i].want && strcmp(out, cases[i].want) == 0,
               "case %zu %s: \"%s\", want \"%s\"", i, cases[i].ref, out,
               cases[i].want ? cases[i].want : "(error)");
        check_idempotent(out, cases[i].maxlen);
        free(out);
    }
}

/* A parsed base is reused for many refs; bad bases are refused. */
static void test_base(void)
{
    int err = 1;
    struct cf_url_base *b = cf_url_base_new(" HTTP://A:80/b/./c?q#f", &err);
    char *out = NULL;

    CHECK(b != NULL);
    CHECK_INT(err, CF_URL_OK);
    CHECK_STR(cf_url_base_str(b), "http://a/b/c?q");
    for (int k = 0; k < 3; k++) {
        CHECK_INT(cf_url_resolve(b, "d", 0, &out), CF_URL_OK);
        CHECK_STR(out, "http://a/b/d");
        free(out);
    }
    CHECK_INT(cf_url_resolve(b, "mailto:x@y", 0, &out), CF_URL_SCHEME);
    CHECK(out == NULL);
    cf_url_base_free(b);
    cf_url_base_free(NULL);

    CHECK(cf_url_base_new("/relative", &err) == NULL);
    CHECK_INT(err, CF_URL_RELATIVE);
    CHECK(cf_url_base_new("ftp://h/", &err) == NULL);
    CHECK_INT(err, CF_URL_SCHEME);
    CHECK(cf_url_base_new("", &err) == NULL);
    CHECK_INT(err, CF_URL_EMPTY);
    CHECK(cf_url_base_new("http://u@h/", NULL) == NULL);
    CHECK_INT(cf_url_normalize("http://[x]/", "g", 0, &out),
              CF_URL_HOST);
    CHECK(out == NULL);
}

/* Refs far over the cap are refused before parsing. */
static void test_huge(void)
{
    size_t n = 1 << 20;
    char *ref = malloc(n + 1), *out = NULL;

    memcpy(ref, "http://h/", 9);
    memset(ref + 9, 'a', n - 9);
    ref[n] = '\0';
    CHECK_INT(cf_url_normalize(NULL, ref, 0, &out), CF_URL_TOOLONG);
    CHECK(out == NULL);
    /* a big cap lets it through */
    CHECK_INT(cf_url_normalize(NULL, ref, n, &out), CF_URL_OK);
    CHECK(out != NULL && strlen(out) == n);
    free(out);
    /* long prepared refs and results past the stack buffers */
    ref[5000] = '\0';
    CHECK_INT(cf_url_normalize(NULL, ref, 10000, &out), CF_URL_OK);
    CHECK(out != NULL && strlen(out) == 5000);
    free(out);
    free(ref);
}

static const struct {
    const char *url;
    int rc;
    const char *host;
    int port;
    const char *path;
    const char *key;
} splits[] = {
    {"http://example.com/", 0, "example.com", 80, "/", "http://example.com:80"},
    {"https://example.com/a?b", 0, "example.com", 443, "/a?b",
     "https://example.com:443"},
    {"http://127.0.0.1:8080/x", 0, "127.0.0.1", 8080, "/x",
     "http://127.0.0.1:8080"},
    {"https://[::1]:8443/", 0, "[::1]", 8443, "/", "https://[::1]:8443"},
    {"http://[::ffff:1.2.3.4]/", 0, "[::ffff:1.2.3.4]", 80, "/",
     "http://[::ffff:1.2.3.4]:80"},
    {"http://h", 0, "h", 80, "", "http://h:80"},
    {"http://xn--bcher-kva.example/", 0, "xn--bcher-kva.example", 80, "/",
     "http://xn--bcher-kva.example:80"},
    {"", CF_URL_EMPTY, NULL, 0, NULL, NULL},
    {"ftp://h/", CF_URL_SCHEME, NULL, 0, NULL, NULL},
    {"HTTP://h/", CF_URL_SCHEME, NULL, 0, NULL, NULL},
    {"//h/", CF_URL_MALFORMED, NULL, 0, NULL, NULL},
    {"http://", CF_URL_HOST, NULL, 0, NULL, NULL},
    {"http:///x", CF_URL_HOST, NULL, 0, NULL, NULL},
    {"http://Example.com/", CF_URL_HOST, NULL, 0, NULL, NULL},
    {"http://[::1/", CF_URL_HOST, NULL, 0, NULL, NULL},
    {"http://h:/", CF_URL_PORT, NULL, 0, NULL, NULL},
    {"http://h:0/", CF_URL_PORT, NULL, 0, NULL, NULL},
    {"http://h:65536/", CF_URL_PORT, NULL, 0, NULL, NULL},
    {"http://h:1234567/", CF_URL_PORT, NULL, 0, NULL, NULL},
    {"http://u@h/", CF_URL_MALFORMED, NULL, 0, NULL, NULL},
    {"http://h?x", CF_URL_MALFORMED, NULL, 0, NULL, NULL},
};

static void test_split(void)
{
    struct cf_url_parts p;
    char key[64];

    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        int rc = cf_url_split(splits[i].url, &p);

        CHECKF(rc == splits[i].rc, "split %s: %d want %d", splits[i].url,
               rc, splits[i].rc);
        rc = cf_url_hostkey(splits[i].url, key, sizeof(key));
        if (splits[i].rc != CF_URL_OK) {
            CHECKF(rc == CF_URL_MALFORMED, "hostkey %s: %d", splits[i].url,
                   rc);
            continue;
        }
        CHECKF(p.host_len == strlen(splits[i].host) &&
                   memcmp(p.host, splits[i].host, p.host_len) == 0,
               "split %s: host %.*s", splits[i].url, (int)p.host_len, p.host);
        CHECK_INT(p.port, splits[i].port);
        CHECKF(p.path_len == strlen(splits[i].path) &&
                   memcmp(p.path, splits[i].path, p.path_len) == 0,
               "split %s: path", splits[i].url);
        CHECK(p.scheme == splits[i].url && (p.scheme_len == 4 ||
                                            p.scheme_len == 5));
        CHECK_INT(rc, CF_URL_OK);
        CHECK_STR(key, splits[i].key);
    }
    CHECK_INT(cf_url_split(NULL, &p), CF_URL_EMPTY);
    CHECK_INT(cf_url_hostkey(NULL, key, sizeof(key)), CF_URL_MALFORMED);
    /* exactly the room needed, then one byte short */
    CHECK_INT(cf_url_hostkey("http://h/", key, 12), CF_URL_OK);
    CHECK_STR(key, "http://h:80");
    CHECK_INT(cf_url_hostkey("http://h/", key, 11), CF_URL_TOOLONG);
    CHECK_INT(cf_url_hostkey("https://h:65535/", key, 18), CF_URL_OK);
    CHECK_STR(key, "https://h:65535");
    /* from the parts: the same key and the same room */
    CHECK_INT(cf_url_split("https://h:65535/x?y", &p), CF_URL_OK);
    CHECK_INT(cf_url_hostkey_parts(&p, key, 16), CF_URL_OK);
    CHECK_STR(key, "https://h:65535");
    CHECK_INT(cf_url_hostkey_parts(&p, key, 15), CF_URL_TOOLONG);
}

static const struct {
    const char *host;
    int rc;
    const char *want;
} regs[] = {
    {"www.example.co.uk", 0, "example.co.uk"},
    {"a.b.example.com", 0, "example.com"},
    {"example.com", 0, "example.com"},
    {"WWW.Example.COM", 0, "example.com"},
    {"foo.github.io", 0, "foo.github.io"},
    {"xn--bcher-kva.example", 0, "xn--bcher-kva.example"},
    {"127.0.0.1", 0, "127.0.0.1"},
    {"10.1.2.3", 0, "10.1.2.3"},
    {"[::1]", 0, "[::1]"},
    {"::1", 0, "::1"},
    {"localhost", 0, "localhost"},
    {"co.uk", 0, "co.uk"},
    {"com", 0, "com"},
    {"", CF_URL_HOST, NULL},
    {NULL, CF_URL_HOST, NULL},
};

static void test_registrable(void)
{
    char buf[64];

    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        int rc = cf_url_registrable(regs[i].host, buf, sizeof(buf));

        CHECKF(rc == regs[i].rc, "registrable %s: %d",
               regs[i].host ? regs[i].host : "(null)", rc);
        if (rc == CF_URL_OK)
            CHECK_STR(buf, regs[i].want);
    }
    CHECK_INT(cf_url_registrable("a.example.com", buf, 12), CF_URL_OK);
    CHECK_STR(buf, "example.com");
    CHECK_INT(cf_url_registrable("a.example.com", buf, 11), CF_URL_TOOLONG);
}

/* Every code has a name and a message; unknown codes have both too. */
static void test_errors(void)
{
    static const int codes[] = {
        CF_URL_OK, CF_URL_EMPTY, CF_URL_MALFORMED, CF_URL_SCHEME,
        CF_URL_USERINFO, CF_URL_TOOLONG, CF_URL_HOST, CF_URL_PORT,
        CF_URL_RELATIVE,
    };
    static const char *const names[] = {
        "ok", "empty", "malformed", "scheme", "userinfo", "toolong", "host",
        "port", "relative",
    };

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CHECK_STR(cf_url_errname(codes[i]), names[i]);
        CHECK(strlen(cf_url_strerror(codes[i])) > 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(cf_url_strerror(codes[i]),
                         cf_url_strerror(codes[j])) != 0);
    }
    CHECK_STR(cf_url_errname(-99), "unknown");
    CHECK(cf_url_strerror(42) != NULL);
    CHECK_STR(cf_url_strerror(CF_URL_SCHEME), "scheme not http(s)");
}

/* ---- the fast path against curl ---- */

#define DIFF_REFS 20000

static int diffs;

static int into_diffs;

/* cf_url_resolve_into() after an earlier link in the block: what
 * cf_url_resolve() gave (code rf, text want), appended with its NUL, or
 * the block as it was. */
static void into_one(const struct cf_url_base *b, const char *ref,
                     size_t maxlen, int rf, const char *want)
{
    static const char before[] = "http://earlier.example/";
    struct cf_buf m;
    int ri;

    cf_buf_init(&m, 1 << 20);
    cf_buf_add(&m, before, sizeof(before)); /* with its NUL */
    ri = cf_url_resolve_into(b, ref, maxlen, &m);
    if (ri != rf ||
        (ri == CF_URL_OK &&
         (m.len != sizeof(before) + strlen(want) + 1 ||
          strcmp(m.data + sizeof(before), want) != 0)) ||
        (ri != CF_URL_OK && m.len != sizeof(before)) ||
        strcmp(m.data, before) != 0) {
        if (into_diffs++ < 10)
            CHECKF(0, "resolve_into differs: ref \"%s\" max %zu: %d / %d",
                   ref ? ref : "(null)", maxlen, ri, rf);
    }
    cf_buf_cleanup(&m);
}

/* ref against base (text, NULL for none) both ways: same code, bytes. */
static void diff_one(const char *base, const char *ref, size_t maxlen)
{
    struct cf_url_base *b = NULL;
    char *fast = NULL, *slow = NULL;
    int rf, rs, err;

    if (base != NULL) {
        b = cf_url_base_new(base, &err);
        if (b == NULL)
            return;
    }
    rf = cf_url_resolve(b, ref, maxlen, &fast);
    rs = cf_url_resolve_curl(b, ref, maxlen, &slow);
    if (rf != rs || (fast == NULL) != (slow == NULL) ||
        (fast && strcmp(fast, slow) != 0)) {
        if (diffs++ < 10)
            CHECKF(0, "fast/curl differ: base %s ref \"%s\" max %zu: "
                      "%d %s / %d %s", base ? base : "(none)",
                   ref ? ref : "(null)", maxlen, rf, fast ? fast : "-", rs,
                   slow ? slow : "-");
    }
    into_one(b, ref, maxlen, rf, fast);
    free(fast);
    free(slow);
    cf_url_base_free(b);
}

static void test_fast_table(void)
{
    for (size_t i = 0; i < N_CASES; i++)
        diff_one(cases[i].base, cases[i].ref, cases[i].maxlen);
}

static const char *const g_bases[] = {
    RFC, "https://x.example:8443/dir/file.html?x=1",
    "http://127.0.0.2:8631/sec03/top05/page007136.html", "http://h/",
    "http://[::1]:8080/a/b", "http://xn--bcher-kva.example/a/",
    "https://h.example/a/b/", "http://h.example/a;b/c%20d/e?f#g",
};
static const char *const g_schemes[] = {
    "", "", "", "", "http://", "https://", "HTTP://", "hTTps://", "//",
    "//", "http:", "https:", "ftp://", "mailto:", "x:", "http:/",
};
static const char *const g_hosts[] = {
    "a", "A.B", "example.com", "WWW.Example.COM", "127.0.0.1", "127.1",
    "0x7f.0.0.1", "1.2.3.4.5", "a..b", "h.", ".h", "_x", "1a.com",
    "x-y.z", "", "[::1]", "u@h", "u:p@h", "h:80", "h:443", "h:8080",
    "h:0", "h:", "h:080", "h:65536", "h:99999", "001.2.3.4", "1.2.3.04",
    "255.255.255.255", "256.1.1.1", "1.2.3", "9", "a.9", "9.a",
    "127.0.0.2:8631", "h:1:2", "h%41", "ex~ample", "a-.b", "-a",
};
static const char *const g_segs[] = {
    "a", "b", "c", ".", "..", "x:y", "%41", "\xc3\xa9", "a b", "~", ";p",
    "=", "", "..a", ".b", "!$&'()*+,;=", "@", "%2e", "%2E%2e", "page.html",
    "A", "\\", "|", "x\ty", ":", "...", "g;x=1", "?", "#f", "%", "%zz",
    "./", "../", ".//", "..//", "/", "//", "././/", "x/..//",
    /* percent-encoding, which the fast path normalises like build() */
    "%7E", "%7e", "%2F", "%2f", "%25", "%c3%A9", "%3F", "%23", "%2e%2e",
    "a%2E", "%2E.", "%0", "%%41", "%41%42%43", "%20", "%5B", "%ff",
};
static const char *const g_queries[] = {
    "", "", "", "?", "?q", "?a=1&b=2", "?/../x", "?%7e", "?a b", "?#",
    "??", "?\xc3\xa9", "?x=/./y", "?%41%2f", "?%", "?a%2e", "?%3D%26",
};

static unsigned long long g_rng = 88172645463325252ULL;

static unsigned g_rand(unsigned n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (unsigned)((g_rng >> 11) % n);
}

#define PICK(a) (a[g_rand(sizeof(a) / sizeof(a[0]))])

static void test_fast_generated(void)
{
    static const char alphabet[] = "ab./?#:@%-_~;=&+!$'()*,[]019AZ \t";
    char ref[512];

    for (int k = 0; k < DIFF_REFS; k++) {
        const char *base = k % 10 == 0 ? NULL : PICK(g_bases);
        const char *scheme = PICK(g_schemes);
        size_t n = 0;
        int segs = (int)g_rand(5), lead = (int)g_rand(3);

        if (k % 4 == 3) {
            /* a random string over URL punctuation */
            int len = (int)g_rand(24);

            for (int i = 0; i < len; i++)
                ref[n++] = alphabet[g_rand(sizeof(alphabet) - 1)];
            ref[n] = '\0';
            diff_one(base, ref, 0);
            continue;
        }
        n += (size_t)snprintf(ref + n, sizeof(ref) - n, "%s", scheme);
        if (strstr(scheme, "//") != NULL)
            n += (size_t)snprintf(ref + n, sizeof(ref) - n, "%s",
                                  PICK(g_hosts));
        if (lead == 1 || (lead == 2 && strstr(scheme, "//") != NULL))
            ref[n++] = '/';
        for (int i = 0; i < segs; i++)
            n += (size_t)snprintf(ref + n, sizeof(ref) - n, "%s%s",
                                  i ? "/" : "", PICK(g_segs));
        if (g_rand(4) == 0)
            ref[n++] = '/';
        ref[n] = '\0';
        n += (size_t)snprintf(ref + n, sizeof(ref) - n, "%s",
                              PICK(g_queries));
        if (g_rand(6) == 0)
            snprintf(ref + n, sizeof(ref) - n, "#frag");
        diff_one(base, ref, g_rand(8) == 0 ? 16 + g_rand(40) : 0);
    }
    CHECK_INT(diffs, 0);
    CHECK_INT(into_diffs, 0);
}

/* A block whose cap the link would pass: CF_URL_TOOLONG, block as it
 * was. */
static void test_into_cap(void)
{
    struct cf_url_base *b;
    struct cf_buf m;
    int err;

    b = cf_url_base_new("http://h.example/dir/", &err);
    CHECK(b != NULL);
    if (b == NULL)
        return;
    cf_buf_init(&m, 30);
    CHECK_INT(cf_url_resolve_into(b, "a", 0, &m), CF_URL_OK);
    CHECK_STR(m.data, "http://h.example/dir/a");
    CHECK_INT(m.len, 23);
    CHECK_INT(cf_url_resolve_into(b, "bbbbbb", 0, &m), CF_URL_TOOLONG);
    CHECK_INT(m.len, 23);
    CHECK_INT(cf_url_resolve_into(b, "mailto:x@y", 0, &m), CF_URL_SCHEME);
    CHECK_INT(m.len, 23);
    cf_buf_cleanup(&m);
    cf_url_base_free(b);
}

int main(void)
{
    CHECKF(N_CASES >= 80, "%zu cases", N_CASES);
    test_cases();
    test_base();
    test_huge();
    test_split();
    test_registrable();
    test_errors();
    test_fast_table();
    test_into_cap();
    test_fast_generated();
    return test_summary("test_url");
}
