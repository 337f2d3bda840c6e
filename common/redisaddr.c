/* redisaddr.c - parse, format and connect to a Redis address.
 *
 * The password is kept in struct cf_redis_addr only to be sent in AUTH:
 * every message this file writes shows the address through a masking
 * formatter, and error messages about a malformed address mask the raw
 * text before quoting it. */
#include "ascii.h"
#include "redisaddr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

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

/* Percent-decode s[0..n) into a heap string; NULL if malformed or it
 * would hold a NUL. Sets *out to NULL for an empty input. */
static int decode(const char *s, size_t n, char **out)
{
    char *d = cf_malloc(n + 1), *q = d;

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *q++ = s[i];
            continue;
        }
        int hi = i + 2 < n ? cf_hexval((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < n ? cf_hexval((unsigned char)s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
            *q++ = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        free(d);
        return -1;
    }
    *q = '\0';
    if (q == d)
        free(d);
    else
        *out = d;
    return 0;
}

/* Digits only, value in [lo, hi]; -1 otherwise. */
static long parse_num(const char *s, size_t n, long lo, long hi)
{
    long v = 0;

    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

static int host_char_ok(int ch, int v6)
{
    if (v6)
        return isxdigit(ch) || ch == ':' || ch == '.';
    return isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
}

static int parse_tcp(const char *raw, const char *p, struct cf_redis_addr *a,
                     char *errstr)
{
    const char *at = strrchr(p, '@'), *h, *end;
    int v6 = 0;
    long n;

    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon)
            return fail(errstr, raw,
                        "credentials must be user:password or :password");
        if (decode(p, (size_t)(colon - p), &a->user) != 0 ||
            decode(colon + 1, (size_t)(at - colon - 1), &a->password) != 0)
            return fail(errstr, raw, "bad %-escape in credentials");
        p = at + 1;
    }
    if (*p == '[') {
        v6 = 1;
        h = p + 1;
        end = strchr(h, ']');
        if (!end)
            return fail(errstr, raw, "missing ']' after IPv6 host");
        p = end + 1;
    } else {
        h = p;
        end = p + strcspn(p, ":/?#");
        p = end;
    }
    if (end == h)
        return fail(errstr, raw, "empty host");
    for (const char *q = h; q < end; q++)
        if (!host_char_ok((unsigned char)*q, v6))
            return fail(errstr, raw, "bad character in host");
    a->host = cf_strndup(h, (size_t)(end - h));
    a->port = DEFAULT_PORT;
    if (*p == ':') {
        size_t len = strcspn(p + 1, "/");
        n = parse_num(p + 1, len, 1, 65535);
        if (n < 0)
            return fail(errstr, raw, "port must be a number from 1 to 65535");
        a->port = (int)n;
        p += 1 + len;
    }
    if (*p == '/') {
        size_t len = strlen(p + 1);
        n = len == 0 ? 0 : parse_num(p + 1, len, 0, DB_MAX);
        if (n < 0)
            return fail(errstr, raw, "db must be a number from 0 to 1000000");
        a->db = (int)n;
        p += 1 + len;
    }
    if (*p != '\0')
        return fail(errstr, raw, "unexpected text after the host");
    return CF_OK;
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
