/* warc.h - WARC/1.1 files (ISO 28500), written by one worker process.
 *
 * A writer belongs to one crawl in one process and owns its files in the
 * WARC directory: PREFIX-TIMESTAMP-SERIAL-WORKERID.warc.gz, written as
 * NAME.open and renamed to NAME when closed (at --warc-max-size, or when
 * the writer is freed). Each record is one gzip member, so any record can
 * be read from its offset alone; a warcinfo record opens every file.
 *
 * Durability: warc_write_fetch() returns once the records are handed to
 * the kernel (write(2) returned); only then may the page be acked. A
 * failed write (disk full, I/O error) is cut off again, so the file never
 * holds part of a record written by a live writer. A process killed
 * mid-write leaves a cut .open file: warc_repair_dir() (run at the next
 * start with the same directory) keeps the whole records, truncates the
 * rest and closes the file. A writer holds an exclusive flock(2) on its
 * .open file, so a repair never touches a live writer's file. */
#ifndef WORKER_WARC_H
#define WORKER_WARC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WARC_NAME_MAX 512        /* file name (no directory) */
/* Room beside the body in one record: WARC headers, the HTTP head (64 KiB
 * as kept by fetch, a little more once renamed), the request's. */
#define WARC_HEADS_MAX (256 * 1024)

struct warc;

/* What a writer is for. Strings are copied. */
struct warc_opts {
    const char *dir;      /* directory of the files (created if missing) */
    const char *prefix;   /* file name prefix (the crawl name) */
    const char *worker;   /* worker id (sanitised for the file name) */
    int64_t max_size;     /* close a file once it is this big */
    size_t max_record;    /* largest record body accepted */
    const char *info;     /* warcinfo body: "name: value\r\n" lines */
};

/* One fetch to archive: the request as sent, the response as received. */
struct warc_fetch {
    const char *url;            /* WARC-Target-URI */
    const char *ip;             /* server address, or NULL */
    int64_t date_ms;            /* when the fetch started (unix ms) */
    const char *req_head;       /* request line and headers, or NULL */
    size_t req_len;
    const char *resp_head;      /* status line and headers as received */
    size_t resp_len;
    const char *body;           /* payload as stored (decoded) */
    size_t body_len;
    const char *payload_digest; /* "sha1:..." of body */
    const char *truncated;      /* WARC-Truncated reason, or NULL */
};

/* Where a response record went. */
struct warc_place {
    char file[WARC_NAME_MAX];   /* closed file's name (no directory) */
    int64_t offset;             /* of the record's gzip member */
    int64_t length;             /* of that member */
};

/* A writer; NULL with errstr (CF_ERRSTR_LEN) when the directory cannot
 * be created. No file is opened before the first record. */
struct warc *warc_new(const struct warc_opts *o, char *errstr);
/* Close the current file (renamed to its final name) and free. */
void warc_free(struct warc *w);

/* Append a request record (when f->req_head is set) and a response
 * record, linked by WARC-Concurrent-To; *at says where the response
 * went. 0, or CF_ERR with errstr (errno's text): nothing of the two was
 * kept, and the caller must not ack the page. */
int warc_write_fetch(struct warc *w, const struct warc_fetch *f,
                     struct warc_place *at, char *errstr);

/* Repair every NAME.warc.gz.open in dir that no live writer holds: keep
 * its whole gzip members, cut the rest, rename it to NAME.warc.gz (an
 * empty one is removed). Logs each file. Returns the files repaired, or
 * -1 with errstr when dir cannot be read (a missing dir is 0). */
int warc_repair_dir(const char *dir, char *errstr);

/* The HTTP head of a response as the record stores it: curl gave the body
 * decoded and de-chunked, so Content-Encoding and Transfer-Encoding are
 * renamed X-Crawler-Content-Encoding / X-Crawler-Transfer-Encoding, and a
 * Content-Length that is absent or not the stored length becomes
 * X-Crawler-Content-Length beside a Content-Length of body_len (as
 * StormCrawler does). Ends with the blank line. Appends to out; 0 or
 * CF_ETOOBIG. */
int warc_http_head(const char *head, size_t len, size_t body_len,
                   struct cf_buf *out);

#endif
