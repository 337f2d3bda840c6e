/* record.h - the msgpack records crawlfleet keeps in Redis.
 *
 * A record is a msgpack map with short string keys and a version field
 * "v". Decoders ignore keys they do not know (so newer writers can add
 * fields) and reject malformed, truncated or wrongly typed input with
 * CF_EINVAL and a message; they never read out of bounds. The keys are
 * part of the on-Redis format and documented in docs/records.md. */
#ifndef CF_RECORD_H
#define CF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CF_RECORD_VERSION 1

enum cf_request_flags {
    CF_REQ_SEED = 1,     /* submitted as a seed */
    CF_REQ_REDIRECT = 2, /* target of a redirect */
    CF_REQ_SITEMAP = 4,  /* a sitemap or sitemap index to read */
};

/* A request: one URL to fetch. Lives in a host queue and in flight. */
struct cf_request {
    char *url;             /* normalised absolute URL (required) */
    uint32_t depth;        /* link distance from a seed; seeds are 0 */
    int64_t priority;      /* lower is fetched first; default = depth */
    uint32_t attempts;     /* earlier transient failures */
    int64_t discovered_ms; /* unix ms when it entered the frontier */
    uint64_t parent_fp;    /* fingerprint of the linking page, 0 if seed */
    uint32_t flags;        /* cf_request_flags */
    char *sitemap_lastmod;  /* <lastmod> of the sitemap entry, or NULL */
    char *sitemap_priority; /* <priority> of the sitemap entry, or NULL */
};

/* Result flags (key "rf"). */
enum cf_result_flags {
    CF_RES_DEAD = 1,              /* final result of a dead-lettered request */
    CF_RES_NOINDEX = 2,           /* robots meta tag or X-Robots-Tag noindex */
    CF_RES_NOFOLLOW = 4,          /* ... nofollow: the links were not queued */
    CF_RES_INSECURE = 8,          /* fetched with TLS verification off */
    CF_RES_TEXT_TRUNCATED = 16,   /* text cut at the crawl's cap */
    CF_RES_FIELDS_TRUNCATED = 32, /* a field's values cut at their caps */
    CF_RES_SITEMAP = 64,          /* the URL was read as a sitemap */
};

/* One user-defined extraction field: its name and the values matched. */
struct cf_field {
    char *name;     /* the NAME of --extract NAME=SELECTOR (required) */
    char **values;  /* matched values in document order; NULL if none */
    size_t nvalues; /* entries in values */
};

/* A result: what became of one request. Appended to the results stream.
 * Fields after attempts are optional and documented in docs/records.md. */
struct cf_result {
    char *url;             /* requested URL (required) */
    char *final_url;       /* URL after redirects, NULL when the same */
    uint64_t fp;           /* fingerprint of url */
    int status;            /* HTTP status, 0 when no response */
    char *content_type;    /* NULL if none */
    int64_t bytes;         /* decoded body bytes received */
    char *title;           /* <title>, NULL if none */
    uint32_t depth;
    uint32_t nlinks;       /* links found on the page (before dedup) */
    char **outlinks;       /* normalised outlinks if kept, else NULL */
    size_t noutlinks;      /* entries in outlinks */
    uint32_t fetch_ms;     /* time from request start to last byte */
    char *worker;          /* id of the worker that fetched it */
    char *error_type;      /* cf_outcome name; "ok" on success (required) */
    char *error;           /* human message, NULL if none */
    int64_t started_ms;    /* unix ms when the fetch started */
    int64_t done_ms;       /* unix ms when it completed */
    uint32_t attempts;     /* attempts including this one */
    uint32_t flags;        /* cf_result_flags */
    char *redirect_url;    /* absolute target of a 3xx answer's Location */
    char *last_modified;   /* response headers as received, NULL if absent */
    char *etag;            /* ETag */
    char *content_length;  /* Content-Length */
    char *content_language; /* Content-Language */
    char *location;        /* Location */
    char *payload_digest;  /* "sha1:" + Base32 of the payload, if computed */
    char *warc_file;       /* WARC file holding the response record */
    int64_t warc_offset;   /* offset of that record's gzip member */
    int64_t warc_length;   /* the member's length in bytes */
    char *canonical;       /* <link rel=canonical>, resolved */
    char *description;     /* <meta name=description> */
    char *lang;            /* <html lang> */
    char *meta_robots;     /* robots directives, lower case, comma-joined */
    uint32_t links_internal; /* links to the page's own host */
    uint32_t links_external; /* links to other hosts */
    uint32_t links_nofollow; /* links with rel=nofollow */
    uint32_t links_dropped;  /* links not usable or over the link cap */
    char *text;            /* readable text or Markdown, if asked for */
    struct cf_field *fields; /* --extract values, if asked for */
    size_t nfields;        /* entries in fields */
    char **jsonld;         /* JSON-LD blocks that parse as JSON */
    size_t njsonld;        /* entries in jsonld */
    char *sitemap_lastmod;  /* the request's sitemap <lastmod>, or NULL */
    char *sitemap_priority; /* the request's sitemap <priority>, or NULL */
};

/* Append the msgpack encoding of r to out; 0 or CF_ETOOBIG. */
int cf_request_encode(const struct cf_request *r, struct cf_buf *out);
/* Decode p[0..len) into r (zeroed first; strings are heap copies). On
 * failure r holds nothing to free and errstr (CF_ERRSTR_LEN, may be NULL)
 * says why. */
int cf_request_decode(const char *p, size_t len, struct cf_request *r,
                      char *errstr);
void cf_request_cleanup(struct cf_request *r);

int cf_result_encode(const struct cf_result *r, struct cf_buf *out);
int cf_result_decode(const char *p, size_t len, struct cf_result *r,
                     char *errstr);
void cf_result_cleanup(struct cf_result *r);

#endif
