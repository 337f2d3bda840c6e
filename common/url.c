/* url.c - URL resolution and normalisation on libcurl's URL API.
 *
 * A reference goes through three steps:
 *  1. prepare: trim, drop tab/CR/LF, cut the fragment, percent-encode
 *     controls and spaces, and decide from the scheme whether it is
 *     absolute (http/https), refused (any other scheme) or relative;
 *  2. curl parses it (a fresh handle) or resolves it (a copy of the parsed
 *     base), removing dot segments and converting an IDN host to punycode;
 *  3. build: from curl's URL text, write the normalised form (lower-case
 *     host, checked and canonical; default port dropped; percent-encoding
 *     normalised in path and query; empty query dropped).
 * Split, hostkey and registrable work on normalised text without curl.
 *
 * Fast path: a prepared reference made only of printable ASCII that
 * needs no encoding (no byte build() would encode), with a plain host
 * (letters, digits, '.', '-', '_'; a dotted quad only in canonical form)
 * and a canonical port, skips step 2: it is resolved against the base's
 * normalised text (RFC 3986 5.2.2, dot segments removed per 5.2.4) and
 * written directly. With a '%' in its path or query, the resolved text
 * (what curl's resolution would give) then goes through build() (step
 * 3), which normalises the percent-encoding as it does on the curl path:
 * curl's URL API cost about 50,000 instructions a reference (a copy of
 * the base, the parse, aprintf of the result), and rust-doc's pages hold
 * a few such links each (1% to 6% of the worker's instructions, by where
 * in the tree). Everything else (IDN, IPv6, userinfo, other IPv4
 * spellings, odd ports, '%' in the host, non-ASCII) goes through curl.
 * cf_url_resolve_curl() skips the fast path, so tests and the fuzzer can
 * check that both give the same bytes or the same error. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <libpsl.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "ascii.h"
#include "bytes.h"
#include "url.h"

#define REF_SLACK 64   /* bytes tolerated over 4 * maxlen in a ref */
#define REF_STACK 1024 /* prepared refs this long need no heap */
#define OUT_STACK 4096 /* results this long need no scratch heap */
#define BASE_MAX 65536 /* cap on a base URL's normalised length */
#define HOST_MAX 253   /* DNS name length, without a trailing dot */
#define LABEL_MAX 63   /* DNS label length */

struct cf_url_base {
    CURLU *cu;  /* the parsed normalised base, copied for each resolve */
    char *str;  /* its normalised text */
    size_t len; /* strlen(str) */
    size_t path_at;  /* offset of its path (the '/' after the authority) */
    size_t query_at; /* offset of its '?', or len */
    size_t dir_at;   /* offset just after the path's last '/' */
};

/* ---- error names ---- */

static const struct {
    int err;          /* enum cf_url_err */
    const char *name; /* one word, for counters */
    const char *msg;  /* for people */
} url_errors[] = {
    {CF_URL_OK, "ok", "ok"},
    {CF_URL_EMPTY, "empty", "empty URL"},
    {CF_URL_MALFORMED, "malformed", "malformed URL"},
    {CF_URL_SCHEME, "scheme", "scheme not http(s)"},
    {CF_URL_USERINFO, "userinfo", "user:password@ not allowed"},
    {CF_URL_TOOLONG, "toolong", "URL too long"},
    {CF_URL_HOST, "host", "missing or invalid host"},
    {CF_URL_PORT, "port", "invalid port"},
    {CF_URL_RELATIVE, "relative", "relative URL without a base"},
};

#define N_URL_ERRORS (sizeof(url_errors) / sizeof(url_errors[0]))

const char *cf_url_strerror(int err)
{
    for (size_t i = 0; i < N_URL_ERRORS; i++)
        if (url_errors[i].err == err)
            return url_errors[i].msg;
    return "unknown URL error";
}

const char *cf_url_errname(int err)
{
    for (size_t i = 0; i < N_URL_ERRORS; i++)
        if (url_errors[i].err == err)
            return url_errors[i].name;
    return "unknown";
}

/* curl's parse errors in our terms; anything not listed is MALFORMED. */
static const struct {
    CURLUcode uc; /* from curl_url_set/get */
    int err;      /* enum cf_url_err */
} curl_errors[] = {
    {CURLUE_BAD_PORT_NUMBER, CF_URL_PORT},
    {CURLUE_NO_PORT, CF_URL_PORT},
    {CURLUE_UNSUPPORTED_SCHEME, CF_URL_SCHEME},
    {CURLUE_BAD_SCHEME, CF_URL_SCHEME},
    {CURLUE_NO_SCHEME, CF_URL_SCHEME},
    {CURLUE_USER_NOT_ALLOWED, CF_URL_USERINFO},
    {CURLUE_BAD_LOGIN, CF_URL_USERINFO},
    {CURLUE_BAD_USER, CF_URL_USERINFO},
    {CURLUE_BAD_PASSWORD, CF_URL_USERINFO},
    {CURLUE_NO_HOST, CF_URL_HOST},
    {CURLUE_BAD_HOSTNAME, CF_URL_HOST},
    {CURLUE_BAD_IPV6, CF_URL_HOST},
    {CURLUE_NO_ZONEID, CF_URL_HOST},
    {CURLUE_LACKS_IDN, CF_URL_HOST},
    /* on get with CURLU_PUNYCODE this is how an IDN failure shows */
    {CURLUE_OUT_OF_MEMORY, CF_URL_HOST},
};

static int curl_err(CURLUcode uc)
{
    for (size_t i = 0; i < sizeof(curl_errors) / sizeof(curl_errors[0]); i++)
        if (curl_errors[i].uc == uc)
            return curl_errors[i].err;
    return CF_URL_MALFORMED;
}

/* ---- process-wide state: a UTF-8 locale for IDN, the PSL ---- */

static pthread_once_t url_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale; /* (locale_t)0 when none exists */
static const psl_ctx_t *psl; /* builtin list, or the system file's */

/* curl converts IDN hosts with libidn2, which reads the host in the
 * locale's charset; the host is UTF-8, so the conversion runs under a
 * UTF-8 LC_CTYPE set for this thread only (uselocale). */
static void url_init(void)
{
    static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};

    for (size_t i = 0; i < 3 && utf8_locale == (locale_t)0; i++)
        utf8_locale = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
    psl = psl_builtin();
    if (psl == NULL)
        psl = psl_latest(NULL);
}

/* ---- character classes ---- */

/* Byte classes for the path and query: a lookup instead of a strchr()
 * per byte, which was a fifth of the fast path's instructions. */
enum { U_ENCODE = 1, U_PERCENT = 2 };
static const unsigned char url_class[256] = {
    [0x00 ... 0x20] = U_ENCODE, ['"'] = U_ENCODE, ['<'] = U_ENCODE,
    ['>'] = U_ENCODE, ['\\'] = U_ENCODE, ['^'] = U_ENCODE, ['`'] = U_ENCODE,
    ['{'] = U_ENCODE, ['|'] = U_ENCODE, ['}'] = U_ENCODE,
    [0x7f ... 0xff] = U_ENCODE, ['%'] = U_PERCENT,
};

/* Bytes that may not appear literally in a path or query: controls,
 * space, DEL, non-ASCII and the bytes "<>\^`{|}. */
static int must_encode(unsigned char c)
{
    return url_class[c] & U_ENCODE;
}

static const char hexdig[] = "0123456789ABCDEF";

/* ---- step 1: prepare the reference ---- */

struct ref {
    char *s;      /* prepared text, NUL-terminated, inside mem */
    char *mem;    /* stack or heap */
    int heap;     /* mem came from cf_malloc */
    int fragment; /* a '#' was cut */
    char stack[REF_STACK];
};

/* SSE2 (every x86-64) looks at 16 bytes a step; a block with a byte that
 * might matter ends the step and the byte loops after these give the
 * exact verdict from there. A reference is resolved for every link of a
 * page (rust-doc: 40-100 bytes each), and the two byte loops these
 * shorten were 5% of the page stage (bench/README.md).
 *
 * Bytes of s[0..n), from the start, in 16-byte blocks without a byte
 * below 0x21, DEL, '#' or a byte >= 0x80. */
static size_t plain_ref_prefix(const char *s, size_t n)
{
    return cf_plain_blocks(s, n, 0x21, '#');
}

#ifdef __SSE2__
/* The same for the bytes the fast path does not copy as they are: those
 * of url_class (below 0x21, >= 0x7f, "<>\^`{|}, '%'). */
static size_t plain_url_prefix(const char *s, size_t n)
{
    const __m128i lim = _mm_set1_epi8(0x21), del = _mm_set1_epi8(0x7f);
    size_t i = 0;

    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i odd = _mm_or_si128(_mm_cmplt_epi8(v, lim),
                                   _mm_cmpeq_epi8(v, del));

        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('^')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('{')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
        odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('}')));
        if (_mm_movemask_epi8(odd) != 0)
            break;
    }
    return i;
}
#else
static size_t plain_url_prefix(const char *s, size_t n)
{
    (void)s;
    (void)n;
    return 0;
}
#endif

/* Trim, drop tab/CR/LF, cut at '#', encode controls, DEL and space. The
 * text starts 2 bytes into mem so that "./" can be put in front. */
static int ref_prepare(struct ref *r, const char *ref, size_t maxlen)
{
    size_t cap = (maxlen < SIZE_MAX / 8 ? 4 * maxlen : SIZE_MAX / 4);
    size_t n = strnlen(ref, cap + REF_SLACK + 1);
    size_t a = 0, need = 3;
    char *o;

    if (n > cap + REF_SLACK)
        return CF_URL_TOOLONG;
    /* the common case: nothing to trim, drop, cut or encode, or only a
     * fragment to cut after such a start (rust-doc: a third of the
     * references, "struct.X.html#method.y"); what is before the '#'
     * then has nothing to trim or encode either */
    if (n + need <= sizeof(r->stack)) {
        size_t i = plain_ref_prefix(ref, n);

        for (; i < n; i++) {
            unsigned char c = (unsigned char)ref[i];

            if (c <= 0x20 || c == 0x7f || c == '#')
                break;
        }
        if (i == n || ref[i] == '#') {
            r->fragment = i < n;
            n = i;
            r->heap = 0;
            r->mem = r->stack;
            r->s = r->mem + 2;
            memcpy(r->s, ref, n);
            r->s[n] = '\0';
            return CF_URL_OK;
        }
    }
    while (a < n && (unsigned char)ref[a] <= 0x20)
        a++;
    while (n > a && (unsigned char)ref[n - 1] <= 0x20)
        n--;
    r->fragment = 0;
    for (size_t i = a; i < n; i++) {
        if (ref[i] == '#') {
            r->fragment = 1;
            n = i;
            break;
        }
        need += (unsigned char)ref[i] <= 0x20 || ref[i] == 0x7f ? 3 : 1;
    }
    r->heap = need > sizeof(r->stack);
    r->mem = r->heap ? cf_malloc(need) : r->stack;
    r->s = o = r->mem + 2;
    for (size_t i = a; i < n; i++) {
        unsigned char c = (unsigned char)ref[i];

        if (c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c <= 0x20 || c == 0x7f) {
            *o++ = '%';
            *o++ = hexdig[c >> 4];
            *o++ = hexdig[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return CF_URL_OK;
}

static void ref_cleanup(struct ref *r)
{
    if (r->heap)
        free(r->mem);
}

/* The length of s's scheme (up to its ':'), 0 when it has none. */
static size_t scheme_len(const char *s)
{
    size_t i = 1;

    if (!cf_is_alpha((unsigned char)s[0]))
        return 0;
    while (cf_is_alpha((unsigned char)s[i]) ||
           cf_is_digit((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
           s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

/* 1 for http, 2 for https (any case), 0 otherwise. */
static int http_kind(const char *s, size_t n)
{
    if (n == 4 && strncasecmp(s, "http", 4) == 0)
        return 1;
    if (n == 5 && strncasecmp(s, "https", 5) == 0)
        return 2;
    return 0;
}

/* A relative path whose first segment holds a ':' would read as a scheme
 * to curl ("1a:b"); "./" in front keeps it a path. s has 2 bytes of room
 * before it. */
static char *protect_colon(char *s)
{
    size_t i = strcspn(s, ":/?");

    if (s[i] != ':')
        return s;
    s -= 2;
    s[0] = '.';
    s[1] = '/';
    return s;
}

/* ---- step 3: build the normalised text from curl's ---- */

struct out {
    char *p;    /* destination */
    size_t len; /* bytes written */
    size_t cap; /* maxlen: writing past it sets over */
    int over;   /* the cap was hit */
};

static void put(struct out *w, char c)
{
    if (w->len < w->cap)
        w->p[w->len++] = c;
    else
        w->over = 1;
}

static void put_mem(struct out *w, const char *s, size_t n)
{
    if (n <= w->cap - w->len) {
        memcpy(w->p + w->len, s, n);
        w->len += n;
        return;
    }
    for (size_t i = 0; i < n; i++)
        put(w, s[i]);
}

static void put_pct(struct out *w, unsigned char c)
{
    put(w, '%');
    put(w, hexdig[c >> 4]);
    put(w, hexdig[c & 15]);
}

/* Normalise percent-encoding of s[0..n) into w; sets *dot when a decoded
 * %2E may have made a dot segment. */
static void put_encoded(struct out *w, const char *s, size_t n, int *dot)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int hi, lo;

        if (c != '%') {
            if (must_encode(c))
                put_pct(w, c);
            else
                put(w, (char)c);
            continue;
        }
        hi = i + 2 < n ? cf_hexval((unsigned char)s[i + 1]) : -1;
        lo = hi >= 0 ? cf_hexval((unsigned char)s[i + 2]) : -1;
        if (lo < 0) {
            put_mem(w, "%25", 3);
            continue;
        }
        c = (unsigned char)(hi << 4 | lo);
        if (cf_is_unreserved(c)) {
            put(w, (char)c);
            *dot |= c == '.';
        } else {
            put_pct(w, c);
        }
        i += 2;
    }
}

/* RFC 3986 5.2.4 in place on p[0..n), which starts with '/'. */
static size_t remove_dots(char *p, size_t n)
{
    size_t i = 1, o;
    const char *q;

    /* what comes before the first dot segment stays where it is (the
     * base's directory, already free of them): only the rest is walked
     * segment by segment. The dots are found by memchr (few in a path:
     * the dot segments and a file's extension; memmem for "/." cost
     * more than the walk it saved). p[0] is the path's '/'. */
    while ((q = memchr(p + i, '.', n - i)) != NULL) {
        size_t k = (size_t)(q - p) - 1; /* where the segment would start */

        if (p[k] == '/' &&
            (k + 2 == n || p[k + 2] == '/' ||
             (p[k + 2] == '.' && (k + 3 == n || p[k + 3] == '/'))))
            break;
        i = k + 2;
    }
    if (q == NULL)
        return n;
    i = o = (size_t)(q - p) - 1;
    while (i < n) {
        size_t j = i + 1, sl;

        while (j < n && p[j] != '/')
            j++;
        sl = j - i - 1;
        if (sl == 1 && p[i + 1] == '.') {
            if (j == n)
                p[o++] = '/';
        } else if (sl == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
            while (o > 0 && p[--o] != '/')
                ;
            if (j == n)
                p[o++] = '/';
        } else {
            memmove(p + o, p + i, j - i);
            o += j - i;
        }
        i = j;
    }
    return o;
}

/* Check a lower-cased registered name or IPv4 address. */
static int host_check(const char *h, size_t n)
{
    size_t label = 0, last = 0;
    int digits = 1;
    char ip[16];

    if (n > 0 && h[n - 1] == '.')
        n--;
    if (n == 0 || n > HOST_MAX)
        return CF_URL_HOST;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];

        if (c == '.') {
            if (label == 0)
                return CF_URL_HOST;
            label = 0;
            last = i + 1;
            digits = 1;
            continue;
        }
        if (!(cf_is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_'))
            return CF_URL_HOST;
        digits &= cf_is_digit(c);
        if (++label > LABEL_MAX)
            return CF_URL_HOST;
    }
    if (label == 0)
        return CF_URL_HOST;
    /* a name ending in a number must be an IPv4 address (curl has already
     * rewritten the valid ones in dotted decimal) */
    if (digits && (n - last) > 0) {
        struct in_addr a;

        if (n >= sizeof(ip))
            return CF_URL_HOST;
        memcpy(ip, h, n);
        ip[n] = '\0';
        if (inet_pton(AF_INET, ip, &a) != 1)
            return CF_URL_HOST;
    }
    return CF_URL_OK;
}

/* Write the host of curl's authority a[0..n) (no userinfo) and return the
 * length used, or a negative cf_url_err. */
static int put_host(struct out *w, const char *a, size_t n, size_t *used)
{
    size_t i = 0;

    if (n > 0 && a[0] == '[') {
        char tmp[64], text[INET6_ADDRSTRLEN];
        struct in6_addr a6;

        while (i < n && a[i] != ']')
            i++;
        if (i == n || i - 1 >= sizeof(tmp))
            return CF_URL_HOST;
        memcpy(tmp, a + 1, i - 1);
        tmp[i - 1] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1 ||
            inet_ntop(AF_INET6, &a6, text, sizeof(text)) == NULL)
            return CF_URL_HOST;
        put(w, '[');
        put_mem(w, text, strlen(text));
        put(w, ']');
        *used = i + 1;
        return CF_URL_OK;
    }
    while (i < n && a[i] != ':')
        i++;
    {
        size_t start = w->len;

        for (size_t k = 0; k < i; k++)
            put(w, (char)cf_to_lower((unsigned char)a[k]));
        if (!w->over && host_check(w->p + start, i) != CF_URL_OK)
            return CF_URL_HOST;
    }
    *used = i;
    return CF_URL_OK;
}

/* Write ":port" unless it is the scheme's default; s[0..n) is after the
 * host: empty or ':' digits. */
static int put_port(struct out *w, const char *s, size_t n, int https)
{
    long port = 0;

    if (n == 0)
        return CF_URL_OK;
    if (s[0] != ':')
        return CF_URL_HOST;
    if (n == 1)
        return CF_URL_OK;
    for (size_t i = 1; i < n; i++) {
        if (!cf_is_digit((unsigned char)s[i]) || port > 65535)
            return CF_URL_PORT;
        port = port * 10 + (s[i] - '0');
    }
    if (port == 0 || port > 65535)
        return CF_URL_PORT;
    if (port != (https ? 443 : 80)) {
        char num[8];
        int k = 0;

        while (port > 0) {
            num[k++] = (char)('0' + port % 10);
            port /= 10;
        }
        put(w, ':');
        while (k > 0)
            put(w, num[--k]);
    }
    return CF_URL_OK;
}

/* Normalise curl's absolute URL text u into w. */
static int build(const char *u, struct out *w)
{
    const char *auth, *path, *query, *end;
    size_t used, path_at;
    int https, rc, dot = 0;

    auth = strstr(u, "://");
    if (auth == NULL)
        return CF_URL_MALFORMED;
    https = http_kind(u, (size_t)(auth - u));
    if (!https)
        return CF_URL_SCHEME;
    https--;
    auth += 3;
    path = auth + strcspn(auth, "/?#");
    if (memchr(auth, '@', (size_t)(path - auth)) != NULL)
        return CF_URL_USERINFO;
    put_mem(w, https ? "https://" : "http://", https ? 8 : 7);
    rc = put_host(w, auth, (size_t)(path - auth), &used);
    if (rc != CF_URL_OK)
        return rc;
    rc = put_port(w, auth + used, (size_t)(path - auth) - used, https);
    if (rc != CF_URL_OK)
        return rc;
    query = path + strcspn(path, "?#");
    end = query + strcspn(query, "#");
    path_at = w->len;
    if (*path != '/')
        put(w, '/');
    put_encoded(w, path, (size_t)(query - path), &dot);
    if (dot && !w->over)
        w->len = path_at + remove_dots(w->p + path_at, w->len - path_at);
    if (*query == '?' && end - query > 1) {
        put(w, '?');
        put_encoded(w, query + 1, (size_t)(end - query) - 1, &dot);
    }
    return w->over ? CF_URL_TOOLONG : CF_URL_OK;
}

/* ---- where a result goes ---- */

/* A resolved URL goes either into a new string or, for a caller that
 * resolves a page's links into one block (cf_url_resolve_into), at the
 * end of a buffer: a string per link was most of the worker's mallocs. */
struct dest {
    char **s;           /* a new string here when buf is NULL */
    struct cf_buf *buf; /* else appended here, with a NUL after it */
};

/* Put p[0..n) where d says; CF_URL_OK, or CF_URL_TOOLONG when the
 * buffer's cap is hit (then the buffer is as it was). */
static int dest_put(const struct dest *d, const char *p, size_t n)
{
    size_t at;

    if (d->buf == NULL) {
        *d->s = cf_memdup(p, n);
        return CF_URL_OK;
    }
    at = d->buf->len;
    if (cf_buf_add(d->buf, p, n) != 0 || cf_buf_add(d->buf, "", 1) != 0) {
        d->buf->len = at;
        if (d->buf->data)
            d->buf->data[at] = '\0';
        return CF_URL_TOOLONG;
    }
    return CF_URL_OK;
}

/* ---- fast path: plain references resolved without curl ---- */

/* Bytes a prepared reference may hold for the fast path: printable ASCII
 * that needs no percent-encoding work. */
static int plain_byte(unsigned char c)
{
    return url_class[c] == 0;
}

/* 1 when the lower-cased host h[0..n) is a name curl leaves as it is
 * (no IPv4 rewriting, valid labels) or a dotted quad in canonical form;
 * 0 sends the reference to curl. */
static int fast_host(const char *h, size_t n)
{
    size_t i, labels = 0;
    int numeric = 1;

    if (host_check(h, n) != CF_URL_OK)
        return 0;
    /* curl reads a host whose every label starts with a digit as an IPv4
     * address in any of its forms; only a canonical quad stays fast */
    for (i = 0; i < n; i++)
        if ((i == 0 || h[i - 1] == '.') && !cf_is_digit((unsigned char)h[i]))
            numeric = 0;
    if (!numeric)
        return 1;
    for (i = 0; i < n;) {
        size_t j = i;
        int v = 0;

        while (j < n && cf_is_digit((unsigned char)h[j]) && j - i < 3)
            v = v * 10 + (h[j++] - '0');
        if (j == i || v > 255 || (h[i] == '0' && j - i > 1))
            return 0;
        labels++;
        if (j == n)
            break;
        if (h[j] != '.' || j + 1 == n)
            return 0;
        i = j + 1;
    }
    return labels == 4;
}

/* Write the authority a[0..n) ("host[:port]") normalised into w; 0 when it
 * is anything but a plain host and a canonical port. */
static int fast_authority(struct out *w, const char *a, size_t n, int https)
{
    const char *colon = memchr(a, ':', n);
    size_t hl = colon ? (size_t)(colon - a) : n, start = w->len;
    long port = 0;

    if (hl == 0 || memchr(a, '@', n) != NULL || a[0] == '[')
        return 0;
    for (size_t i = 0; i < hl; i++) {
        int c = cf_to_lower((unsigned char)a[i]);

        if (!(cf_is_digit(c) || (c >= 'a' && c <= 'z') || c == '.' ||
              c == '-' || c == '_'))
            return 0;
        put(w, (char)c);
    }
    if (w->over || !fast_host(w->p + start, hl))
        return 0;
    if (colon == NULL)
        return 1;
    if (n - hl < 2 || n - hl > 6 || a[hl + 1] == '0')
        return 0;
    for (size_t i = hl + 1; i < n; i++) {
        if (!cf_is_digit((unsigned char)a[i]))
            return 0;
        port = port * 10 + (a[i] - '0');
    }
    if (port > 65535)
        return 0;
    if (port != (https ? 443 : 80))
        put_mem(w, a + hl, n - hl);
    return 1;
}

/* 1 when p[0..n) has a "." or ".." segment. Found from its dots (a
 * path has few: its dot segments and file extensions) by memchr, not by
 * walking every segment a byte at a time (that walk was 1.4% of the
 * worker's instructions on rust-doc, whose paths are long). */
static int has_dot_segment(const char *p, size_t n)
{
    const char *q = p, *end = p + n;

    while ((q = memchr(q, '.', (size_t)(end - q))) != NULL) {
        if (q == p || q[-1] == '/') {
            const char *e = q + 1 + (q + 1 < end && q[1] == '.');

            if (e == end || *e == '/')
                return 1;
        }
        q++;
    }
    return 0;
}

/* 1 when s holds "//" (a strchr() loop: glibc's strstr() was 1% of the
 * worker on rust-doc, whose links are mostly "../"). */
static int has_double_slash(const char *s)
{
    while ((s = strchr(s, '/')) != NULL) {
        if (s[1] == '/')
            return 1;
        s++;
    }
    return 0;
}

/* A relative path's leading "./" and "../" segments taken against the
 * base's directory that w holds from path_at on (normal: it starts and
 * ends with '/', no dot segments), as remove_dots() would take them,
 * when no dot segment is left after them: then *path moves past them and
 * the path needs no remove_dots() (0 is returned). Else w and *path stay
 * as they were and 1 is returned. Nearly every link of rust-doc is
 * "../"-relative (505,194 of the 569,393 references resolved over its
 * first 3,000 pages went through remove_dots()). */
static int lead_dots(struct out *w, size_t path_at, const char **path,
                     const char *query)
{
    const char *rest = *path;
    size_t len = w->len;

    for (;;) {
        if (rest[0] == '.' && rest[1] == '/') {
            rest += 2;
        } else if (rest[0] == '.' && rest[1] == '.' && rest[2] == '/') {
            rest += 3;
            if (len - path_at > 1) {
                len--;
                while (w->p[len - 1] != '/')
                    len--;
            }
        } else {
            break;
        }
    }
    if (rest == *path || has_dot_segment(rest, (size_t)(query - rest)))
        return 1;
    w->len = len;
    *path = rest;
    return 0;
}

/* Append path p[0..n) (after what w holds from path_at on) and the query
 * q[0..qn) (without its '?'), removing dot segments from the path when
 * dots says p has some (what w holds has none: the base is normal). */
static void fast_tail(struct out *w, size_t path_at, const char *p, size_t n,
                      const char *q, size_t qn, int dots)
{
    put_mem(w, p, n);
    if (w->len == path_at)
        put(w, '/');
    if (dots && !w->over)
        w->len = path_at + remove_dots(w->p + path_at, w->len - path_at);
    if (qn > 0) {
        put(w, '?');
        put_mem(w, q, qn);
    }
}

/* The tail of the fast path for a reference with a '%': build() over the
 * resolved text in w, into maxlen bytes as on the curl path. Returns 1
 * (the result in *rc and d). */
static int fast_pct(struct out *w, size_t maxlen, const struct dest *d,
                    int *rc)
{
    char stack[OUT_STACK];
    struct out b = {stack, 0, maxlen, 0};

    if (w->len == w->cap)
        return 0; /* no room for the NUL: leave it to curl */
    w->p[w->len] = '\0';
    if (maxlen >= sizeof(stack))
        b.p = cf_malloc(maxlen);
    *rc = build(w->p, &b);
    if (*rc == CF_URL_OK)
        *rc = dest_put(d, b.p, b.len);
    if (b.p != stack)
        free(b.p);
    return 1;
}

/* Resolve the prepared reference s against b (NULL: s is absolute http(s)
 * with "//") when every part is plain; returns 0 to leave it to curl,
 * else 1 with the result in *rc and d. */
static int fast_resolve(const struct cf_url_base *b, const char *s,
                        size_t maxlen, const struct dest *d, int *rc)
{
    char stack[OUT_STACK];
    struct out w = {stack, 0, sizeof(stack), 0};
    const char *path, *query, *auth = NULL, *end;
    size_t sl, path_at;
    int https, ok = 1, dots, pct = 0;

    end = s + plain_url_prefix(s, strlen(s));
    for (; *end; end++) {
        if (plain_byte((unsigned char)*end))
            continue;
        if (url_class[(unsigned char)*end] != U_PERCENT)
            return 0;
        pct = 1;
    }
    /* room for the merged path before its dot segments go */
    w.cap = (size_t)(end - s) + (b ? b->len : 0) + 16;
    if (w.cap > sizeof(stack))
        w.p = cf_malloc(w.cap);
    sl = scheme_len(s);
    if (b == NULL || sl > 0) {
        /* absolute: "http(s)://authority..." */
        https = http_kind(s, sl) - 1;
        if (https < 0 || strncmp(s + sl, "://", 3) != 0) {
            ok = 0;
            goto out;
        }
        auth = s + sl + 3;
    } else {
        https = b->str[4] == 's';
        if (s[0] == '/' && s[1] == '/')
            auth = s + 2;
    }
    put_mem(&w, https ? "https://" : "http://", https ? 8 : 7);
    if (auth != NULL) {
        path = auth + strcspn(auth, "/?");
        if (!fast_authority(&w, auth, (size_t)(path - auth), https)) {
            ok = 0;
            goto out;
        }
    } else {
        /* the base's authority, already normal */
        const char *ba = b->str + 7 + https;

        put_mem(&w, ba, b->path_at - (size_t)(ba - b->str));
        path = s;
    }
    path_at = w.len;
    query = path + strcspn(path, "?");
    end = query + strlen(query);
    dots = has_dot_segment(path, (size_t)(query - path));
    if (dots && (*query == '?' || has_double_slash(path))) {
        /* curl reads "./?q" as ".?q" and ".//q" as "./q": keep to it */
        ok = 0;
        goto out;
    }
    if (auth == NULL && path[0] != '/') {
        /* relative path or query only: start from the base's path */
        const char *bp = b->str + b->path_at;

        if (query == path) {
            put_mem(&w, bp, b->query_at - b->path_at);
            path = query;
        } else {
            if (memchr(path, ':', (size_t)(query - path)) != NULL &&
                strcspn(path, "/") >= strcspn(path, ":")) {
                ok = 0; /* "a:b" needs curl's reading */
                goto out;
            }
            put_mem(&w, bp, b->dir_at - b->path_at);
            if (dots)
                dots = lead_dots(&w, path_at, &path, query);
        }
    }
    fast_tail(&w, path_at, path, (size_t)(query - path),
              query + (*query == '?'),
              *query == '?' ? (size_t)(end - query) - 1 : 0, dots);
    if (pct && !w.over) {
        /* What w holds now is the text curl's resolution gives (the host
         * already normal): its percent-encoding gets build()'s
         * normalisation, the step the curl path ends with. */
        ok = fast_pct(&w, maxlen, d, rc);
        goto out;
    }
    if (w.over || w.len > maxlen) {
        *rc = CF_URL_TOOLONG;
    } else {
        *rc = dest_put(d, w.p, w.len);
    }
out:
    if (w.p != stack)
        free(w.p);
    return ok;
}

/* ---- resolve ---- */

/* Parse or resolve the prepared ref with curl and build the result. */
static int curl_resolve(const struct cf_url_base *b, const char *s,
                        size_t maxlen, const struct dest *d)
{
    CURLU *cu = b ? curl_url_dup(b->cu) : curl_url();
    char *text = NULL, stack[OUT_STACK];
    struct out w = {stack, 0, maxlen, 0};
    locale_t old = (locale_t)0;
    CURLUcode uc;
    int rc;

    if (cu == NULL)
        abort(); /* curl's allocations failed: out of memory */
    uc = curl_url_set(cu, CURLUPART_URL, s, 0);
    if (uc != CURLUE_OK) {
        rc = curl_err(uc);
        goto out;
    }
    if (utf8_locale != (locale_t)0)
        old = uselocale(utf8_locale);
    uc = curl_url_get(cu, CURLUPART_URL, &text,
                      CURLU_PUNYCODE | CURLU_NO_DEFAULT_PORT);
    if (utf8_locale != (locale_t)0)
        uselocale(old);
    if (uc != CURLUE_OK) {
        rc = curl_err(uc);
        goto out;
    }
    if (maxlen >= sizeof(stack))
        w.p = cf_malloc(maxlen);
    rc = build(text, &w);
    if (rc == CF_URL_OK)
        rc = dest_put(d, w.p, w.len);
    if (w.p != stack)
        free(w.p);
out:
    curl_free(text);
    curl_url_cleanup(cu);
    return rc;
}

/* cf_url_resolve(), with fast = 0: every reference through curl. */
static int resolve(const struct cf_url_base *b, const char *ref,
                   size_t maxlen, const struct dest *d, int fast)
{
    struct ref r;
    size_t sl;
    int rc, kind;
    const char *s;

    if (d->buf == NULL)
        *d->s = NULL;
    if (maxlen == 0)
        maxlen = CF_URL_MAX_DEFAULT;
    if (ref == NULL)
        return CF_URL_EMPTY;
    pthread_once(&url_once, url_init);
    rc = ref_prepare(&r, ref, maxlen);
    if (rc != CF_URL_OK)
        return rc;
    s = r.s;
    sl = scheme_len(r.s);
    kind = sl ? http_kind(r.s, sl) : 0;
    if (sl && !kind) {
        rc = CF_URL_SCHEME;
    } else if (sl && (strncmp(r.s + sl + 1, "//", 2) == 0 || b == NULL ||
                      kind != 1 + (b->str[4] == 's'))) {
        /* absolute; "http:x" without a same-scheme base goes to curl */
        if (!fast || !fast_resolve(NULL, s, maxlen, d, &rc))
            rc = curl_resolve(NULL, s, maxlen, d);
    } else {
        /* relative; "http:x" against an http base is "x" */
        char *rel = protect_colon(r.s + (sl ? sl + 1 : 0));

        if (b == NULL)
            rc = *rel || r.fragment ? CF_URL_RELATIVE : CF_URL_EMPTY;
        else if (*rel == '\0' && b->len > maxlen)
            rc = CF_URL_TOOLONG;
        else if (*rel == '\0')
            rc = dest_put(d, b->str, b->len);
        else if (!fast || !fast_resolve(b, rel, maxlen, d, &rc))
            rc = curl_resolve(b, rel, maxlen, d);
    }
    ref_cleanup(&r);
    return rc;
}

int cf_url_resolve(const struct cf_url_base *b, const char *ref, size_t maxlen,
                   char **out)
{
    struct dest d = {out, NULL};

    return resolve(b, ref, maxlen, &d, 1);
}

int cf_url_resolve_into(const struct cf_url_base *b, const char *ref,
                        size_t maxlen, struct cf_buf *into)
{
    struct dest d = {NULL, into};

    return resolve(b, ref, maxlen, &d, 1);
}

int cf_url_resolve_curl(const struct cf_url_base *b, const char *ref,
                        size_t maxlen, char **out)
{
    struct dest d = {out, NULL};

    return resolve(b, ref, maxlen, &d, 0);
}

struct cf_url_base *cf_url_base_new(const char *url, int *err)
{
    struct cf_url_base *b = NULL;
    char *norm = NULL;
    int rc;

    rc = cf_url_resolve(NULL, url, BASE_MAX, &norm);
    if (rc != CF_URL_OK)
        goto out;
    b = cf_calloc(1, sizeof(*b));
    b->cu = curl_url();
    if (b->cu == NULL)
        abort(); /* out of memory */
    if (curl_url_set(b->cu, CURLUPART_URL, norm, 0) != CURLUE_OK) {
        rc = CF_URL_MALFORMED;
        cf_url_base_free(b);
        b = NULL;
        goto out;
    }
    b->str = norm;
    b->len = strlen(norm);
    /* a normalised URL: "http(s)://authority/path[?query]" */
    b->path_at = (size_t)(strchr(norm + 8, '/') - norm);
    b->query_at = b->path_at + strcspn(norm + b->path_at, "?");
    b->dir_at = b->query_at;
    while (norm[b->dir_at - 1] != '/')
        b->dir_at--;
    norm = NULL;
out:
    free(norm);
    if (err != NULL)
        *err = rc;
    return b;
}

void cf_url_base_free(struct cf_url_base *b)
{
    if (b == NULL)
        return;
    curl_url_cleanup(b->cu);
    free(b->str);
    free(b);
}

const char *cf_url_base_str(const struct cf_url_base *b)
{
    return b->str;
}

int cf_url_normalize(const char *base, const char *ref, size_t maxlen,
                     char **out)
{
    struct cf_url_base *b;
    int rc;

    *out = NULL;
    if (base == NULL)
        return cf_url_resolve(NULL, ref, maxlen, out);
    b = cf_url_base_new(base, &rc);
    if (b == NULL)
        return rc;
    rc = cf_url_resolve(b, ref, maxlen, out);
    cf_url_base_free(b);
    return rc;
}

/* ---- normalised text, without curl ---- */

int cf_url_split(const char *url, struct cf_url_parts *p)
{
    const char *h, *s;
    long port = 0;

    if (url == NULL || *url == '\0')
        return CF_URL_EMPTY;
    if (strncmp(url, "http://", 7) == 0) {
        p->scheme_len = 4;
    } else if (strncmp(url, "https://", 8) == 0) {
        p->scheme_len = 5;
    } else {
        return scheme_len(url) ? CF_URL_SCHEME : CF_URL_MALFORMED;
    }
    p->scheme = url;
    h = s = url + p->scheme_len + 3;
    if (*s == '[') {
        s++;
        while (*s == ':' || *s == '.' || cf_is_digit((unsigned char)*s) ||
               (*s >= 'a' && *s <= 'f'))
            s++;
        if (*s++ != ']')
            return CF_URL_HOST;
    } else {
        while ((*s >= 'a' && *s <= 'z') || cf_is_digit((unsigned char)*s) ||
               *s == '.' || *s == '-' || *s == '_')
            s++;
    }
    if (s == h || s - h > HOST_MAX + 1)
        return CF_URL_HOST;
    p->host = h;
    p->host_len = (size_t)(s - h);
    if (*s == ':') {
        const char *d = ++s;

        while (cf_is_digit((unsigned char)*s) && s - d < 6)
            port = port * 10 + (*s++ - '0');
        if (s == d || port == 0 || port > 65535)
            return CF_URL_PORT;
    } else {
        port = p->scheme_len == 5 ? 443 : 80;
    }
    if (*s != '/' && *s != '\0')
        return CF_URL_MALFORMED;
    p->port = (int)port;
    p->path = s;
    p->path_len = strlen(s);
    return CF_URL_OK;
}

int cf_url_hostkey_parts(const struct cf_url_parts *p, char *buf,
                         size_t len)
{
    char digits[8];
    size_t n, k = 0;

    for (int port = p->port; port > 0; port /= 10)
        digits[k++] = (char)('0' + port % 10);
    n = p->scheme_len + 3 + p->host_len;
    if (len < n + 1 + k + 1)
        return CF_URL_TOOLONG;
    memcpy(buf, p->scheme, n); /* "scheme://host", contiguous */
    buf[n++] = ':';
    while (k > 0)
        buf[n++] = digits[--k];
    buf[n] = '\0';
    return CF_URL_OK;
}

int cf_url_hostkey(const char *url, char *buf, size_t len)
{
    struct cf_url_parts p;

    if (cf_url_split(url, &p) != CF_URL_OK)
        return CF_URL_MALFORMED;
    return cf_url_hostkey_parts(&p, buf, len);
}

int cf_url_registrable(const char *host, char *buf, size_t len)
{
    char low[HOST_MAX + 2];
    const char *r = NULL;
    size_t n;

    if (host == NULL || *host == '\0')
        return CF_URL_HOST;
    n = strlen(host);
    if (n < sizeof(low) && host[0] != '[' && strchr(host, ':') == NULL) {
        struct in_addr a;

        for (size_t i = 0; i <= n; i++)
            low[i] = (char)cf_to_lower((unsigned char)host[i]);
        pthread_once(&url_once, url_init);
        if (psl != NULL && inet_pton(AF_INET, low, &a) != 1)
            r = psl_registrable_domain(psl, low);
    }
    if (r != NULL) {
        host += r - low;
        n -= (size_t)(r - low);
    }
    if (n + 1 > len)
        return CF_URL_TOOLONG;
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char)cf_to_lower((unsigned char)host[i]);
    return CF_URL_OK;
}
