/* warc.h - WARC/1.1 files (ISO 28500), written by one worker process.
 *
 * A writer belongs to one crawl in one process and owns its files in the
 * WARC directory: PREFIX-TIMESTAMP-SERIAL-WORKERID.warc.gz, written as
 * NAME.open and renamed to NAME when closed (at --warc-max-size, or when
 * the writer is freed). Each record is one gzip member, so any record can
 * be read from its offset alone; a warcinfo record opens every file.
 *
 * Durability: warc_write_fetch() returns once the records are handed to
 * the kernel (write(2) returned); only then may the page be acked. The
 * worker writes through warc_submit() instead: the writer's own thread
 * makes and writes the records (block digest, compression, write(2),
 * rotation with its fsync) off the event loop, and the request's done
 * callback runs on the loop only after write(2) returned. A
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
#include "err.h"

#define WARC_NAME_MAX 512        /* file name (no directory) */
/* Room beside the body in one record: WARC headers, the HTTP head (64 KiB
 * as kept by fetch, a little more once renamed), the request's. */
#define WARC_HEADS_MAX (256 * 1024)

struct warc;
struct warc_req;

/* A submitted fetch's records were written (req->rc == 0, req->at set)
 * or not (req->rc CF_ERR, req->err): called on the caller's thread from
 * warc_complete(). */
typedef void warc_done_cb(struct warc_req *req, void *arg);

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

/* One fetch handed to the writer thread (warc_submit). The caller owns
 * it (and everything f points to) and keeps it unchanged until its done
 * callback ran or warc_cancel() returned. */
struct warc_req {
    struct warc_fetch f;        /* in: what to write */
    warc_done_cb *cb;           /* in: called once, from warc_complete */
    void *arg;                  /* in: cb's */
    struct warc_place at;       /* out: where the response went */
    int rc;                     /* out: 0 or CF_ERR */
    char err[CF_ERRSTR_LEN];    /* out: why not */
    int state;                  /* writer's: queued, writing, done, idle */
    struct warc_req *next;      /* writer's queue link */
};

/* At most this many submitted requests wait for the writer thread; a
 * submit beyond blocks until one is taken (counted, warc_stats). The
 * worker has at most one per lease, so this is its slack. */
#define WARC_QUEUE_MAX 256

/* A writer; NULL with errstr (CF_ERRSTR_LEN) when the directory cannot
 * be created. No file is opened before the first record. */
struct warc *warc_new(const struct warc_opts *o, char *errstr);
/* Write what is still queued (callbacks not run), stop the thread, close
 * the current file (renamed to its final name) and free. */
void warc_free(struct warc *w);

/* Append a request record (when f->req_head is set) and a response
 * record, linked by WARC-Concurrent-To; *at says where the response
 * went. 0, or CF_ERR with errstr (errno's text): nothing of the two was
 * kept, and the caller must not ack the page. */
int warc_write_fetch(struct warc *w, const struct warc_fetch *f,
                     struct warc_place *at, char *errstr);

/* Queue r's records for the writer thread (started at the first
 * submit). Never fails; blocks while WARC_QUEUE_MAX are queued. Once a
 * write failed, every later request fails with the same error (the
 * crawl's archive is broken). r->cb runs from warc_complete() once
 * write(2) returned for both records, or they failed. The thread is not
 * woken for each request: the caller calls warc_flush() when it has
 * submitted what it had (once per event loop pass); only a full batch
 * or a full queue wakes it from here. */
void warc_submit(struct warc *w, struct warc_req *r);
/* Wake the writer thread for what was submitted since the last wakeup
 * (nothing when nothing was). Call from the thread that submits before
 * it waits for warc_notify_fd(). */
void warc_flush(struct warc *w);
/* A descriptor that becomes readable when requests are done: the event
 * loop watches it and calls warc_complete(). */
int warc_notify_fd(const struct warc *w);
/* Run the done callbacks of every request finished so far, in the order
 * submitted. Call from the thread that submits. */
void warc_complete(struct warc *w);
/* Forget r (submitted, its callback not run yet): wait until the thread
 * is done with it; its callback never runs. For a caller that must free
 * r before the loop sees it done. */
void warc_cancel(struct warc *w, struct warc_req *r);
/* Times a submit found the queue full and waited. */
uint64_t warc_waits(const struct warc *w);

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
