/* results.h - results records as JSON Lines or CSV, and reading the
 * results stream (cf:{C}:results, field "r" = msgpack cf_result). */
#ifndef RESULTS_H
#define RESULTS_H

#include <stdio.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "keys.h"
#include "record.h"

enum export_format {
    EXPORT_JSONL,
    EXPORT_CSV,
    EXPORT_CDXJ, /* one line per archived page: SURT key, timestamp, JSON */
};

/* Parse "jsonl"/"json"/"csv"/"cdxj"; 0 or -1. */
int export_format_parse(const char *s, enum export_format *f);

/* The JSON object for one result (new reference): url, final_url, status,
 * content_type, bytes, title, depth, links, fetch_ms, worker, error_type,
 * error, started_ms, done_ms, attempts, and outlinks when present.
 * Absent strings are null. */
json_t *export_result_json(const struct cf_result *r);
/* ms (unix ms) as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[n]; -1 when ms <= 0. */
int export_iso8601(char *out, size_t n, int64_t ms);

/* The same object as one JSON Lines line (newline ended) appended to b,
 * written directly: the same text as jansson's compact dump of
 * export_result_json() (the export hot path). */
void export_result_line(struct cf_buf *b, const struct cf_result *r);

/* The SURT key of a normalised URL as CDX indexers write it (pywb,
 * warcio.js): lower case, a leading "www" label (www, www2, ...) dropped,
 * host labels reversed and joined by ',', ":port" when not the default,
 * ')', the path, and the query's parameters sorted. Appends to b; 0, or
 * -1 for a URL that does not split. */
int export_surt(struct cf_buf *b, const char *url);

/* The CDXJ line of an archived result ("KEY TIMESTAMP {json}\n": the
 * 14-digit UTC time of started_ms, then url, mime, status, digest (its
 * Base32 without "sha1:"), length, offset, filename), appended to b;
 * nothing for a result without a WARC record. */
void export_cdxj_line(struct cf_buf *b, const struct cf_result *r);

/* The --extract field names of a crawl: one CSV column each, after the
 * fixed columns, in the order of the crawl's rules. */
struct export_fields {
    char **names; /* heap */
    size_t n;
};

/* Fill f from a crawl config's extract value (rules joined by '\n', or
 * NULL for none). */
void export_fields_init(struct export_fields *f, const char *rules);
void export_fields_cleanup(struct export_fields *f);

/* The CSV header line and one row (RFC 4180 quoting), newline ended.
 * fields may be NULL (no field columns). A field's cell holds its values
 * joined by a line feed (quoted); a field the result lacks is empty. */
void export_csv_header(FILE *out, const struct export_fields *fields);
void export_csv_row(FILE *out, const struct cf_result *r,
                    const struct export_fields *fields);

/* Decode an encoded cf_result and write it in fmt (CSV with the field
 * columns of fields, may be NULL). 0, or CF_EINVAL with errstr for an
 * undecodable record (nothing written). */
int export_write(FILE *out, enum export_format fmt,
                 const struct export_fields *fields, const char *p,
                 size_t len, char *errstr);

/* A reader of one crawl's results stream, from its start. */
struct follower {
    char key[CF_KEY_MAX];   /* cf:{C}:results */
    char last_id[64];       /* last entry id read ("0-0" at the start) */
    enum export_format fmt; /* how records are written */
    struct export_fields fields; /* CSV field columns (export.c sets) */
    long long written;      /* records written */
    long long bad;          /* records that did not decode */
};

void follower_init(struct follower *f, const char *crawl,
                   enum export_format fmt);
/* Read up to a batch of entries after last_id (waiting up to block_ms if
 * > 0 when there are none) and write them to out. *got is the number of
 * entries read. 0, or CF_EREDIS with errstr. */
int follower_step(struct follower *f, redisContext *rc, FILE *out, int block_ms,
                  long *got, char *errstr);

#endif
