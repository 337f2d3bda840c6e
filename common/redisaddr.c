/* redisaddr.c - parse, format and connect to a Redis address.
 *
 * The password is kept in struct cf_redis_addr only to be sent in AUTH:
 * every message this file writes shows the address through a masking
 * formatter, and error messages about a malformed address mask the raw
 * text before quoting it.
 *
 * redis:// addresses are split by libcurl's URL API (already linked for
 * fetching); parse_tcp() lists what is decided around it and why.
 * unix:///path[?db=N] is a socket path and one parameter, which curl has
 * no model for (it reads unix:///run/r.sock as host "run", path
 * "/r.sock"), so parse_unix() keeps its own few lines. */
#include "ascii.h"
#include "redisaddr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <curl/curl.h>

#include "alloc.h"
#include "err.h"

#define DEFAULT_PORT 6379
#define DB_MAX 1000000          /* sanity cap on a SELECT index */
#define SHOW_MAX 160            /* bytes of an address quoted in errors */
#define DEFAULT_TIMEOUT_MS 5000 /* when the caller passes <= 0 */

/* A message into errstr, cut to CF_ERRSTR_LEN. */
static void errf(char *errstr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void errf(char *errstr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errstr, CF_ERRSTR_LEN, fmt, ap);
    va_end(ap);
}

/* s with any "user:password@" cut down to "user:***@", into out. Used to
 * quote an address that did not parse, so even a malformed one with a
 * password in it is safe to print. */
static void mask_raw(const char *s, char *out, size_t len)
{
    const char *scheme = strstr(s, "://");
    const char *start = scheme ? scheme + 3 : s;
    const char *at = strrchr(start, '@');
    const char *colon;

    if (!at) {
        snprintf(out, len, "%.*s", SHOW_MAX, s);
        return;
    }
    colon = memchr(start, ':', (size_t)(at - start));
    if (!colon)
        colon = start - 1; /* no user part: mask it all */
    snprintf(out, len, "%.*s%s%.*s", (int)(colon + 1 - s), s, "***", SHOW_MAX,
             at);
}

static int fail(char *errstr, const char *raw, const char *what)
{
    char shown[SHOW_MAX * 2 + 8];

    mask_raw(raw, shown, sizeof(shown));
    errf(errstr, "bad Redis address '%s': %s", shown, what);
    return CF_EINVAL;
}

/* Whether every '%' in s is followed by two hex digits and none of them
 * encodes a NUL (the text becomes a C string). curl leaves a bad escape
 * such as "%zz" as it is when it decodes; redis-cli -u refuses it. */
static int escapes_ok(const char *s)
{
    for (; *s; s++) {
        if (*s != '%')
            continue;
        if (cf_hexval((unsigned char)s[1]) < 0 ||
            cf_hexval((unsigned char)s[2]) < 0 || (s[1] == '0' && s[2] == '0'))
            return 0;
        s += 2;
    }
    return 1;
}

/* The percent-decoded text of one credential part of u into *out: NULL
 * when absent or empty (no user, or no AUTH). 0, or -1 for a bad escape.
 * curl_easy_unescape decodes every byte but NUL, which escapes_ok has
 * refused; curl_url_get's own decoding would refuse all control bytes,
 * which a Redis password may hold. */
static int credential(CURLU *u, CURLUPart part, char **out)
{
    char *raw = NULL, *dec;
    int len = 0, rc = 0;

    *out = NULL;
    if (curl_url_get(u, part, &raw, 0) != CURLUE_OK)
        return 0;
    if (!escapes_ok(raw)) {
        rc = -1;
    } else if (*raw) {
        dec = curl_easy_unescape(NULL, raw, 0, &len);
        if (!dec)
            cf_oom();
        *out = cf_memdup(dec, (size_t)len);
        curl_free(dec);
    }
    curl_free(raw);
    return rc;
}

/* Digits only, value in [lo, hi]; -1 otherwise. */
static long parse_num(const char *s, size_t n, long lo, long hi)
{
    long v = 0;

    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!cf_is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* What curl does not decide about a host it accepted: the name
 * characters a resolver takes (curl lets IDN bytes and '~' or '|'
 * through), or an IPv6 literal. */
static int host_ok(const char *h, int v6)
{
    if (!*h)
        return 0;
    for (; *h; h++) {
        int ch = (unsigned char)*h;

        if (v6 ? !(cf_hexval(ch) >= 0 || ch == ':' || ch == '.')
               : !(cf_is_alpha(ch) || cf_is_digit(ch) || ch == '.' ||
                   ch == '-' || ch == '_'))
            return 0;
    }
    return 1;
}

/* Checks on the raw authority ("user:password@host:port", p just past
 * "redis://") for two things curl decides otherwise than a Redis operator
 * expects: a second '@' (curl calls it a bad host name; the operator
 * needs to hear that an '@' in a password is written %40), and an empty
 * port, "redis://h:" (curl takes it as no port; it is more likely a
 * template with its port missing than a wish for 6379). NULL or what is
 * wrong. */
static const char *authority_check(const char *p)
{
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n), *hp;
    size_t hn;

    if (at && memchr(at + 1, '@', n - (size_t)(at + 1 - p)))
        return "an '@' in the user or password must be written %40";
    hp = at ? at + 1 : p;
    hn = n - (size_t)(hp - p);
    if (hn > 0 && hp[hn - 1] == ':' && (hp[0] != '[' || memchr(hp, ']', hn)))
        return "port must be a number from 1 to 65535";
    return NULL;
}

/* curl's verdict on a redis:// URL it refused, as the part to fix. */
static const char *curl_reason(CURLUcode uc)
{
    switch (uc) {
    case CURLUE_NO_HOST:
        return "empty host";
    case CURLUE_BAD_PORT_NUMBER:
        return "port must be a number from 1 to 65535";
    case CURLUE_BAD_IPV6:
        return "bad IPv6 host (redis://[::1]:6379)";
    case CURLUE_BAD_HOSTNAME:
        return "bad character in host";
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
        return "bad character in credentials";
    default:
        return curl_url_strerror(uc);
    }
}

/* redis://[[user]:password@]host[:port][/db], split by libcurl's URL API
 * (CURLU_NON_SUPPORT_SCHEME: curl knows no redis scheme). curl decides
 * the syntax: what a host, a port, user info and a path may hold; the
 * checks around it say what a Redis address means, as redis-cli -u reads
 * it where that is sane:
 *   - "redis://bob:p@ss@h" (a bare '@' in the password): refused, with a
 *     hint to write %40. curl refuses it too; redis-cli splits at the
 *     first '@' and tries host "ss@h", which fails later and less clearly.
 *   - "redis://h:" (empty port): refused; curl reads it as no port,
 *     redis-cli as port 0. Port 0 is refused too (curl allows it).
 *   - "%zz" and "%00" in credentials: refused, as redis-cli does; curl
 *     would keep "%zz" undecoded and send it as part of the password.
 *   - "redis://secret@h" (no ':'): refused. redis-cli takes it as a
 *     password, curl and redis-py as a user name; an address that
 *     clients read differently is a question, not an answer.
 *   - a query or fragment, an IPv6 zone id, a path other than a db
 *     number: refused (curl accepts each). */
static int parse_tcp(const char *raw, const char *p, struct cf_redis_addr *a,
                     char *errstr)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL, *extra = NULL;
    const char *why = authority_check(p);
    CURLUcode uc;
    int rc = CF_EINVAL;
    long n;

    if (!u)
        cf_oom();
    if (why)
        goto out;
    uc = curl_url_set(u, CURLUPART_URL, raw, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        why = curl_reason(uc);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &extra, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &extra, 0) == CURLUE_OK) {
        why = "no ?query or #fragment (the db is the path: redis://host/N)";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_ZONEID, &extra, 0) == CURLUE_OK) {
        why = "IPv6 zone ids are not supported";
        goto out;
    }
    if (credential(u, CURLUPART_USER, &a->user) != 0 ||
        credential(u, CURLUPART_PASSWORD, &a->password) != 0) {
        why = "bad %-escape in credentials";
        goto out;
    }
    if (a->user && !a->password &&
        curl_url_get(u, CURLUPART_PASSWORD, &extra, 0) != CURLUE_OK) {
        why = "credentials must be user:password or :password";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        why = "empty host";
        goto out;
    }
    if (host[0] == '[') {
        size_t len = strlen(host);
        host[len - 1] = '\0'; /* curl keeps the brackets of an IPv6 host */
        if (!host_ok(host + 1, 1)) {
            why = "bad character in host";
            goto out;
        }
        a->host = cf_strdup(host + 1);
    } else if (!host_ok(host, 0)) {
        why = "bad character in host";
        goto out;
    } else {
        a->host = cf_strdup(host);
    }
    a->port = DEFAULT_PORT;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
        n = parse_num(port, strlen(port), 1, 65535);
        if (n < 0) {
            why = "port must be a number from 1 to 65535";
            goto out;
        }
        a->port = (int)n;
    }
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
        strcmp(path, "/") != 0) {
        n = parse_num(path + 1, strlen(path + 1), 0, DB_MAX);
        if (n < 0) {
            why = "db must be a number from 0 to 1000000";
            goto out;
        }
        a->db = (int)n;
    }
    rc = CF_OK;

out:
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(extra);
    curl_url_cleanup(u);
    return rc == CF_OK ? CF_OK : fail(errstr, raw, why);
}

static int parse_unix(const char *raw, const char *p, struct cf_redis_addr *a,
                      char *errstr)
{
    size_t len = strcspn(p, "?");
    const char *query = p + len;
    long n;

    if (len == 0 || p[0] != '/')
        return fail(errstr, raw,
                    "socket path must be absolute (unix:///path.sock)");
    if (len >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return fail(errstr, raw, "socket path too long");
    a->path = cf_strndup(p, len);
    if (*query == '\0')
        return CF_OK;
    if (strncmp(query, "?db=", 4) != 0)
        return fail(errstr, raw, "the only parameter is ?db=N");
    n = parse_num(query + 4, strlen(query + 4), 0, DB_MAX);
    if (n < 0)
        return fail(errstr, raw, "db must be a number from 0 to 1000000");
    a->db = (int)n;
    return CF_OK;
}

int cf_redis_addr_parse(const char *s, struct cf_redis_addr *a, char *errstr)
{
    int rc;

    memset(a, 0, sizeof(*a));
    if (!s || !*s) {
        errf(errstr, "empty Redis address");
        return CF_EINVAL;
    }
    if (strncasecmp(s, "redis://", 8) == 0)
        rc = parse_tcp(s, s + 8, a, errstr);
    else if (strncasecmp(s, "unix://", 7) == 0)
        rc = parse_unix(s, s + 7, a, errstr);
    else if (strncasecmp(s, "rediss://", 9) == 0)
        rc = fail(errstr, s, "TLS (rediss://) is not supported");
    else
        rc = fail(errstr, s,
                  "use redis://[[user]:password@]host[:port][/db] or "
                  "unix:///path.sock[?db=N]");
    if (rc != CF_OK)
        cf_redis_addr_cleanup(a);
    return rc;
}

static void fill_from_env(char **slot, const char *var)
{
    const char *v = getenv(var);

    if (*slot == NULL && v && *v)
        *slot = cf_strdup(v);
}

int cf_redis_addr_resolve(const char *flag, struct cf_redis_addr *a,
                          char *errstr)
{
    const char *s = flag;
    int rc;

    if (!s) {
        s = getenv("CRAWLFLEET_REDIS");
        if (!s || !*s)
            s = CF_REDIS_DEFAULT;
    }
    rc = cf_redis_addr_parse(s, a, errstr);
    if (rc != CF_OK)
        return rc;
    fill_from_env(&a->user, "CRAWLFLEET_REDIS_USER");
    fill_from_env(&a->password, "CRAWLFLEET_REDIS_PASSWORD");
    return CF_OK;
}

void cf_redis_addr_cleanup(struct cf_redis_addr *a)
{
    if (!a)
        return;
    free(a->host);
    free(a->path);
    free(a->user);
    if (a->password)
        memset(a->password, 0, strlen(a->password));
    free(a->password);
    memset(a, 0, sizeof(*a));
}

char *cf_redis_addr_format(const struct cf_redis_addr *a, char *buf, size_t len)
{
    char cred[160] = "", db[24] = "";
    const char *user = a->user ? a->user : "";

    if (a->path) {
        if (a->db)
            snprintf(db, sizeof(db), "?db=%d", a->db);
        snprintf(buf, len, "unix://%s%s", a->path, db);
        return buf;
    }
    if (a->password)
        snprintf(cred, sizeof(cred), "%.100s:***@", user);
    else if (a->user)
        snprintf(cred, sizeof(cred), "%.100s@", user);
    if (a->db)
        snprintf(db, sizeof(db), "/%d", a->db);
    if (a->host && strchr(a->host, ':'))
        snprintf(buf, len, "redis://%s[%s]:%d%s", cred, a->host, a->port, db);
    else
        snprintf(buf, len, "redis://%s%s:%d%s", cred, a->host ? a->host : "",
                 a->port, db);
    return buf;
}

/* Copy a server's reply text, with the password cut out should a server
 * ever echo it. */
static void scrub(char *out, size_t len, const char *text, const char *pw)
{
    const char *hit;
    size_t k = 0, pl = pw ? strlen(pw) : 0;

    if (len == 0)
        return;
    while (*text && k + 1 < len) {
        hit = pl ? strstr(text, pw) : NULL;
        if (hit == text) {
            k += (size_t)snprintf(out + k, len - k, "***");
            if (k >= len)
                k = len - 1;
            text += pl;
            continue;
        }
        out[k++] = *text++;
    }
    out[k] = '\0';
}

/* Send one command; 0 if it got a non-error reply, else the message. */
static int command(redisContext *c, const struct cf_redis_addr *a, char *msg,
                   size_t len, int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    int rc = CF_OK;

    if (!r) {
        scrub(msg, len, c->errstr, a->password);
        return CF_EREDIS;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        scrub(msg, len, r->str ? r->str : "error", a->password);
        rc = CF_EREDIS;
    }
    freeReplyObject(r);
    return rc;
}

redisContext *cf_redis_connect(const struct cf_redis_addr *a, int timeout_ms,
                               char *errstr)
{
    char shown[512], msg[CF_ERRSTR_LEN], dbtext[24];
    struct timeval tv;
    redisContext *c;
    const char *argv[3];

    if (timeout_ms <= 0)
        timeout_ms = DEFAULT_TIMEOUT_MS;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    cf_redis_addr_format(a, shown, sizeof(shown));
    if (a->path)
        c = redisConnectUnixWithTimeout(a->path, tv);
    else
        c = redisConnectWithTimeout(a->host, a->port, tv);
    if (!c || c->err) {
        errf(errstr, "cannot connect to %s: %s", shown,
             c ? c->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        errf(errstr, "cannot set timeout on %s: %s", shown, c->errstr);
        goto fail;
    }
    if (!a->path)
        redisEnableKeepAlive(c);
    if (a->password) {
        int argc = 0;
        argv[argc++] = "AUTH";
        if (a->user)
            argv[argc++] = a->user;
        argv[argc++] = a->password;
        if (command(c, a, msg, sizeof(msg), argc, argv) != CF_OK) {
            errf(errstr, "redis AUTH failed for %s: %s", shown, msg);
            goto fail;
        }
    }
    /* SELECT (or PING) now, so a server that wants a password, or a bad
     * db, is reported here rather than at the first real command. */
    snprintf(dbtext, sizeof(dbtext), "%d", a->db);
    argv[0] = a->db ? "SELECT" : "PING";
    argv[1] = dbtext;
    if (command(c, a, msg, sizeof(msg), a->db ? 2 : 1, argv) != CF_OK) {
        if (strncmp(msg, "NOAUTH", 6) == 0)
            errf(errstr,
                 "redis at %s needs a password (in the URL or "
                 "CRAWLFLEET_REDIS_PASSWORD): %s",
                 shown, msg);
        else if (a->db)
            errf(errstr, "redis SELECT %d failed for %s: %s", a->db, shown,
                 msg);
        else
            errf(errstr, "redis PING failed for %s: %s", shown, msg);
        goto fail;
    }
    return c;

fail:
    redisFree(c);
    return NULL;
}
