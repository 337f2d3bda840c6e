/* test_config.c - common/config.c */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "test.h"

/* Every field's default, as the brief fixes them. */
static const struct {
    const char *name;
    const char *value; /* NULL: unset */
} defaults[] = {
    {"max_depth", "-1"},
    {"max_pages", "0"},
    {"max_host_pages", "0"},
    {"delay_ms", "0"},
    {"per_host_concurrency", "1"},
    {"scope", "host"},
    {"include", NULL},
    {"exclude", NULL},
    {"user_agent", "crawlfleet/" CF_VERSION},
    {"proxy", NULL},
    {"header", NULL},
    {"cookies", NULL},
    {"ca_file", NULL},
    {"insecure", "0"},
    {"resolve", NULL},
    {"obey_robots", "1"},
    {"allow_private", "0"},
    {"follow_nofollow", "0"},
    {"connect_timeout_ms", "10000"},
    {"timeout_ms", "30000"},
    {"low_speed_bps", "100"},
    {"low_speed_ms", "20000"},
    {"max_body", "10485760"},
    {"max_redirects", "5"},
    {"max_links", "50000"},
    {"max_url_len", "2048"},
    {"max_attempts", "3"},
    {"backoff_ms", "1000"},
    {"backoff_max_ms", "60000"},
    {"lease_ms", "60000"},
    {"robots_ttl_ms", "86400000"},
    {"robots_retry_ms", "2000"},
    {"max_crawl_delay_ms", "30000"},
    {"breaker_failures", "5"},
    {"breaker_ms", "30000"},
    {"store_links", "0"},
    {"sitemap_priority", "0"},
    {"text", "off"},
    {"text_max", "65536"},
    {"warc", "0"},
    {"warc_skip_noindex", "0"},
    {"fetch_types", NULL},
    {"extract", NULL},
    {"extract_max_values", "100"},
    {"extract_max_bytes", "65536"},
    {"extract_jsonld", "0"},
    {"results_maxlen", "0"},
    {"skip_ext", CF_SKIP_EXT_DEFAULT},
};

/* Good values: set name=in, then the field renders as out. */
static const struct {
    const char *name, *in, *out;
} good[] = {
    {"max_depth", "3", "3"},
    {"max-depth", "-1", "-1"},
    {"max_depth", "+7", "7"},
    {"max_pages", "1000000", "1000000"},
    {"per-host-concurrency", "1000", "1000"},
    {"per_host_concurrency", "1", "1"},
    {"delay_ms", "500", "500"},
    {"delay_ms", "500ms", "500"},
    {"delay_ms", "2s", "2000"},
    {"delay_ms", "5m", "300000"},
    {"delay_ms", "24h", "86400000"},
    {"delay_ms", "1d", "86400000"},
    {"delay_ms", "3S", "3000"},
    {"timeout_ms", "30s", "30000"},
    {"robots_ttl_ms", "2min", "120000"},
    {"max_body", "10MiB", "10485760"},
    {"max_body", "10M", "10485760"},
    {"max_body", "10mb", "10485760"},
    {"max_body", "512k", "524288"},
    {"max_body", "512KiB", "524288"},
    {"max_body", "1G", "1073741824"},
    {"max_body", "4096", "4096"},
    {"max_body", "100b", "100"},
    {"low_speed_bps", "1k", "1024"},
    {"obey_robots", "0", "0"},
    {"obey_robots", "yes", "1"},
    {"obey_robots", "off", "0"},
    {"allow_private", "true", "1"},
    {"allow-private", "ON", "1"},
    {"resolve", "A.Test:8443:127.0.0.2", "a.test:8443:127.0.0.2"},
    {"insecure", "yes", "1"},
    {"store_links", "False", "0"},
    {"warc", "1", "1"},
    {"fetch_types", "html", "html"},
    {"skip_ext", "none", "none"},
    {"fetch_types", "all", "all"},
    {"fetch_types", "text/html,application/pdf,image/*",
     "text/html,application/pdf,image/*"},
    {"follow_nofollow", "1", "1"},
    {"scope", "domain", "domain"},
    {"scope", "any", "any"},
    {"scope", "hosts:a.example,b.example:8080",
     "hosts:a.example,b.example:8080"},
    {"scope", "hosts:A.Example", "hosts:a.example"},
    {"scope", "hosts:[::1]:8080,127.0.0.1", "hosts:[::1]:8080,127.0.0.1"},
    {"include", "^https?://a\\.example/", "^https?://a\\.example/"},
    {"include", "", NULL},
    {"exclude", "\\.(jpg|png)$", "\\.(jpg|png)$"},
    {"user_agent", "bot/2 (+http://x.example/bot)",
     "bot/2 (+http://x.example/bot)"},
    {"proxy", "http://proxy:3128", "http://proxy:3128"},
    {"proxy", "", NULL},
};

/* Bad values: set fails with CF_EINVAL and exactly this message. */
static const struct {
    const char *name, *in, *err;
} bad[] = {
    {"max_depth", "x", "max_depth: not a number: 'x'"},
    {"max_depth", "", "max_depth: not a number: ''"},
    {"max_depth", " 3", "max_depth: not a number: ' 3'"},
    {"max_depth", "0x10", "max_depth: not a number: '0x10'"},
    {"max_depth", "3k", "max_depth: not a number: '3k'"},
    {"max_depth", "1.5", "max_depth: not a number: '1.5'"},
    {"max_depth", "-2", "max_depth: must be between -1 and 1000000"},
    {"max_pages", "-1", "max_pages: must be between 0 and 1000000000000"},
    {"max_pages", "99999999999999999999",
     "max_pages: must be between 0 and 1000000000000"},
    {"per_host_concurrency", "0",
     "per_host_concurrency: must be between 1 and 1000"},
    {"per-host-concurrency", "1001",
     "per_host_concurrency: must be between 1 and 1000"},
    {"delay_ms", "5x",
     "delay_ms: bad unit in '5x' (use ms, s, m, h, d: "
     "500ms, 30s, 5m)"},
    {"delay_ms", "2d", "delay_ms: must be between 0 and 86400000"},
    {"delay_ms", "9223372036854775807h",
     "delay_ms: must be between 0 and 86400000"},
    {"max_body", "10X",
     "max_body: bad unit in '10X' (use k, M, G: 512k, "
     "10MiB)"},
    {"max_body", "0", "max_body: must be between 1 and 4294967296"},
    {"max_body", "5G", "max_body: must be between 1 and 4294967296"},
    {"max_body", "MiB", "max_body: not a number: 'MiB'"},
    {"obey_robots", "2",
     "obey_robots: not a boolean: '2' (use true/false, "
     "yes/no, on/off, 1/0)"},
    {"obey_robots", "",
     "obey_robots: not a boolean: '' (use true/false, "
     "yes/no, on/off, 1/0)"},
    {"scope", "", "scope: must not be empty"},
    {"scope", "site",
     "scope: unknown scope 'site' (use host, domain, any "
     "or hosts:h1,h2:port)"},
    {"scope", "hosts:", "scope: bad host in hosts list: ''"},
    {"scope", "hosts:a,,b", "scope: bad host in hosts list: ''"},
    {"scope", "hosts:a:0", "scope: bad host in hosts list: 'a:0'"},
    {"scope", "hosts:a:99999", "scope: bad host in hosts list: 'a:99999'"},
    {"scope", "hosts:a b", "scope: bad host in hosts list: 'a b'"},
    {"scope", "hosts:a:", "scope: bad host in hosts list: 'a:'"},
    {"scope", "hosts:[::1", "scope: bad host in hosts list: '[::1'"},
    {"skip_ext", ".pdf",
     "skip_ext: not a list of extensions like jpg,pdf: .pdf"},
    {"skip_ext", "pdf,",
     "skip_ext: not a list of extensions like jpg,pdf: pdf,"},
    {"skip_ext", "PDF", "skip_ext: not a list of extensions like jpg,pdf: PDF"},
    {"fetch_types", "pdf",
     "fetch_types: not html, all or a list of type/subtype: pdf"},
    {"fetch_types", "text/html,",
     "fetch_types: not html, all or a list of type/subtype: text/html,"},
    {"fetch_types", "a/b/c",
     "fetch_types: not html, all or a list of type/subtype: a/b/c"},
    {"fetch_types", "text/ html",
     "fetch_types: not html, all or a list of type/subtype: text/ html"},
    {"user_agent", "", "user_agent: must not be empty"},
    {"user_agent", "a\r\nX-Evil: 1",
     "user_agent: control characters are not allowed"},
    {"max_redirects", "101", "max_redirects: must be between 0 and 100"},
    {"resolve", "a.test:443", "resolve: expected host:port:address (an IPv4 "
                              "address or [IPv6]), got 'a.test:443'"},
    {"resolve", "a.test:443:localhost",
     "resolve: expected host:port:address (an IPv4 address or [IPv6]), got "
     "'a.test:443:localhost'"},
    {"resolve", "a.test:0:127.0.0.1",
     "resolve: expected host:port:address (an IPv4 address or [IPv6]), got "
     "'a.test:0:127.0.0.1'"},
    {"resolve", "a.test:443:::1",
     "resolve: expected host:port:address (an IPv4 address or [IPv6]), got "
     "'a.test:443:::1'"},
    {"resolve", "a test:443:127.0.0.1",
     "resolve: expected host:port:address (an IPv4 address or [IPv6]), got "
     "'a test:443:127.0.0.1'"},
    {"lease_ms", "999ms", "lease_ms: must be between 1000 and 86400000"},
    {"text", "html", "text: unknown mode 'html' (use off, plain or markdown)"},
    {"text", "", "text: must not be empty"},
    {"extract", "p=css:div[",
     "extract: 'p=css:div[': column 5: attribute name expected"},
    {"extract", "price",
     "extract: 'price': expected NAME=SELECTOR, NAME a letter or '_' then "
     "letters, digits, '_' or '-' (at most 64)"},
    {"extract_max_values", "0",
     "extract_max_values: must be between 1 and 100000"},
};

/* Config files: content, expected rc, expected message suffix. */
static const struct {
    const char *text;
    int rc;
    const char *err; /* after "<path>:" */
} files[] = {
    {"# a crawl\n\nmax_depth = 3\n  max-pages=10 # ten\nscope = any\n"
     "user_agent = \"bot #1 \"\nobey_robots = no\ndelay_ms = 2s",
     CF_OK, NULL},
    {"max_depth = 3\nmax_depth = x\n", CF_EINVAL,
     "2: max_depth: not a number: 'x'"},
    {"\n\nnonsense\n", CF_EINVAL, "3: expected 'name = value'"},
    {"= 3\n", CF_EINVAL, "1: expected 'name = value'"},
    {"# c\nno_such = 1\n", CF_EINVAL, "2: unknown setting 'no_such'"},
    {"include = (\n", CF_EINVAL, NULL},
};

static void test_defaults(void)
{
    struct cf_config c;

    cf_config_init(&c);
    CHECK_INT(cf_config_nfields(), sizeof(defaults) / sizeof(defaults[0]));
    for (size_t i = 0; i < cf_config_nfields(); i++) {
        char *v = cf_config_field_value(&c, i);
        CHECK_STR(cf_config_field_name(i), defaults[i].name);
        CHECKF(
            (v == NULL && defaults[i].value == NULL) ||
                (v && defaults[i].value && strcmp(v, defaults[i].value) == 0),
            "default %s = %s", defaults[i].name, v ? v : "(null)");
        CHECKF(cf_config_field_help(i) && *cf_config_field_help(i),
               "help for %s", defaults[i].name);
        free(v);
    }
    CHECK(cf_config_field_name(cf_config_nfields()) == NULL);
    CHECK(cf_config_field_value(&c, cf_config_nfields()) == NULL);
    CHECK_INT(c.max_depth, -1);
    CHECK_INT(c.max_body, 10485760);
    CHECK_STR(c.scope, "host");
    CHECK(c.include == NULL && c.proxy == NULL);
    cf_config_cleanup(&c);
}

static size_t field_index(const char *name)
{
    char norm[64];
    size_t i;

    snprintf(norm, sizeof(norm), "%s", name);
    for (char *p = norm; *p; p++)
        if (*p == '-')
            *p = '_';
    for (i = 0; i < cf_config_nfields(); i++)
        if (strcmp(cf_config_field_name(i), norm) == 0)
            break;
    return i;
}

static void test_good(void)
{
    char err[CF_ERRSTR_LEN];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct cf_config c;
        char *v;

        cf_config_init(&c);
        err[0] = '\0';
        CHECKF(cf_config_set(&c, good[i].name, good[i].in, err) == CF_OK,
               "set %s=%s: %s", good[i].name, good[i].in, err);
        v = cf_config_field_value(&c, field_index(good[i].name));
        CHECK_STR(v, good[i].out);
        free(v);
        cf_config_cleanup(&c);
    }
}

static void test_bad(void)
{
    char err[CF_ERRSTR_LEN];
    struct cf_config c;

    cf_config_init(&c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECKF(cf_config_set(&c, bad[i].name, bad[i].in, err) == CF_EINVAL,
               "set %s=%s should fail", bad[i].name, bad[i].in);
        CHECK_STR(err, bad[i].err);
    }
    /* A failed set leaves the field alone. */
    CHECK_INT(c.max_depth, -1);
    CHECK_STR(c.scope, "host");
    CHECK_INT(cf_config_set(&c, "include", "a(", err), CF_EINVAL);
    CHECKF(strncmp(err, "include: bad regex 'a(': ", 25) == 0 &&
               strlen(err) > 25,
           "regex error: %s", err);
    CHECK(c.include == NULL);
    CHECK_INT(cf_config_set(&c, "no_such", "1", err), CF_ENOTFOUND);
    CHECK_STR(err, "unknown setting 'no_such'");
    CHECK_INT(cf_config_set(&c, "", "1", err), CF_ENOTFOUND);
    CHECK_INT(cf_config_set(&c, "max__depth", "1", err), CF_ENOTFOUND);
    CHECK_INT(cf_config_set(&c, "MAX_DEPTH", "1", err), CF_ENOTFOUND);
    cf_config_cleanup(&c);
}

/* Set every field to a non-default value, render it, set the rendering on
 * a fresh config, render again: both renderings must be equal. */
static const char *const odd_values[] = {
    "7",
    "123",
    "4",
    "1500ms",
    "3",
    "hosts:a.example,b.example:81",
    "^https://",
    "\\?session=",
    "odd agent/1.0",
    "socks5://127.0.0.1:1080",
    "X-Test:  1 ",
    "@cookies", /* a cookie file written by the test */
    "@ca_file", /* a PEM file written by the test */
    "1",
    "Site.Test:443:[::1]",
    "off",
    "on",
    "yes",
    "2s",
    "90s",
    "5k",
    "45s",
    "1MiB",
    "0",
    "77",
    "300",
    "9",
    "250ms",
    "10m",
    "5m",
    "1h",
    "5s",
    "3s",
    "0",
    "1d",
    "true",
    "on",
    "markdown",
    "1k",
    "1",
    "yes",
    "text/html,image/*",
    "price=css:.price::text",
    "7",
    "2k",
    "yes",
    "100000",
    "pdf,tar",
};

static void test_round_trip(void)
{
    struct cf_config a, b;
    char err[CF_ERRSTR_LEN];

    char jar[] = "/tmp/cf-test-cookies.XXXXXX";
    int fd = mkstemp(jar);
    const char line[] = "#HttpOnly_.a.example\tTRUE\t/\tTRUE\t0\tk\tv\n";

    char pem[] = "/tmp/cf-test-pem.XXXXXX";
    const char cert[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
                        "-----END CERTIFICATE-----\n";

    CHECK(fd >= 0 && write(fd, line, sizeof(line) - 1) > 0);
    if (fd >= 0)
        close(fd);
    fd = mkstemp(pem);
    CHECK(fd >= 0 && write(fd, cert, sizeof(cert) - 1) > 0);
    if (fd >= 0)
        close(fd);
    CHECK_INT(sizeof(odd_values) / sizeof(odd_values[0]), cf_config_nfields());
    cf_config_init(&a);
    cf_config_init(&b);
    for (size_t i = 0; i < cf_config_nfields(); i++) {
        const char *name = cf_config_field_name(i);
        char *before, *va, *vb;

        const char *odd = odd_values[i];

        before = cf_config_field_value(&a, i);
        if (strcmp(odd, "@cookies") == 0)
            odd = jar;
        if (strcmp(odd, "@ca_file") == 0)
            odd = pem;
        CHECKF(cf_config_set(&a, name, odd, err) == CF_OK,
               "set %s: %s", name, err);
        va = cf_config_field_value(&a, i);
        CHECKF(va && (!before || strcmp(va, before) != 0),
               "%s changed from its default", name);
        /* the rendering is the stored form, as Redis keeps it */
        CHECKF(cf_config_set_stored(&b, name, va, err) == CF_OK,
               "reset %s: %s", name, err);
        vb = cf_config_field_value(&b, i);
        CHECKF(va && vb && strcmp(va, vb) == 0, "%s: %s vs %s", name,
               va ? va : "(null)", vb ? vb : "(null)");
        free(before);
        free(va);
        free(vb);
    }
    /* Unset strings round-trip through "". */
    CHECK_INT(cf_config_set(&a, "proxy", "", err), CF_OK);
    CHECK(a.proxy == NULL);
    cf_config_cleanup(&a);
    cf_config_cleanup(&b);
    cf_config_cleanup(&b); /* twice is harmless */
    unlink(jar);
    unlink(pem);
}

/* header: each set appends one checked "Name: value"; the stored form is
 * the list joined by '\n'; errors never quote the value. */
static const struct {
    const char *in, *err; /* err NULL: accepted */
} headers[] = {
    {"X-A: 1", NULL},
    {"x-b:two  words\t", NULL},
    {"X-Empty:", NULL},
    {"Cookie: a=b", NULL},
    {"X-A 1", "header: expected 'Name: value', no colon found"},
    {": 1", "header: header name must be 1 to 64 characters"},
    {"X A: 1", "header: bad header name (letters, digits and "
               "!#$%&'*+-.^_`|~ only, no blanks)"},
    {"X-A: se\r\ncret", "header: CR or LF in the value of X-A"},
    {"X-A: se\ncret", "header: CR or LF in the value of X-A"},
    {"X-A: se\001cret", "header: a control character in the value of X-A"},
    {"user-agent: secret", "header: set User-Agent with user_agent "
                           "(--user-agent)"},
};

static void test_headers(void)
{
    struct cf_config c, d;
    char err[CF_ERRSTR_LEN];

    cf_config_init(&c);
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        err[0] = '\0';
        int rc = cf_config_set(&c, "header", headers[i].in, err);
        if (!headers[i].err) {
            CHECKF(rc == CF_OK, "header %s: %s", headers[i].in, err);
        } else {
            CHECKF(rc == CF_EINVAL, "header %s accepted", headers[i].in);
            CHECK_STR(err, headers[i].err);
        }
    }
    CHECK_STR(c.header, "X-A: 1\nx-b: two  words\nX-Empty:\nCookie: a=b");
    cf_config_init(&d);
    CHECK_INT(cf_config_set_stored(&d, "header", c.header, err), CF_OK);
    CHECK_STR(d.header, c.header);
    CHECK_INT(cf_config_set_stored(&d, "header", "X-A: 1\nbad", err),
              CF_EINVAL);
    CHECK_STR(d.header, c.header); /* a failed set leaves the list alone */
    CHECK_INT(cf_config_set(&d, "header", "", err), CF_OK);
    CHECK(d.header == NULL);
    for (int i = 0; i < 64; i++)
        CHECK_INT(cf_config_set(&d, "header", "X-N: 1", err), CF_OK);
    CHECK_INT(cf_config_set(&d, "header", "X-N: 1", err), CF_EINVAL);
    CHECK_STR(err, "header: more than 64 given");
    CHECK(cf_config_field_is_secret(field_index("header")));
    CHECK(cf_config_field_is_secret(field_index("cookies")));
    CHECK(!cf_config_field_is_secret(field_index("proxy")));
    cf_config_cleanup(&c);
    cf_config_cleanup(&d);
}

/* cookies: set reads a Netscape cookie file; stored form is its cookie
 * lines. */
static const struct {
    const char *text, *err; /* err: after "cookies: <file>: "; NULL ok */
    const char *stored;
} jars[] = {
    {"# Netscape HTTP Cookie File\n\na.example\tFALSE\t/\tFALSE\t0\tk\tv\n",
     NULL, "a.example\tFALSE\t/\tFALSE\t0\tk\tv"},
    {"a\tTRUE\t/\tTRUE\t1999999999\tk\tv\r\n#HttpOnly_b\tFALSE\t/p\t"
     "FALSE\t0\tn\t\r\n",
     NULL, "a\tTRUE\t/\tTRUE\t1999999999\tk\tv\n#HttpOnly_b\tFALSE\t/p\t"
     "FALSE\t0\tn\t"},
    {"k=v\n", "line 1: expected 7 tab-separated fields (domain, subdomains, "
               "path, secure, expiry, name, value)", NULL},
    {"#\na\tTRUE\t/\tTRUE\t0\tk\tv\textra\n",
     "line 2: expected 7 tab-separated fields (domain, subdomains, path, "
     "secure, expiry, name, value)", NULL},
    {"a\tyes\t/\tTRUE\t0\tk\tv\n",
     "line 1: fields 2 and 4 must be TRUE or FALSE", NULL},
    {"a\tTRUE\t/\tTRUE\tsoon\tk\tv\n",
     "line 1: expiry (field 5) must be unix seconds", NULL},
    {"\tTRUE\t/\tTRUE\t0\tk\tv\n", "line 1: empty domain, path or name",
     NULL},
    {"a\tTRUE\t/\tTRUE\t0\tk\tv\001\n",
     "line 1: control character in the line", NULL},
    {"# nothing\n\n",
     "no cookies in it (Netscape cookie file format expected)", NULL},
};

static void test_cookies(void)
{
    char path[] = "/tmp/cf-test-jar.XXXXXX";
    char err[CF_ERRSTR_LEN], want[CF_ERRSTR_LEN];
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < sizeof(jars) / sizeof(jars[0]); i++) {
        struct cf_config c;
        FILE *fp = fopen(path, "w");
        int rc;

        fputs(jars[i].text, fp);
        fclose(fp);
        cf_config_init(&c);
        err[0] = '\0';
        rc = cf_config_set(&c, "cookies", path, err);
        if (!jars[i].err) {
            CHECKF(rc == CF_OK, "jar %zu: %s", i, err);
            CHECK_STR(c.cookies, jars[i].stored);
        } else {
            snprintf(want, sizeof(want), "cookies: %s: %s", path,
                     jars[i].err);
            CHECKF(rc == CF_EINVAL, "jar %zu accepted", i);
            CHECK_STR(err, want);
            CHECK(c.cookies == NULL);
        }
        cf_config_cleanup(&c);
    }
    unlink(path);
    {
        struct cf_config c;

        cf_config_init(&c);
        CHECK_INT(cf_config_set(&c, "cookies", path, err), CF_EINVAL);
        snprintf(want, sizeof(want),
                 "cookies: cannot read %s: No such file or directory", path);
        CHECK_STR(err, want);
        CHECK_INT(cf_config_set_stored(&c, "cookies", "k=v", err), CF_EINVAL);
        CHECK_STR(err, "cookies: stored value: line 1: expected 7 "
                       "tab-separated fields (domain, subdomains, path, "
                       "secure, expiry, name, value)");
        cf_config_cleanup(&c);
    }
}

static void test_check(void)
{
    struct cf_config c;
    char err[CF_ERRSTR_LEN];

    cf_config_init(&c);
    CHECK_INT(cf_config_check(&c, err), CF_OK);
    /* Order does not matter: raise timeout first, lease after. */
    CHECK_INT(cf_config_set(&c, "timeout_ms", "2m", err), CF_OK);
    CHECK_INT(cf_config_check(&c, err), CF_EINVAL);
    CHECK_STR(err, "lease_ms (60000) must exceed timeout_ms (120000): a "
                   "lease must outlast a transfer");
    CHECK_INT(cf_config_set(&c, "lease_ms", "3m", err), CF_OK);
    CHECK_INT(cf_config_check(&c, err), CF_OK);
    CHECK_INT(cf_config_set(&c, "backoff_ms", "2m", err), CF_OK);
    CHECK_INT(cf_config_check(&c, err), CF_EINVAL);
    CHECK_STR(err, "backoff_ms (120000) must not exceed backoff_max_ms "
                   "(60000)");
    cf_config_cleanup(&c);
    /* --extract: rules add up; one NAME twice is refused */
    cf_config_init(&c);
    CHECK_INT(cf_config_set(&c, "extract", "a=p", err), CF_OK);
    CHECK_INT(cf_config_set(&c, "extract", "ab=xpath://a", err), CF_OK);
    CHECK_INT(cf_config_check(&c, err), CF_OK);
    CHECK_STR(c.extract, "a=p\nab=xpath://a");
    CHECK_INT(cf_config_set(&c, "extract", "ab=css:b", err), CF_OK);
    CHECK_INT(cf_config_check(&c, err), CF_EINVAL);
    CHECK_STR(err, "extract: field 'ab' given twice");
    CHECK_INT(cf_config_set(&c, "extract", "", err), CF_OK);
    CHECK(c.extract == NULL);
    cf_config_cleanup(&c);
}

static void test_files(void)
{
    char path[] = "/tmp/cf-test-config-XXXXXX";
    char err[CF_ERRSTR_LEN], want[CF_ERRSTR_LEN + 64];
    int fd = mkstemp(path);
    struct cf_config c;

    CHECK(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *fp = fopen(path, "w");
        int rc;

        fputs(files[i].text, fp);
        fclose(fp);
        cf_config_init(&c);
        err[0] = '\0';
        rc = cf_config_load_file(&c, path, err);
        CHECKF(rc == files[i].rc, "file %zu: rc %d (%s)", i, rc, err);
        if (files[i].err) {
            snprintf(want, sizeof(want), "%s:%s", path, files[i].err);
            CHECK_STR(err, want);
        } else if (files[i].rc != CF_OK) {
            snprintf(want, sizeof(want), "%s:1: include: bad regex", path);
            CHECKF(strncmp(err, want, strlen(want)) == 0, "got %s", err);
        }
        if (i == 0) {
            CHECK_INT(c.max_depth, 3);
            CHECK_INT(c.max_pages, 10);
            CHECK_STR(c.scope, "any");
            CHECK_STR(c.user_agent, "bot #1 ");
            CHECK_INT(c.obey_robots, 0);
            CHECK_INT(c.delay_ms, 2000);
        }
        cf_config_cleanup(&c);
    }
    unlink(path);
    cf_config_init(&c);
    CHECK_INT(cf_config_load_file(&c, path, err), CF_ERR);
    snprintf(want, sizeof(want), "%s: No such file or directory", path);
    CHECK_STR(err, want);
    cf_config_cleanup(&c);
}

int main(void)
{
    test_defaults();
    test_good();
    test_bad();
    test_round_trip();
    test_check();
    test_files();
    test_headers();
    test_cookies();
    return test_summary("test_config");
}
