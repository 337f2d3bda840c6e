/* fetch.h - HTTP transfers with curl's multi-socket API on the event loop.
 *
 * One curl multi handle per process drives every transfer: curl tells us
 * which sockets to watch (socket callback) and when to wake it (timer
 * callback); libevent does the waiting. Connections are reused across
 * transfers (HTTP/1.1 keep-alive, HTTP/2 multiplexing), easy handles are
 * kept on a free list.
 *
 * Redirects are not followed here (except for robots.txt): the caller
 * reads the target from struct fetch_xfer.redirect_url. The body is capped
 * on decoded bytes. The SSRF guard checks the address each new connection
 * actually goes to and refuses loopback, private, link-local, multicast and
 * unspecified addresses unless allow_private is set. */
#ifndef WORKER_FETCH_H
#define WORKER_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "digest.h"
#include "err.h"

/* The status line and headers of a response kept as received (for the
 * WARC response record and the result's header fields). */
#define FETCH_HEAD_MAX (64 * 1024)
#define FETCH_WHY_LEN 200

struct fetch;
struct fetch_xfer;

/* Called once when a transfer ends (never for fetch_abort()). x stays
 * owned by the caller, who may free it inside the callback: the fetch
 * module does not touch it afterwards. */
typedef void fetch_done_cb(struct fetch_xfer *x, void *arg);

/* What to fetch and how. Strings are copied by curl. */
struct fetch_opts {
    const char *url;
    const char *user_agent;
    const char *proxy;          /* NULL for none */
    const char *headers;        /* "Name: value" lines joined by '\n', or
                                 * NULL (copied) */
    CURLSH *jar;                /* the crawl's cookie jar (fetch_jar_new),
                                 * or NULL: no cookies */
    struct fetch_cas *cas;      /* extra trusted CAs, or NULL */
    int insecure;               /* no TLS certificate or name checks */
    const char *resolve;        /* "host:port:addr" lines joined by '\n':
                                 * connect to addr for host:port (the TLS
                                 * name stays host), or NULL */
    long connect_timeout_ms;
    long timeout_ms;            /* whole transfer */
    long low_speed_bps;         /* abort below this rate ... */
    long low_speed_ms;          /* ... for this long */
    size_t max_body;            /* decoded bytes kept */
    int allow_private;          /* lift the SSRF guard */
    const char *types;          /* content types read (fetch_type_wanted;
                                 * NULL: all); others stop after the
                                 * headers (copied) */
    int follow;                 /* follow up to max_redirects (robots) */
    long max_redirects;
    int truncate;               /* at max_body keep what came (robots) */
    int keep_request;           /* keep the request headers as sent */
};

/* A transfer. Embed it in the caller's job; fields below the line are
 * results, valid in the done callback. */
struct fetch_xfer {
    CURL *easy;                 /* while running */
    struct fetch *f;            /* owner multi while running */
    fetch_done_cb *cb;          /* completion */
    void *arg;
    int allow_private;          /* copy of the option */
    char *types;                /* copy of the option */
    int truncate;
    struct curl_slist *headers; /* extra request headers, owned */
    int keep_request;
    struct cf_sha1 sha;         /* over the decoded body as it comes */
    struct curl_slist *connect_to; /* from resolve, owned */
    /* ---- results ---- */
    CURLcode code;              /* curl's result */
    int status;                 /* HTTP status, 0 if none */
    enum cf_outcome outcome;    /* typed outcome (see fetch_classify) */
    int transient;              /* worth a retry */
    char *content_type;         /* heap, NULL if none */
    char *redirect_url;         /* heap absolute Location target, or NULL */
    char *effective_url;        /* heap URL after followed redirects */
    char *x_robots;             /* heap X-Robots-Tag values, one line per
                                   header, or NULL */
    int64_t retry_after_ms;     /* from Retry-After, or -1 */
    struct cf_buf body;         /* decoded body, capped */
    int64_t bytes;              /* decoded bytes received (incl. dropped) */
    int64_t started_ms;         /* unix ms at start (wall: stored) */
    int64_t sent_ms;            /* unix ms the request went out, after
                                 * connect and TLS (what the server sees as
                                 * its start); started_ms if never sent */
    int64_t done_ms;            /* unix ms at the end (wall: stored) */
    int64_t start_mono_ms;      /* monotonic ms at start */
    int64_t fetch_ms;           /* duration, monotonic; 0 if not done */
    int blocked;                /* SSRF guard refused an address */
    char blocked_addr[64];      /* the address it refused, as text */
    int proxied;                /* the transfer went through a proxy */
    int too_large;              /* body cap hit */
    int not_html;               /* stopped: not an HTML content type */
    char errbuf[CURL_ERROR_SIZE]; /* curl's message */
    char why[FETCH_WHY_LEN];    /* a protocol error in our words, where
                                 * curl says nothing (two Content-Length
                                 * values) or names it badly (a header
                                 * line over its cap is "Out of memory");
                                 * "" if none: then errbuf says it */
    struct cf_buf head;         /* last response's status line and headers
                                 * as received (CRLFs kept), capped */
    struct cf_buf req_head;     /* request line and headers as sent, when
                                 * keep_request (the last request) */
    char *last_modified;        /* heap header values of the last response, */
    char *etag;                 /* as received (trimmed); NULL if absent */
    char *content_length;
    char *content_language;
    char *location;
    char *content_encoding;
    char ip[64];                /* address of the server, "" if none */
    char payload_digest[CF_SHA1_TEXT_LEN]; /* "sha1:..." of the body kept,
                                 * "" when no body was read */
};

struct fetch_stats {
    uint64_t started;           /* transfers started */
    uint64_t finished;          /* transfers ended (callback called) */
    uint64_t blocked;           /* connections refused by the SSRF guard */
    uint64_t too_large;         /* body cap hits */
    int running;                /* transfers in curl now */
};

/* A fetcher on base; maxconns caps curl's connection cache. */
struct fetch *fetch_new(struct event_base *base, long maxconns);
/* Abort every running transfer (no callbacks) and free. */
void fetch_free(struct fetch *f);

/* Start x (zeroed or cleaned up by the caller first). 0, or CF_ERR with
 * x->errbuf set (no callback then). */
int fetch_start(struct fetch *f, struct fetch_xfer *x,
                const struct fetch_opts *o, fetch_done_cb *cb, void *arg);
/* Stop a running transfer without calling its callback. */
void fetch_abort(struct fetch_xfer *x);
/* Free the results held by x (body, strings). */
void fetch_xfer_cleanup(struct fetch_xfer *x);

/* A Content-Length header's value s[0..n) (s NUL-terminated) is sound: one
 * decimal number of at most FETCH_CL_DIGITS digits, or a comma list of
 * equal ones (RFC 9110 8.6), equal to prev, the value of an earlier
 * Content-Length of the same response (already checked), if not NULL.
 * 0, or -1 with a one-line reason in why. curl 7.88 reads the first
 * number of a value and takes the last of two headers: a length in doubt
 * is a broken message (RFC 9112 6.3). */
#define FETCH_CL_DIGITS 18 /* below 2^63 */
int fetch_content_length_ok(const char *prev, const char *s, size_t n,
                            char *why, size_t len);

/* 1 if content_type names HTML (text/html, application/xhtml+xml) or
 * is NULL (unknown: try to parse). */
int fetch_is_html(const char *content_type);
/* 1 if a response of content_type is read under the crawl setting
 * fetch_types: "all", "html" (fetch_is_html), or a comma list of
 * type/subtype, a subtype "*" matching any (case-insensitive,
 * parameters ignored). An unknown (NULL) type is read. */
int fetch_type_wanted(const char *types, const char *content_type);
/* 1 if the IPv4/IPv6 socket address is loopback, private, link-local,
 * shared (100.64/10), multicast, reserved, documentation, benchmarking or
 * unspecified, or an IPv6 address carrying such an IPv4 address (mapped,
 * compatible, NAT64 64:ff9b::/96, 6to4 2002::/16); also NAT64's local-use
 * 64:ff9b:1::/48. */
int fetch_addr_private(const struct sockaddr *sa);

/* Addresses the SSRF guard lets through although private: a test hook
 * (the worker reads them from CF_SSRF_PUBLIC, and says so in its log)
 * standing in for a public server on a machine that has only loopback.
 * list: IPv4/IPv6 literals separated by commas or spaces. 0, or CF_EINVAL
 * with errstr (nothing set). */
#define FETCH_PUBLIC_MAX 16
int fetch_set_public(struct fetch *f, const char *list, char *errstr);

/* Set x->outcome and x->transient from x->code, x->status and the flags
 * the transfer set (not_html, too_large, blocked, redirect_url): 2xx and
 * a 3xx with a Location are ok (a response stopped after its headers for
 * its content type too); 429 and 5xx are transient http errors;
 * curl errors map by a table (timeouts, DNS and connection failures are
 * transient; TLS and redirect errors are not); an answer broken on the
 * wire (framing, headers, Content-Length, content encoding) is protocol,
 * transient, with x->why set where curl's words mislead. */
void fetch_classify(struct fetch_xfer *x);

const struct fetch_stats *fetch_stats(const struct fetch *f);

/* A cookie jar: the cookies of one crawl in this process, shared by all
 * its transfers (a curl share of cookie data). Cookies that sites set are
 * kept in it for the life of the process; other workers have their own. */
CURLSH *fetch_jar_new(void);
/* Add cookies in Netscape cookie file lines joined by '\n' (as the config
 * stores them); a cookie of the same name, domain and path is replaced.
 * 0, or CF_ERR if curl refused (nothing is logged: values are secret). */
int fetch_jar_load(CURLSH *jar, const char *lines);
/* Free a jar no running transfer uses any more; NULL is fine. */
void fetch_jar_free(CURLSH *jar);

/* Certificates trusted besides the system's CAs, parsed once from PEM
 * text; added to each new TLS connection's store. NULL if the text holds
 * no certificate OpenSSL can read. */
struct fetch_cas *fetch_cas_new(const char *pem);
/* Free; no running transfer may use it. NULL is fine. */
void fetch_cas_free(struct fetch_cas *cas);
/* Certificates held. */
int fetch_cas_count(const struct fetch_cas *cas);

#endif
