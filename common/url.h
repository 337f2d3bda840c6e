/* url.h - URL parsing, reference resolution and normalisation.
 *
 * Built on libcurl's URL API (CURLU), with a fast path of its own for
 * plain ASCII references (see url.c). A normalised URL is absolute, http or
 * https, has no userinfo and no fragment, and is in the form of RFC 3986
 * section 6: scheme and host in lower case, IDN hosts in punycode, default
 * port dropped, dot segments removed, percent-encoding with upper-case hex
 * and unreserved characters decoded, empty path written "/". Two spellings
 * of one resource normalise to the same bytes, and so to one fingerprint. */
#ifndef CF_URL_H
#define CF_URL_H

#include <stddef.h>

#define CF_URL_MAX_DEFAULT 2048

enum cf_url_err {
    CF_URL_OK = 0,
    CF_URL_EMPTY = -1,     /* nothing to parse */
    CF_URL_MALFORMED = -2, /* not a URL */
    CF_URL_SCHEME = -3,    /* not http or https (mailto:, javascript:, ...) */
    CF_URL_USERINFO = -4,  /* user:password@ present */
    CF_URL_TOOLONG = -5,   /* over the length cap */
    CF_URL_HOST = -6,      /* missing or invalid host */
    CF_URL_PORT = -7,      /* invalid port */
    CF_URL_RELATIVE = -8,  /* relative reference with no base */
};

/* A short message for err, e.g. "scheme not http(s)". Never NULL. */
const char *cf_url_strerror(int err);
/* A stable one-word name for err, for counters: "scheme", "userinfo"... */
const char *cf_url_errname(int err);

/* A parsed base URL for resolving many references (a page's links). */
struct cf_url_base;

/* Parse and normalise an absolute URL as a base. Returns NULL and sets
 * *err when it is not a valid http(s) URL. */
struct cf_url_base *cf_url_base_new(const char *url, int *err);
void cf_url_base_free(struct cf_url_base *b);
/* The normalised text of the base (owned by b). */
const char *cf_url_base_str(const struct cf_url_base *b);

/* Resolve ref (RFC 3986 section 5; leading and trailing ASCII whitespace
 * is trimmed as browsers do) against base b (may be NULL: ref must then be
 * absolute) and normalise. On success *out is a heap string the caller
 * frees; on error *out is NULL and a cf_url_err is returned. maxlen caps
 * the normalised result (0 means CF_URL_MAX_DEFAULT). */
int cf_url_resolve(const struct cf_url_base *b, const char *ref,
                   size_t maxlen, char **out);

/* cf_url_resolve() into a buffer: on CF_URL_OK the URL and a NUL after
 * it are appended to into (the URL starts at the into->len of before the
 * call); on any error into is as it was. CF_URL_TOOLONG also when into's
 * cap is hit. For a caller that keeps many URLs in one block. */
struct cf_buf;
int cf_url_resolve_into(const struct cf_url_base *b, const char *ref,
                        size_t maxlen, struct cf_buf *into);

/* cf_url_resolve() without its fast path: every reference is parsed by
 * curl. Same contract and, by design, the same results (for tests and
 * fuzzers comparing the two). */
int cf_url_resolve_curl(const struct cf_url_base *b, const char *ref,
                        size_t maxlen, char **out);

/* Shorthand: resolve ref against base text (NULL for none). */
int cf_url_normalize(const char *base, const char *ref, size_t maxlen,
                     char **out);

/* The parts of a normalised URL, pointing into it (not terminated). */
struct cf_url_parts {
    const char *scheme; /* "http" or "https" */
    size_t scheme_len;
    const char *host;   /* lower case, punycode; IPv6 in brackets */
    size_t host_len;
    int port;           /* explicit or default (80/443) */
    const char *path;   /* from the first '/' to the end (path + query) */
    size_t path_len;
};

/* Split a normalised URL; 0 or a cf_url_err. */
int cf_url_split(const char *url, struct cf_url_parts *p);

/* The host key "scheme://host:port" (port always written) that names a
 * host's queue. Writes into buf; 0, CF_URL_MALFORMED or CF_URL_TOOLONG. */
int cf_url_hostkey(const char *url, char *buf, size_t len);
/* The same from parts cf_url_split filled: 0 or CF_URL_TOOLONG. */
int cf_url_hostkey_parts(const struct cf_url_parts *p, char *buf,
                         size_t len);

/* The registrable domain (eTLD+1, public suffix list through libpsl) of a
 * lower-case host, or the host itself for IP literals and hosts that have
 * none. Writes into buf; 0 or CF_URL_TOOLONG. */
int cf_url_registrable(const char *host, char *buf, size_t len);

#endif
