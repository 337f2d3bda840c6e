/* config.c - the table of crawl settings, parsing and rendering.
 *
 * Every field of struct cf_config has one row in fields[]: its name, type,
 * unit, place in the struct, default, bounds and help text. Everything else
 * (defaults, CLI flags, config files, the Redis config hash) walks that
 * table, so a new setting is one new row. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"
#include "selector.h"

#define NAME_MAX_LEN 64   /* longest setting name accepted */
#define STR_MAX_LEN 4096  /* longest string value accepted */
#define LINE_MAX_LEN 8192 /* longest config file line */
#define SHOW_MAX 64       /* bytes of a bad value quoted in errors */
#define LIST_MAX_ITEMS 64 /* items of a list setting (headers) */
#define FILE_MAX_LEN (256 * 1024) /* bytes of a file setting (cookies) */
#define COOKIES_MAX 1000  /* cookies in a cookie file */

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define KIB 1024LL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

enum ftype {
    FT_INT,  /* int64_t */
    FT_BOOL, /* int64_t holding 0 or 1 */
    FT_STR,  /* char *, heap owned by the config */
};

/* How a string setting takes a value (cf_config_set) and how it is
 * stored (cf_config_field_value, cf_config_set_stored). */
enum fkind {
    FK_ONE,  /* one value; stored as given (or canonical) */
    FK_LIST, /* each set appends one item; stored as items joined by '\n' */
    FK_FILE, /* set reads the named file; stored as its checked contents */
};

enum funit {
    FU_NONE,  /* a plain count */
    FU_BYTES, /* bytes: k, M, G suffixes (binary) */
    FU_MS,    /* milliseconds: ms, s, m, h, d suffixes */
};

/* Checks a string value; may rewrite it (*out, heap) into canonical form. */
typedef int (*str_check_fn)(const char *name, const char *value, char **out,
                            char *errstr);

struct field {
    const char *name;    /* setting name, '_' separated */
    enum ftype type;     /* storage and parsing */
    enum funit unit;     /* suffixes accepted by FT_INT */
    size_t off;          /* offsetof(struct cf_config, name) */
    int64_t def;         /* default for FT_INT, FT_BOOL */
    const char *def_str; /* default for FT_STR (NULL: unset) */
    int64_t min, max;    /* inclusive bounds for FT_INT */
    int nullable;        /* FT_STR: "" means unset (NULL) */
    str_check_fn check;  /* FT_STR: extra validation, or NULL; for FK_LIST
                          * one item, for FK_FILE the whole contents */
    enum fkind kind;     /* FT_STR: one value, a list or a file */
    int secret;          /* value never shown (headers, cookies) */
    const char *help;    /* one line for --help */
    const char *bare;    /* FT_STR: what a flag given without a value
                          * means ("--text" is "plain"), or NULL */
};

static int check_scope(const char *name, const char *value, char **out,
                       char *errstr);
/* RFC 9110 token characters, for header names. */
static int is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* "Name: value": a token name, a colon, a value without CR, LF or other
 * control characters (tab allowed). Stored as "Name: value" with the
 * value's outer blanks cut; an empty value ("Name:") keeps curl from
 * sending a header of that name. Errors name the header, never its value,
 * which may be a secret. */
static int check_header(const char *name, const char *value, char **out,
                        char *errstr)
{
    const char *colon = strchr(value, ':'), *v, *end;
    size_t nlen;

    if (!colon) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "%s: expected 'Name: value', no colon found", name);
        return CF_EINVAL;
    }
    nlen = (size_t)(colon - value);
    for (size_t i = 0; i < nlen; i++) {
        if (!is_tchar((unsigned char)value[i])) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: bad header name (letters, digits and "
                     "!#$%%&'*+-.^_`|~ only, no blanks)", name);
            return CF_EINVAL;
        }
    }
    if (nlen == 0 || nlen > SHOW_MAX) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: header name must be 1 to %d "
                 "characters", name, SHOW_MAX);
        return CF_EINVAL;
    }
    if (nlen == 10 && strncasecmp(value, "User-Agent", 10) == 0) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "%s: set User-Agent with user_agent (--user-agent)", name);
        return CF_EINVAL;
    }
    for (v = colon + 1; *v; v++) {
        unsigned char ch = (unsigned char)*v;
        if (ch == '\r' || ch == '\n' || (ch < 0x20 && ch != '\t') ||
            ch == 0x7f) {
            snprintf(errstr, CF_ERRSTR_LEN, "%s: %s in the value of %.*s",
                     name, ch == '\r' || ch == '\n' ? "CR or LF"
                                                    : "a control character",
                     (int)nlen, value);
            return CF_EINVAL;
        }
    }
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *out = cf_asprintf("%.*s:%s%.*s", (int)nlen, value, end > v ? " " : "",
                       (int)(end - v), v);
    return CF_OK;
}

static int is_bool_word(const char *s, size_t n)
{
    return (n == 4 && strncmp(s, "TRUE", 4) == 0) ||
           (n == 5 && strncmp(s, "FALSE", 5) == 0);
}

/* One cookie line of a Netscape cookie file: domain, include-subdomains
 * (TRUE/FALSE), path, secure (TRUE/FALSE), expiry (unix seconds, 0: a
 * session cookie), name, value; tab separated. A "#HttpOnly_" prefix on
 * the domain is kept (curl reads it). */
static const char *cookie_line_error(const char *line, size_t len)
{
    const char *f[7];
    size_t flen[7], nf = 0;
    const char *p = line, *end = line + len;

    while (nf < 7) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        f[nf] = p;
        flen[nf] = tab ? (size_t)(tab - p) : (size_t)(end - p);
        nf++;
        if (!tab)
            break;
        p = tab + 1;
    }
    if (nf == 7)
        flen[6] = (size_t)(end - f[6]); /* the value is the rest */
    if (nf != 7 || memchr(f[6], '\t', flen[6]))
        return "expected 7 tab-separated fields (domain, subdomains, path, "
               "secure, expiry, name, value)";
    for (p = line; p < end; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return "control character in the line";
    if (flen[0] == 0 || flen[2] == 0 || flen[5] == 0)
        return "empty domain, path or name";
    if (!is_bool_word(f[1], flen[1]) || !is_bool_word(f[3], flen[3]))
        return "fields 2 and 4 must be TRUE or FALSE";
    for (size_t i = 0; i < flen[4]; i++)
        if (!isdigit((unsigned char)f[4][i]))
            return "expiry (field 5) must be unix seconds";
    if (flen[4] == 0)
        return "expiry (field 5) must be unix seconds";
    return NULL;
}

/* A Netscape cookie file's contents: '#' comments and blank lines are
 * dropped, CRLF line ends accepted, every other line must be a cookie.
 * Stored as the cookie lines joined by '\n'. errstr says "line N: ..."
 * without the setting's name (the caller adds it and the file name). */
static int check_cookies(const char *name, const char *value, char **out,
                         char *errstr)
{
    struct cf_buf b;
    const char *p = value;
    int lineno = 0, n = 0;

    (void)name;
    cf_buf_init(&b, FILE_MAX_LEN + 1);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *err;

        lineno++;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len == 0 || (p[0] == '#' && strncmp(p, "#HttpOnly_", 10) != 0))
            goto next;
        err = cookie_line_error(p, len);
        if (!err && ++n > COOKIES_MAX) {
            snprintf(errstr, CF_ERRSTR_LEN, "more than %d cookies",
                     COOKIES_MAX);
            cf_buf_cleanup(&b);
            return CF_EINVAL;
        }
        if (err) {
            snprintf(errstr, CF_ERRSTR_LEN, "line %d: %s", lineno, err);
            cf_buf_cleanup(&b);
            return CF_EINVAL;
        }
        if (b.len)
            cf_buf_add(&b, "\n", 1);
        cf_buf_add(&b, p, len);
    next:
        p += nl ? len + (p[len] == '\r') + 1 : len;
    }
    if (n == 0) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "no cookies in it (Netscape cookie file format expected)");
        cf_buf_cleanup(&b);
        return CF_EINVAL;
    }
    *out = cf_buf_take(&b, NULL);
    return CF_OK;
}

/* PEM text holding at least one certificate; stored as given (OpenSSL
 * reads it in the worker). Errors without the setting's name, as for
 * cookies. */
static int check_pem(const char *name, const char *value, char **out,
                     char *errstr)
{
    (void)name;
    (void)out;
    if (!strstr(value, "-----BEGIN CERTIFICATE-----") ||
        !strstr(value, "-----END CERTIFICATE-----")) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
        return CF_EINVAL;
    }
    return CF_OK;
}

/* "host:port:addr", addr an IPv4 literal or an IPv6 one in brackets;
 * host lower-cased. */
static int check_resolve(const char *name, const char *value, char **out,
                         char *errstr)
{
    const char *c1 = strchr(value, ':'), *c2, *addr;
    char buf[64];
    unsigned char bin[16];
    long port = 0;
    size_t alen;

    if (!c1 || c1 == value)
        goto bad;
    for (const char *p = value; p < c1; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
            *p != '_')
            goto bad;
    c2 = strchr(c1 + 1, ':');
    if (!c2 || c2 == c1 + 1 || c2 - c1 > 6)
        goto bad;
    for (const char *p = c1 + 1; p < c2; p++) {
        if (!isdigit((unsigned char)*p))
            goto bad;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        goto bad;
    addr = c2 + 1;
    alen = strlen(addr);
    if (alen >= sizeof(buf))
        goto bad;
    if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') {
        memcpy(buf, addr + 1, alen - 2);
        buf[alen - 2] = '\0';
        if (inet_pton(AF_INET6, buf, bin) != 1)
            goto bad;
    } else if (inet_pton(AF_INET, addr, bin) != 1) {
        goto bad;
    }
    *out = cf_strdup(value);
    for (char *q = *out; *q != ':'; q++)
        *q = (char)tolower((unsigned char)*q);
    return CF_OK;
bad:
    snprintf(errstr, CF_ERRSTR_LEN,
             "%s: expected host:port:address (an IPv4 address or [IPv6]), "
             "got '%.*s'", name, SHOW_MAX, value);
    return CF_EINVAL;
}

static int check_regex(const char *name, const char *value, char **out,
                       char *errstr);
static int check_proxy(const char *name, const char *value, char **out,
                       char *errstr);
static int check_text(const char *name, const char *value, char **out,
                      char *errstr);
static int check_header(const char *name, const char *value, char **out,
                        char *errstr);
static int check_text_mode(const char *name, const char *value, char **out,
                           char *errstr);
static int check_types(const char *name, const char *value, char **out,
                       char *errstr);
static int check_extract(const char *name, const char *value, char **out,
                         char *errstr);
static int check_ext(const char *name, const char *value, char **out,
                     char *errstr);
static int check_cookies(const char *name, const char *value, char **out,
                         char *errstr);
static int check_pem(const char *name, const char *value, char **out,
                     char *errstr);
static int check_resolve(const char *name, const char *value, char **out,
                         char *errstr);

/* clang-format off */
#define OFF(f) offsetof(struct cf_config, f)
#define INT(f, u, d, lo, hi, h) \
    {#f, FT_INT, u, OFF(f), d, NULL, lo, hi, 0, NULL, FK_ONE, 0, h, NULL}
#define BOOL(f, d, h) \
    {#f, FT_BOOL, FU_NONE, OFF(f), d, NULL, 0, 1, 0, NULL, FK_ONE, 0, h, NULL}
#define STR(f, d, n, chk, h) \
    {#f, FT_STR, FU_NONE, OFF(f), 0, d, 0, 0, n, chk, FK_ONE, 0, h, NULL}
#define PLAIN(f, kind, chk, h) \
    {#f, FT_STR, FU_NONE, OFF(f), 0, NULL, 0, 0, 1, chk, kind, 0, h, NULL}
#define SECRET(f, kind, chk, h) \
    {#f, FT_STR, FU_NONE, OFF(f), 0, NULL, 0, 0, 1, chk, kind, 1, h, NULL}
#define LIST(f, chk, h) \
    {#f, FT_STR, FU_NONE, OFF(f), 0, NULL, 0, 0, 1, chk, FK_LIST, 0, h, NULL}
#define WORD(f, d, chk, bare, h) \
    {#f, FT_STR, FU_NONE, OFF(f), 0, d, 0, 0, 0, chk, FK_ONE, 0, h, bare}
/* clang-format on */

static const struct field fields[] = {
    INT(max_depth, FU_NONE, -1, -1, 1000000,
        "links followed from a seed (-1: unlimited)"),
    INT(max_pages, FU_NONE, 0, 0, INT64_C(1000000000000),
        "pages to fetch in the whole crawl (0: unlimited)"),
    INT(max_host_pages, FU_NONE, 0, 0, INT64_C(1000000000000),
        "pages to fetch per host (0: unlimited)"),
    INT(delay_ms, FU_MS, 0, 0, DAY,
        "minimum gap between fetch starts on one host (e.g. 500ms, 2s)"),
    INT(per_host_concurrency, FU_NONE, 1, 1, 1000,
        "fetches in flight per host across the fleet"),
    STR(scope, "host", 0, check_scope,
        "which links to follow: host, domain, any, hosts:h1,h2:port"),
    STR(include, NULL, 1, check_regex,
        "POSIX extended regex a URL must match to be queued"),
    STR(exclude, NULL, 1, check_regex,
        "POSIX extended regex; matching URLs are not queued"),
    STR(user_agent, "crawlfleet/" CF_VERSION, 0, check_text,
        "User-Agent header, also the robots.txt agent"),
    STR(proxy, NULL, 1, check_proxy,
        "proxy URL for fetches: SCHEME://[user:pass@]HOST[:PORT], scheme "
        "http, https, socks4, socks4a, socks5 or socks5h"),
    SECRET(header, FK_LIST, check_header,
           "'Name: value' sent with every request (repeatable)"),
    SECRET(cookies, FK_FILE, check_cookies,
           "Netscape cookie file whose cookies are sent (read at seed)"),
    PLAIN(ca_file, FK_FILE, check_pem,
          "PEM file of CAs trusted besides the system's (read at seed)"),
    BOOL(insecure, 0, "skip TLS certificate checks (logged, flagged in "
                      "every https result)"),
    PLAIN(resolve, FK_LIST, check_resolve,
          "host:port:addr: connect there for host:port (repeatable)"),
    BOOL(obey_robots, 1, "honour robots.txt rules and Crawl-delay"),
    BOOL(allow_private, 0,
         "allow fetching private, loopback and link-local addresses"),
    BOOL(follow_nofollow, 0, "follow rel=nofollow links too"),
    INT(connect_timeout_ms, FU_MS, 10 * SEC, 1, HOUR,
        "time allowed to connect (e.g. 10s)"),
    INT(timeout_ms, FU_MS, 30 * SEC, 1, DAY,
        "time allowed for a whole transfer (e.g. 30s)"),
    INT(low_speed_bps, FU_BYTES, 100, 0, GIB,
        "abort a transfer slower than this many bytes/s (0: never)"),
    INT(low_speed_ms, FU_MS, 20 * SEC, 0, DAY, "... for this long (e.g. 20s)"),
    INT(max_body, FU_BYTES, 10 * MIB, 1, 4 * GIB,
        "largest decoded body kept (e.g. 10MiB)"),
    INT(max_redirects, FU_NONE, 5, 0, 100,
        "no effect, kept for old config files: a page's redirect is a "
        "new request, robots.txt follows up to 5"),
    INT(max_links, FU_NONE, 50000, 0, 1000000, "links taken from one page"),
    INT(max_url_len, FU_NONE, 2048, 16, 65536, "longest URL queued, in bytes"),
    INT(max_attempts, FU_NONE, 3, 1, 100,
        "attempts before a transient failure is dead"),
    INT(backoff_ms, FU_MS, 1 * SEC, 0, DAY,
        "first retry delay, doubled per attempt (e.g. 1s)"),
    INT(backoff_max_ms, FU_MS, 60 * SEC, 0, 7 * DAY,
        "longest retry delay (e.g. 1m)"),
    INT(lease_ms, FU_MS, 60 * SEC, 1 * SEC, DAY,
        "how long a popped request stays leased (must exceed timeout)"),
    INT(robots_ttl_ms, FU_MS, DAY, 0, 30 * DAY,
        "how long a fetched robots.txt is trusted (e.g. 24h)"),
    INT(robots_retry_ms, FU_MS, 2 * SEC, 10, DAY,
        "first wait before fetching an unreachable robots.txt again, "
        "doubled per attempt up to backoff_max_ms"),
    INT(max_crawl_delay_ms, FU_MS, 30 * SEC, 0, DAY,
        "cap on a robots.txt Crawl-delay"),
    INT(breaker_failures, FU_NONE, 5, 0, 1000000,
        "consecutive failures that trip a host's breaker (0: never)"),
    INT(breaker_ms, FU_MS, 30 * SEC, 0, DAY,
        "how long a tripped host waits (e.g. 30s)"),
    BOOL(store_links, 0, "keep each page's outlinks in its result"),
    BOOL(sitemap_priority, 0, "queue URLs listed in sitemaps by their "
                              "<priority> (1.0 first) instead of depth"),
    WORD(text, "off", check_text_mode, "plain",
         "keep each page's readable text: off, plain, markdown"),
    INT(text_max, FU_BYTES, CF_TEXT_MAX_DEFAULT, 1, 16 * MIB,
        "bytes of text kept per page; more is cut and marked (e.g. 64k)"),
    BOOL(warc, 0, "archive every response in WARC files (worker --warc-dir)"),
    BOOL(warc_skip_noindex, 0,
         "with --warc, leave pages marked noindex (meta robots, "
         "X-Robots-Tag) out of the archive"),
    STR(fetch_types, NULL, 1, check_types,
        "content types downloaded: html, all, or a list like "
        "text/html,application/pdf,image/* (default: all with --warc, "
        "html without; others stop after the headers)"),
    LIST(extract, check_extract,
         "NAME=SELECTOR field taken from each page; css: (the default) or "
         "xpath: (repeatable)"),
    INT(extract_max_values, FU_NONE, CF_EXTRACT_VALUES_DEFAULT, 1, 100000,
        "values kept per field and page; more are cut and marked"),
    INT(extract_max_bytes, FU_BYTES, CF_EXTRACT_BYTES_DEFAULT, 1, 16 * MIB,
        "bytes of values kept per field and page (e.g. 64k)"),
    BOOL(extract_jsonld, 0,
         "keep each page's JSON-LD blocks that parse as JSON"),
    INT(results_maxlen, FU_NONE, 0, 0, INT64_C(1000000000000),
        "keep about N results in Redis, dropping the oldest, read or not "
        "(0: all; see export --follow)"),
    STR(skip_ext, CF_SKIP_EXT_DEFAULT, 0, check_ext,
        "link extensions not queued, comma-separated (none: queue every "
        "link)"),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

struct suffix {
    const char *text; /* compared case-insensitively, except "m"/"M" */
    int64_t mult;
};

/* Byte suffixes are binary: 1k = 1024. */
static const struct suffix byte_suffixes[] = {
    {"b", 1},    {"k", KIB},   {"kb", KIB},  {"kib", KIB},
    {"m", MIB},  {"mb", MIB},  {"mib", MIB}, {"g", GIB},
    {"gb", GIB}, {"gib", GIB}, {NULL, 0},
};

/* For durations "m" is minutes. */
static const struct suffix ms_suffixes[] = {
    {"ms", 1},    {"s", SEC},  {"sec", SEC}, {"m", MIN},
    {"min", MIN}, {"h", HOUR}, {"d", DAY},   {NULL, 0},
};

static const struct {
    const char *text;
    int value;
} bool_words[] = {
    {"1", 1},   {"0", 0},  {"true", 1}, {"false", 0},
    {"yes", 1}, {"no", 0}, {"on", 1},   {"off", 0},
};

static int64_t *int_at(struct cf_config *c, const struct field *f)
{
    return (int64_t *)((char *)c + f->off);
}

static const int64_t *cint_at(const struct cf_config *c, const struct field *f)
{
    return (const int64_t *)((const char *)c + f->off);
}

static char **str_at(struct cf_config *c, const struct field *f)
{
    return (char **)((char *)c + f->off);
}

static char *const *cstr_at(const struct cf_config *c, const struct field *f)
{
    return (char *const *)((const char *)c + f->off);
}

void cf_config_init(struct cf_config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct field *f = &fields[i];
        if (f->type == FT_STR)
            *str_at(c, f) = f->def_str ? cf_strdup(f->def_str) : NULL;
        else
            *int_at(c, f) = f->def;
    }
}

void cf_config_cleanup(struct cf_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (fields[i].type == FT_STR) {
            char **p = str_at(c, &fields[i]);
            free(*p);
            *p = NULL;
        }
    }
}

static const struct field *find_field(const char *name)
{
    char norm[NAME_MAX_LEN + 1];
    size_t n = strlen(name);

    if (n == 0 || n > NAME_MAX_LEN)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        norm[i] = name[i] == '-' ? '_' : name[i];
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].name, norm) == 0)
            return &fields[i];
    return NULL;
}

static int64_t suffix_mult(const struct field *f, const char *s)
{
    const struct suffix *tab;

    if (*s == '\0')
        return 1;
    if (f->unit == FU_BYTES)
        tab = byte_suffixes;
    else if (f->unit == FU_MS)
        tab = ms_suffixes;
    else
        return 0;
    for (; tab->text; tab++)
        if (strcasecmp(tab->text, s) == 0)
            return tab->mult;
    return 0;
}

static int parse_int(const struct field *f, const char *value, int64_t *out,
                     char *errstr)
{
    const char *p = value;
    char *end;
    long long n;
    int64_t mult;

    /* strtoll alone would take leading spaces and "0x"; be strict. */
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        goto not_number;
    errno = 0;
    n = strtoll(value, &end, 10);
    if (errno == ERANGE)
        goto range;
    mult = suffix_mult(f, end);
    if (mult == 0) {
        if (f->unit == FU_NONE)
            goto not_number;
        snprintf(errstr, CF_ERRSTR_LEN, "%s: bad unit in '%.*s' (use %s)",
                 f->name, SHOW_MAX, value,
                 f->unit == FU_BYTES ? "k, M, G: 512k, 10MiB"
                                     : "ms, s, m, h, d: 500ms, 30s, 5m");
        return CF_EINVAL;
    }
    if (n > INT64_MAX / mult || n < INT64_MIN / mult)
        goto range;
    n *= mult;
    if (n < f->min || n > f->max)
        goto range;
    *out = n;
    return CF_OK;

not_number:
    snprintf(errstr, CF_ERRSTR_LEN, "%s: not a number: '%.*s'", f->name,
             SHOW_MAX, value);
    return CF_EINVAL;
range:
    snprintf(errstr, CF_ERRSTR_LEN,
             "%s: must be between %" PRId64 " and %" PRId64, f->name, f->min,
             f->max);
    return CF_EINVAL;
}

static int parse_bool(const struct field *f, const char *value, int64_t *out,
                      char *errstr)
{
    for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++) {
        if (strcasecmp(bool_words[i].text, value) == 0) {
            *out = bool_words[i].value;
            return CF_OK;
        }
    }
    snprintf(errstr, CF_ERRSTR_LEN,
             "%s: not a boolean: '%.*s' (use true/false, yes/no, on/off, 1/0)",
             f->name, SHOW_MAX, value);
    return CF_EINVAL;
}

/* --text: one of the words of enum cf_text_mode. */
static const char *const text_modes[] = {"off", "plain", "markdown"};

static int check_text_mode(const char *name, const char *value, char **out,
                           char *errstr)
{
    for (size_t i = 0; i < sizeof(text_modes) / sizeof(text_modes[0]); i++)
        if (strcmp(value, text_modes[i]) == 0)
            return CF_OK;
    snprintf(errstr, CF_ERRSTR_LEN,
             "%s: unknown mode '%.*s' (use off, plain or markdown)", name,
             SHOW_MAX, value);
    return CF_EINVAL;
}

/* --extract: one NAME=SELECTOR rule that compiles (selector.h). */
static int check_extract(const char *name, const char *value, char **out,
                         char *errstr)
{
    struct cf_selector sel;
    char msg[CF_ERRSTR_LEN];

    if (cf_selector_parse(value, &sel, msg) != CF_OK) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: %.200s", name, msg);
        return CF_EINVAL;
    }
    cf_selector_cleanup(&sel);
    return CF_OK;
}

/* The NAME of the rule at s (up to '='), and its length. */
static size_t rule_name_len(const char *s)
{
    return strcspn(s, "=\n");
}

enum cf_text_mode cf_config_text_mode(const struct cf_config *c)
{
    for (size_t i = 0; i < sizeof(text_modes) / sizeof(text_modes[0]); i++)
        if (c->text && strcmp(c->text, text_modes[i]) == 0)
            return (enum cf_text_mode)i;
    return CF_TEXT_OFF;
}

/* Printable text without control characters (it ends up in headers). */
static int check_text(const char *name, const char *value, char **out,
                      char *errstr)
{
    for (const char *p = value; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: control characters are not allowed", name);
            return CF_EINVAL;
        }
    }
    return CF_OK;
}

/* The proxy schemes curl takes (CURLOPT_PROXY). */
static const char *const proxy_schemes[] = {"http",   "https",   "socks4",
                                            "socks4a", "socks5", "socks5h"};

/* SCHEME://[userinfo@]HOST[:PORT][/], checked here so that a typo is a
 * seed error, not a crawl of proxy failures. HOST is a name, an IPv4
 * address or [IPv6]; PORT 1-65535 (curl's default for the scheme when
 * absent). */
static int check_proxy(const char *name, const char *value, char **out,
                       char *errstr)
{
    const char *sep = strstr(value, "://"), *auth, *end, *at, *host, *hend;
    const char *why = "expected SCHEME://HOST[:PORT]";
    size_t i, n = sizeof(proxy_schemes) / sizeof(proxy_schemes[0]);
    long port = 0;

    if (check_text(name, value, out, errstr) != CF_OK)
        return CF_EINVAL;
    if (!sep)
        goto bad;
    for (i = 0; i < n; i++)
        if (strlen(proxy_schemes[i]) == (size_t)(sep - value) &&
            strncasecmp(value, proxy_schemes[i], (size_t)(sep - value)) == 0)
            break;
    if (i == n) {
        why = "the scheme must be http, https, socks4, socks4a, socks5 or "
              "socks5h";
        goto bad;
    }
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    if (*end && strcmp(end, "/") != 0) {
        why = "a proxy URL has no path or query";
        goto bad;
    }
    at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    host = at ? at + 1 : auth;
    if (*host == '[') {
        hend = memchr(host, ']', (size_t)(end - host));
        if (!hend || hend == host + 1)
            goto bad_host;
        hend++;
    } else {
        hend = host;
        while (hend < end && (isalnum((unsigned char)*hend) ||
                              *hend == '.' || *hend == '-' || *hend == '_'))
            hend++;
        if (hend == host)
            goto bad_host;
    }
    if (hend < end && *hend != ':')
        goto bad_host;
    if (hend < end) {
        const char *p = hend + 1;

        if (p == end || end - p > 5)
            goto bad_port;
        for (; p < end; p++) {
            if (!isdigit((unsigned char)*p))
                goto bad_port;
            port = port * 10 + (*p - '0');
        }
        if (port < 1 || port > 65535)
            goto bad_port;
    }
    return CF_OK;
bad_host:
    why = "no valid host";
    goto bad;
bad_port:
    why = "the port must be 1-65535";
bad:
    snprintf(errstr, CF_ERRSTR_LEN, "%s: %s, got '%.*s'", name, why,
             SHOW_MAX, value);
    return CF_EINVAL;
}

/* "none" or comma-separated extensions of 1..16 lower-case letters and
 * digits, no dots. */
static int check_ext(const char *name, const char *value, char **out,
                     char *errstr)
{
    const char *p = value;

    if (strcmp(value, "none") == 0)
        return CF_OK;

    while (*p) {
        size_t n = strcspn(p, ","), i;

        for (i = 0; i < n; i++)
            if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i])))
                break;
        if (n == 0 || n > 16 || i < n) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: not a list of extensions like jpg,pdf: %.60s", name,
                     value);
            return CF_EINVAL;
        }
        p += n;
        if (*p == ',' && !*++p) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: not a list of extensions like jpg,pdf: %.60s", name,
                     value);
            return CF_EINVAL;
        }
    }
    return CF_OK;
}

/* "html", "all", or comma-separated type/subtype tokens (a subtype "*"
 * matches any). */
static int check_types(const char *name, const char *value, char **out,
                       char *errstr)
{
    const char *p = value;

    if (strcmp(value, "html") == 0 || strcmp(value, "all") == 0)
        return CF_OK;
    for (;;) {
        size_t n = strcspn(p, ",");
        const char *slash = memchr(p, '/', n);
        size_t i;

        for (i = 0; i < n; i++)
            if (!(isalnum((unsigned char)p[i]) || strchr("/+-.*_", p[i])))
                break;
        if (n == 0 || i < n || !slash || slash == p || slash == p + n - 1 ||
            memchr(slash + 1, '/', (size_t)(p + n - slash - 1))) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: not html, all or a list of type/subtype: %.60s",
                     name, value);
            return CF_EINVAL;
        }
        if (!p[n])
            return CF_OK;
        p += n + 1;
    }
}

static int check_regex(const char *name, const char *value, char **out,
                       char *errstr)
{
    regex_t re;
    char msg[128];
    int rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);

    if (rc != 0) {
        regerror(rc, &re, msg, sizeof(msg));
        snprintf(errstr, CF_ERRSTR_LEN, "%s: bad regex '%.*s': %s", name,
                 SHOW_MAX, value, msg);
        return CF_EINVAL;
    }
    regfree(&re);
    return CF_OK;
}

/* One "host" or "host:port" of a hosts: list, [v6]:port included. */
static int scope_host_ok(const char *s, size_t n)
{
    size_t i = 0, hostlen;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close == s + 1)
            return 0;
        for (const char *p = s + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return 0;
        i = (size_t)(close - s) + 1;
    } else {
        while (i < n && s[i] != ':') {
            unsigned char ch = (unsigned char)s[i];
            if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
                return 0;
            i++;
        }
    }
    hostlen = i;
    if (hostlen == 0 || hostlen > 255)
        return 0;
    if (i == n)
        return 1;
    if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
        return 0;
    long port = 0;
    for (i++; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        port = port * 10 + (s[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

/* "host", "domain", "any", or "hosts:" and a comma list; host names are
 * stored lower-cased. */
static int check_scope(const char *name, const char *value, char **out,
                       char *errstr)
{
    static const char *const words[] = {"host", "domain", "any"};
    const char *list, *p;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(value, words[i]) == 0)
            return CF_OK;
    if (strncmp(value, "hosts:", 6) != 0) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "%s: unknown scope '%.*s' (use host, domain, any or "
                 "hosts:h1,h2:port)",
                 name, SHOW_MAX, value);
        return CF_EINVAL;
    }
    list = value + 6;
    p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!scope_host_ok(p, n)) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "%s: bad host in hosts list: '%.*s'", name,
                     (int)(n < SHOW_MAX ? n : SHOW_MAX), p);
            return CF_EINVAL;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = cf_strdup(value);
    for (char *q = *out; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return CF_OK;
}

/* Append item to the '\n'-joined list in *slot. */
static int list_append(char **slot, const struct field *f, const char *item,
                       char *errstr)
{
    size_t n = 1;
    char *joined;

    for (const char *p = *slot; p && *p; p++)
        n += *p == '\n';
    if (*slot && n >= LIST_MAX_ITEMS) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: more than %d given", f->name,
                 LIST_MAX_ITEMS);
        return CF_EINVAL;
    }
    joined = *slot ? cf_asprintf("%s\n%s", *slot, item) : cf_strdup(item);
    free(*slot);
    *slot = joined;
    return CF_OK;
}

/* One item of a list, or one plain value: length, check, canonical form.
 * On success *out is the heap value to store. */
static int take_value(const struct field *f, const char *value, char **out,
                      char *errstr)
{
    char *canon = NULL;
    int rc;

    if (strlen(value) > STR_MAX_LEN) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: longer than %d bytes", f->name,
                 STR_MAX_LEN);
        return CF_EINVAL;
    }
    if (f->check) {
        rc = f->check(f->name, value, &canon, errstr);
        if (rc != CF_OK) {
            free(canon);
            return rc;
        }
    }
    *out = canon ? canon : cf_strdup(value);
    return CF_OK;
}

/* Read a whole FK_FILE file, at most FILE_MAX_LEN bytes. */
static char *read_small_file(const struct field *f, const char *path,
                             char *errstr)
{
    FILE *fp = fopen(path, "rb");
    char *data;
    size_t n;

    if (!fp) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: cannot read %.200s: %s", f->name,
                 path, strerror(errno));
        return NULL;
    }
    data = cf_malloc(FILE_MAX_LEN + 1);
    n = fread(data, 1, FILE_MAX_LEN + 1, fp);
    if (ferror(fp) || n > FILE_MAX_LEN) {
        if (ferror(fp))
            snprintf(errstr, CF_ERRSTR_LEN, "%s: cannot read %.200s",
                     f->name, path);
        else
            snprintf(errstr, CF_ERRSTR_LEN, "%s: %.200s is larger than %d "
                     "bytes", f->name, path, FILE_MAX_LEN);
        free(data);
        data = NULL;
    } else {
        data[n] = '\0';
        if (memchr(data, '\0', n)) {
            snprintf(errstr, CF_ERRSTR_LEN, "%s: %.200s is not a text file",
                     f->name, path);
            free(data);
            data = NULL;
        }
    }
    fclose(fp);
    return data;
}

/* Checked contents of an FK_FILE field; where names the file (or "the
 * stored value") in errors. */
static int take_contents(const struct field *f, const char *data,
                         const char *where, char **out, char *errstr)
{
    char msg[CF_ERRSTR_LEN];
    char *canon = NULL;

    if (f->check(f->name, data, &canon, msg) != CF_OK) {
        free(canon);
        snprintf(errstr, CF_ERRSTR_LEN, "%s: %.80s: %.120s", f->name, where,
                 msg);
        return CF_EINVAL;
    }
    *out = canon ? canon : cf_strdup(data);
    return CF_OK;
}

/* stored: value is in the form cf_config_field_value gives (a list's
 * items joined by '\n', a file's contents), not as a user gives it. */
static int set_string(struct cf_config *c, const struct field *f,
                      const char *value, int stored, char *errstr)
{
    char **slot = str_at(c, f);
    char *v = NULL, *data;
    int rc;

    if (value == NULL || *value == '\0') {
        if (!f->nullable) {
            snprintf(errstr, CF_ERRSTR_LEN, "%s: must not be empty", f->name);
            return CF_EINVAL;
        }
        free(*slot);
        *slot = NULL;
        return CF_OK;
    }
    if (f->kind == FK_FILE) {
        data = stored ? cf_strdup(value) : read_small_file(f, value, errstr);
        if (!data)
            return CF_EINVAL;
        rc = take_contents(f, data, stored ? "stored value" : value, &v,
                           errstr);
        free(data);
        if (rc != CF_OK)
            return rc;
    } else if (f->kind == FK_LIST && stored) {
        char *list = NULL, *copy = cf_strdup(value), *item, *save = NULL;

        rc = CF_OK;
        for (item = strtok_r(copy, "\n", &save); item && rc == CF_OK;
             item = strtok_r(NULL, "\n", &save)) {
            v = NULL;
            rc = take_value(f, item, &v, errstr);
            if (rc == CF_OK)
                rc = list_append(&list, f, v, errstr);
            free(v);
        }
        free(copy);
        if (rc != CF_OK) {
            free(list);
            return rc;
        }
        free(*slot);
        *slot = list;
        return CF_OK;
    } else {
        rc = take_value(f, value, &v, errstr);
        if (rc != CF_OK)
            return rc;
        if (f->kind == FK_LIST) {
            rc = list_append(slot, f, v, errstr);
            free(v);
            return rc;
        }
    }
    free(*slot);
    *slot = v;
    return CF_OK;
}

static int set_field(struct cf_config *c, const char *name, const char *value,
                     int stored, char *errstr)
{
    const struct field *f = find_field(name);
    int64_t n;
    int rc;

    if (!f) {
        snprintf(errstr, CF_ERRSTR_LEN, "unknown setting '%.*s'", SHOW_MAX,
                 name);
        return CF_ENOTFOUND;
    }
    if (f->type == FT_STR)
        return set_string(c, f, value, stored, errstr);
    if (value == NULL)
        value = "";
    if (f->type == FT_BOOL)
        rc = parse_bool(f, value, &n, errstr);
    else
        rc = parse_int(f, value, &n, errstr);
    if (rc == CF_OK)
        *int_at(c, f) = n;
    return rc;
}

int cf_config_set(struct cf_config *c, const char *name, const char *value,
                  char *errstr)
{
    return set_field(c, name, value, 0, errstr);
}

int cf_config_set_stored(struct cf_config *c, const char *name,
                         const char *value, char *errstr)
{
    return set_field(c, name, value, 1, errstr);
}

int cf_config_check(const struct cf_config *c, char *errstr)
{
    /* two --extract rules may not fill one field */
    for (const char *a = c->extract; a && *a;) {
        size_t n = rule_name_len(a);
        const char *b = strchr(a, '\n');

        for (const char *q = b ? b + 1 : NULL; q && *q;) {
            const char *nq = strchr(q, '\n');
            if (rule_name_len(q) == n && memcmp(a, q, n) == 0) {
                snprintf(errstr, CF_ERRSTR_LEN,
                         "extract: field '%.*s' given twice", (int)n, a);
                return CF_EINVAL;
            }
            q = nq ? nq + 1 : NULL;
        }
        a = b ? b + 1 : NULL;
    }
    if (c->lease_ms <= c->timeout_ms) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "lease_ms (%" PRId64 ") must exceed timeout_ms (%" PRId64
                 "): a lease must outlast a transfer",
                 c->lease_ms, c->timeout_ms);
        return CF_EINVAL;
    }
    if (c->backoff_ms > c->backoff_max_ms) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "backoff_ms (%" PRId64 ") must not exceed backoff_max_ms "
                 "(%" PRId64 ")",
                 c->backoff_ms, c->backoff_max_ms);
        return CF_EINVAL;
    }
    return CF_OK;
}

size_t cf_config_nfields(void)
{
    return NFIELDS;
}

const char *cf_config_field_name(size_t i)
{
    return i < NFIELDS ? fields[i].name : NULL;
}

const char *cf_config_field_help(size_t i)
{
    return i < NFIELDS ? fields[i].help : NULL;
}

int cf_config_field_is_secret(size_t i)
{
    return i < NFIELDS && fields[i].secret;
}

const char *cf_config_field_bare(size_t i)
{
    if (i >= NFIELDS)
        return NULL;
    return fields[i].type == FT_BOOL ? "1" : fields[i].bare;
}

int cf_config_field_is_bool(size_t i)
{
    return i < NFIELDS && fields[i].type == FT_BOOL;
}

char *cf_config_field_value(const struct cf_config *c, size_t i)
{
    const struct field *f;

    if (i >= NFIELDS)
        return NULL;
    f = &fields[i];
    if (f->type == FT_STR) {
        const char *s = *cstr_at(c, f);
        return s ? cf_strdup(s) : NULL;
    }
    return cf_asprintf("%" PRId64, *cint_at(c, f));
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    *end = '\0';
    return s;
}

/* Cut a trailing " # comment" unless the value is quoted. */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++) {
        if (*p == '"')
            return;
        if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

static int load_line(struct cf_config *c, char *line, char *errstr)
{
    char *eq, *name, *value;
    size_t n;

    line = trim(line);
    if (*line == '\0' || *line == '#')
        return CF_OK;
    eq = strchr(line, '=');
    if (!eq) {
        snprintf(errstr, CF_ERRSTR_LEN, "expected 'name = value'");
        return CF_EINVAL;
    }
    *eq = '\0';
    name = trim(line);
    value = eq + 1;
    cut_comment(value);
    value = trim(value);
    n = strlen(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        value++;
    }
    if (*name == '\0') {
        snprintf(errstr, CF_ERRSTR_LEN, "expected 'name = value'");
        return CF_EINVAL;
    }
    return cf_config_set(c, name, value, errstr);
}

/* "path:line: msg", cut to fit. */
static void line_err(char *errstr, const char *path, int lineno,
                     const char *msg)
{
    int k = snprintf(errstr, CF_ERRSTR_LEN, "%s:%d: ", path, lineno);
    size_t room, n = strlen(msg);

    if (k < 0 || k >= CF_ERRSTR_LEN - 1)
        return;
    room = (size_t)(CF_ERRSTR_LEN - 1 - k);
    if (n > room)
        n = room;
    memcpy(errstr + k, msg, n);
    errstr[k + n] = '\0';
}

int cf_config_load_file(struct cf_config *c, const char *path, char *errstr)
{
    char line[LINE_MAX_LEN + 2];
    char msg[CF_ERRSTR_LEN];
    FILE *fp = fopen(path, "r");
    int lineno = 0, rc = CF_OK;

    if (!fp) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: %s", path, strerror(errno));
        return CF_ERR;
    }
    while (fgets(line, sizeof(line), fp)) {
        size_t n = strlen(line);
        lineno++;
        if (n > LINE_MAX_LEN && line[n - 1] != '\n') {
            snprintf(errstr, CF_ERRSTR_LEN, "%s:%d: line longer than %d bytes",
                     path, lineno, LINE_MAX_LEN);
            rc = CF_EINVAL;
            goto out;
        }
        rc = load_line(c, line, msg);
        if (rc != CF_OK) {
            line_err(errstr, path, lineno, msg);
            rc = CF_EINVAL;
            goto out;
        }
    }
    if (ferror(fp)) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: read error", path);
        rc = CF_ERR;
    }
out:
    fclose(fp);
    return rc;
}
