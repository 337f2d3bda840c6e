/* warc.c - WARC/1.1 writer: one gzip member per record, .open files,
 * repair of cut files. */
#include "warc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include "alloc.h"
#include "clock.h"
#include "digest.h"
#include "err.h"
#include "log.h"

#define OPEN_SUFFIX ".open"
/* Each record is compressed whole (it is in memory already) into one gzip
 * member by ISA-L's igzip, stateless. Compression is most of what
 * archiving costs: a perf profile of the S1 crawl with --warc put 76% of
 * the writer thread's samples in the compressor (libdeflate level 1
 * then). Measured on 400 pages of the S1 bench site (20.6 kB a response
 * record, 0.7 kB a request record), thread CPU time a page, best of 5 or
 * 10 (bench/README.md):
 *
 *   compressor                     response  request  bytes (resp, req)
 *   zlib level 6 (wget's)            602 us    89 us  7,908  394
 *   libdeflate level 1               118       8.5    8,141  401
 *   igzip level 1                     68       7.8    8,444  405
 *   igzip level 2                     74       7.7    8,360  405
 *   igzip level 3                    140       9.6    8,194  413
 *   igzip level 0, default tables     58       1.5    9,012  551
 *   igzip level 0, tables made from
 *     the first 8 records of a kind   57       1.6    8,507  437
 *
 * igzip's levels 1-3 make Huffman codes for every record, and for a small
 * record that is most of the time. Level 0 uses fixed codes; the
 * default ones fit no text well, but igzip makes codes from a histogram
 * of any data (isal_create_hufftables, which gives every symbol a code,
 * so any input can be coded, and the stateless call falls back to
 * stored blocks where coding would grow the input). The codes travel in
 * each member's block header like any dynamic codes: every member is
 * still read alone by any inflater. So each writer keeps a model per
 * record kind (request, response): its first GZ_TUNE_FIRST records are
 * compressed at GZ_LEVEL and fill the histogram, from which the codes
 * are made; later records are compressed at level 0 with them, one in
 * GZ_TUNE_EVERY adds to the histogram (its first GZ_TUNE_BYTES), and the
 * codes are made again every GZ_TUNE_REBUILD records, the older counts
 * halved first so the codes follow what the crawl fetches now. That is
 * half the time of libdeflate's level 1 for 4.5% more bytes (the
 * bench's target is WARC bytes a page within 10% of wget's). */
#define GZ_LEVEL 2
#define GZ_LEVEL_BUF ISAL_DEF_LVL2_DEFAULT
#define GZ_TUNE_FIRST 8
#define GZ_TUNE_EVERY 64
#define GZ_TUNE_REBUILD 1024
#define GZ_TUNE_BYTES (1024 * 1024)

/* What a record is, for the codes it is compressed with. */
enum gz_kind { GZ_REQUEST, GZ_RESPONSE, GZ_KINDS, GZ_OTHER = GZ_KINDS };

/* The codes of one record kind and the histogram they come from. */
struct gz_model {
    struct isal_huff_histogram hist;
    struct isal_hufftables codes;
    uint64_t records;        /* of this kind compressed so far */
    int ready;               /* codes made */
};
/* igzip's stateless call needs room for the whole member: at worst the
 * input in stored blocks (5 bytes each, at most 64 KiB) plus the gzip
 * header and trailer */
#define GZ_BOUND(n) ((n) + 5 * ((n) / 65535 + 1) + 64)
#define SCAN_CHUNK (64 * 1024)
/* The writer thread takes up to this many queued requests at once and
 * writes their records together, once this many compressed bytes are
 * waiting or the batch is done: one write(2), one hand-back to the loop
 * for the lot (the thread's wakeups and the kernel's time were 12% of
 * its samples in S1's profile, one write and one wakeup a page). */
#define WARC_BATCH_MAX 64
#define WARC_WRITE_BYTES (1024 * 1024)
#define UUID_LEN 48          /* "<urn:uuid:...>" + NUL */
#define RNG_POOL 256         /* random bytes fetched at once */

struct warc {
    char *dir;
    char *prefix;
    char worker[64];         /* id with [^A-Za-z0-9._-] as '_' */
    char *info;
    int64_t max_size;
    int fd;                  /* current .open file, -1 none */
    char name[WARC_NAME_MAX]; /* its final name */
    int64_t size;            /* bytes in it */
    unsigned serial;         /* files opened so far */
    struct isal_zstream *gz_stream; /* igzip's state, GZ_LEVEL */
    uint8_t *gz_level_buf;   /* GZ_LEVEL_BUF bytes: its hash and tokens */
    struct gz_model *gz_model; /* GZ_KINDS of them */
    struct cf_buf raw;       /* one record before compression */
    struct cf_buf gz;        /* the members of one write */
    struct cf_buf head;      /* a response's HTTP head as stored */
    /* the writer thread (warc_submit); everything above is its alone
     * once it runs */
    pthread_mutex_t mu;
    pthread_cond_t more;     /* queue got an entry, or stop */
    pthread_cond_t room;     /* queue lost an entry; a request got done */
    pthread_t thread;
    int started;             /* thread running */
    int stop;                /* thread: leave when the queue is empty */
    struct warc_req *q_head, *q_tail; /* submitted, not taken */
    int nq;
    int unflushed;           /* submitted since the thread was last woken */
    struct warc_req *d_head, *d_tail; /* done, callbacks not run */
    int failed;              /* a write failed: fail the rest */
    char failure[CF_ERRSTR_LEN];
    int pipe_rd, pipe_wr;    /* done requests: a byte when d_head set */
    uint64_t waits;          /* submits that found the queue full */
    uint8_t rng[RNG_POOL];   /* random bytes for record ids */
    size_t rng_used;         /* of them */
    uint64_t rng_seq;        /* ids made without getrandom */
};

enum { REQ_IDLE, REQ_QUEUED, REQ_WRITING, REQ_DONE };

/* ---- helpers ----------------------------------------------------------- */

static void iso_date(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A random (version 4) UUID as a record id, from a pool of random bytes
 * refilled RNG_POOL at a time (one getrandom(2) for 16 ids). */
static void record_id(struct warc *w, char out[UUID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    char *o = out;

    if (w->rng_used + sizeof(b) > sizeof(w->rng)) {
        if (getrandom(w->rng, sizeof(w->rng), 0) !=
            (ssize_t)sizeof(w->rng)) {
            /* never short once the pool is ready; still unique */
            uint64_t t = (uint64_t)cf_wall_ms() ^ (uint64_t)getpid() << 40;

            for (size_t i = 0; i + 16 <= sizeof(w->rng); i += 16) {
                w->rng_seq++;
                memcpy(w->rng + i, &t, 8);
                memcpy(w->rng + i + 8, &w->rng_seq, 8);
            }
        }
        w->rng_used = 0;
    }
    memcpy(b, w->rng + w->rng_used, sizeof(b));
    w->rng_used += sizeof(b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    memcpy(o, "<urn:uuid:", 10);
    o += 10;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o++ = '>';
    *o = '\0';
}

static void block_digest(const char *a, size_t alen, const char *b,
                         size_t blen, char out[CF_SHA1_TEXT_LEN])
{
    struct cf_sha1 h = {0};

    cf_sha1_init(&h);
    cf_sha1_update(&h, a, alen);
    if (blen)
        cf_sha1_update(&h, b, blen);
    cf_sha1_final_text(&h, out);
    cf_sha1_cleanup(&h);
}

/* Learn from w->raw, a record of model m's kind, when it is one of those
 * the codes are made from, and make them again when it is time. */
static void gz_learn(struct warc *w, struct gz_model *m)
{
    uint64_t k = m->records++;
    size_t n = w->raw.len < GZ_TUNE_BYTES ? w->raw.len : GZ_TUNE_BYTES;

    if (k < GZ_TUNE_FIRST || k % GZ_TUNE_EVERY == 0)
        isal_update_histogram((uint8_t *)w->raw.data, (int)n, &m->hist);
    if (k + 1 != GZ_TUNE_FIRST && (k + 1) % GZ_TUNE_REBUILD != 0)
        return;
    if (isal_create_hufftables(&m->codes, &m->hist) == 0)
        m->ready = 1;
    for (size_t i = 0; i < ISAL_DEF_LIT_LEN_SYMBOLS; i++)
        m->hist.lit_len_histogram[i] /= 2;
    for (size_t i = 0; i < ISAL_DEF_DIST_SYMBOLS; i++)
        m->hist.dist_histogram[i] /= 2;
}

/* Compress w->raw as one gzip member onto w->gz: a record of the given
 * kind (GZ_OTHER: no model, GZ_LEVEL). */
static int deflate_member(struct warc *w, enum gz_kind kind)
{
    struct isal_zstream *z = w->gz_stream;
    struct gz_model *m = kind < GZ_KINDS ? &w->gz_model[kind] : NULL;
    int fixed = m && m->ready;
    size_t bound;

    if (w->raw.len > UINT32_MAX - 1024)
        return CF_ERR; /* igzip counts in 32 bits; no record is this big */
    bound = GZ_BOUND(w->raw.len);
    if (w->gz.alloc - w->gz.len < bound + 1) {
        /* grow through the buffer API, then write in place */
        size_t need = w->gz.len + bound + 1;

        w->gz.data = cf_realloc(w->gz.data, need);
        w->gz.alloc = need;
    }
    isal_deflate_stateless_init(z);
    if (fixed) {
        z->level = 0;
        z->hufftables = &m->codes;
    } else {
        z->level = GZ_LEVEL;
        z->level_buf = w->gz_level_buf;
        z->level_buf_size = GZ_LEVEL_BUF;
    }
    z->gzip_flag = IGZIP_GZIP;
    z->end_of_stream = 1;
    z->flush = NO_FLUSH;
    z->next_in = (uint8_t *)w->raw.data;
    z->avail_in = (uint32_t)w->raw.len;
    z->next_out = (uint8_t *)w->gz.data + w->gz.len;
    z->avail_out = (uint32_t)bound;
    if (isal_deflate_stateless(z) != COMP_OK)
        return CF_ERR;
    w->gz.len += bound - z->avail_out;
    w->gz.data[w->gz.len] = '\0';
    if (m)
        gz_learn(w, m);
    return 0;
}

/* One WARC header line beyond those every record has. */
struct hdr {
    const char *name;
    const char *value;
};

static int add_str(struct cf_buf *b, const char *s)
{
    return cf_buf_add(b, s, strlen(s));
}

/* Build one record in w->raw: WARC headers (extra: nextra more header
 * lines, those with a NULL value left out), then head and body as the
 * block. Appended piece by piece: printf's formatting was 5% of the
 * writer's instructions (bench/warc_bench.c). */
static int build_record(struct warc *w, const char *type, const char *id,
                        const char *date, const struct hdr *extra,
                        size_t nextra, const char *ctype, const char *head,
                        size_t hlen, const char *body, size_t blen)
{
    char dig[CF_SHA1_TEXT_LEN], len[32];
    struct cf_buf *r = &w->raw;
    int rv;

    block_digest(head, hlen, body, blen, dig);
    snprintf(len, sizeof(len), "%zu", hlen + blen);
    cf_buf_reset(r);
    rv = add_str(r, "WARC/1.1\r\nWARC-Type: ") || add_str(r, type) ||
         add_str(r, "\r\nWARC-Record-ID: ") || add_str(r, id) ||
         add_str(r, "\r\nWARC-Date: ") || add_str(r, date) ||
         add_str(r, "\r\n");
    for (size_t i = 0; i < nextra && rv == 0; i++)
        if (extra[i].value)
            rv = add_str(r, extra[i].name) || add_str(r, ": ") ||
                 add_str(r, extra[i].value) || add_str(r, "\r\n");
    if (rv == 0)
        rv = add_str(r, "WARC-Block-Digest: ") || add_str(r, dig) ||
             add_str(r, "\r\nContent-Type: ") || add_str(r, ctype) ||
             add_str(r, "\r\nContent-Length: ") || add_str(r, len) ||
             add_str(r, "\r\n\r\n") || cf_buf_add(r, head, hlen) ||
             (blen && cf_buf_add(r, body, blen)) ||
             cf_buf_add(r, "\r\n\r\n", 4);
    return rv ? CF_ETOOBIG : 0;
}

/* Write all of w->gz at the end of the current file; on failure cut the
 * file back to where it was. */
static int write_out(struct warc *w, char *errstr)
{
    size_t off = 0;
    ssize_t n;

    while (off < w->gz.len) {
        n = write(w->fd, w->gz.data + off, w->gz.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;

            snprintf(errstr, CF_ERRSTR_LEN, "write %.180s%s: %s", w->name,
                     OPEN_SUFFIX, strerror(e));
            if (ftruncate(w->fd, (off_t)w->size) != 0 ||
                lseek(w->fd, (off_t)w->size, SEEK_SET) < 0) {
                /* the file may hold a cut member: never append to it */
                close(w->fd);
                w->fd = -1;
            }
            errno = e;
            return CF_ERR;
        }
        off += (size_t)n;
    }
    w->size += (int64_t)w->gz.len;
    return 0;
}

static void close_file(struct warc *w)
{
    char *from, *to;

    if (w->fd < 0)
        return;
    from = cf_asprintf("%s/%s%s", w->dir, w->name, OPEN_SUFFIX);
    to = cf_asprintf("%s/%s", w->dir, w->name);
    /* a closed file is complete on disk before its name says so */
    if (fsync(w->fd) != 0)
        cf_warn("warc fsync failed", "file=%s error=\"%s\"", from,
                strerror(errno));
    close(w->fd);
    w->fd = -1;
    if (rename(from, to) != 0)
        cf_warn("warc rename failed", "file=%s error=\"%s\"", from,
                strerror(errno));
    else
        cf_info("warc closed", "file=%s bytes=%lld", to,
                (long long)w->size);
    free(from);
    free(to);
}

/* Open the next file and write its warcinfo record. */
static int open_file(struct warc *w, char *errstr)
{
    char ts[32], date[32], id[UUID_LEN], *path;
    struct hdr extra[1];
    int64_t now = cf_wall_ms();
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    int rv;

    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
    snprintf(w->name, sizeof(w->name), "%s-%s%03d-%05u-%s.warc.gz",
             w->prefix, ts, (int)(now % 1000), w->serial++, w->worker);
    path = cf_asprintf("%s/%s%s", w->dir, w->name, OPEN_SUFFIX);
    w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "open %s: %s", path, strerror(errno));
        free(path);
        return CF_ERR;
    }
    /* repair (another process starting) skips files held like this */
    flock(w->fd, LOCK_EX | LOCK_NB);
    free(path);
    w->size = 0;
    iso_date(now, date, sizeof(date));
    record_id(w, id);
    extra[0].name = "WARC-Filename";
    extra[0].value = w->name;
    rv = build_record(w, "warcinfo", id, date, extra, 1,
                      "application/warc-fields", w->info, strlen(w->info),
                      NULL, 0);
    cf_buf_reset(&w->gz);
    if (rv == 0)
        rv = deflate_member(w, GZ_OTHER);
    if (rv == 0)
        rv = write_out(w, errstr);
    else
        snprintf(errstr, CF_ERRSTR_LEN, "warcinfo record not made");
    if (rv != 0) {
        int e = errno;
        char *p = cf_asprintf("%s/%s%s", w->dir, w->name, OPEN_SUFFIX);

        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
        unlink(p);
        free(p);
        errno = e;
        return CF_ERR;
    }
    cf_info("warc opened", "file=%s/%s%s", w->dir, w->name, OPEN_SUFFIX);
    return 0;
}

/* ---- public ------------------------------------------------------------ */

struct warc *warc_new(const struct warc_opts *o, char *errstr)
{
    struct warc *w;
    size_t i;

    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
        snprintf(errstr, CF_ERRSTR_LEN, "mkdir %s: %s", o->dir,
                 strerror(errno));
        return NULL;
    }
    w = cf_calloc(1, sizeof(*w));
    w->dir = cf_strdup(o->dir);
    w->prefix = cf_strdup(o->prefix);
    w->info = cf_strdup(o->info ? o->info : "");
    w->max_size = o->max_size;
    w->fd = -1;
    w->rng_used = sizeof(w->rng); /* the pool is empty */
    snprintf(w->worker, sizeof(w->worker), "%s", o->worker);
    for (i = 0; w->worker[i]; i++) {
        char c = w->worker[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            w->worker[i] = '_';
    }
    w->gz_stream = cf_calloc(1, sizeof(*w->gz_stream));
    w->gz_level_buf = cf_malloc(GZ_LEVEL_BUF);
    w->gz_model = cf_calloc(GZ_KINDS, sizeof(*w->gz_model));
    cf_buf_init(&w->raw, o->max_record + WARC_HEADS_MAX);
    cf_buf_init(&w->gz, (size_t)-1);
    cf_buf_init(&w->head, WARC_HEADS_MAX);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->more, NULL);
    pthread_cond_init(&w->room, NULL);
    w->pipe_rd = w->pipe_wr = -1;
    {
        int p[2];

        if (pipe(p) != 0) {
            snprintf(errstr, CF_ERRSTR_LEN, "pipe: %s", strerror(errno));
            warc_free(w);
            return NULL;
        }
        w->pipe_rd = p[0];
        w->pipe_wr = p[1];
        for (int k = 0; k < 2; k++) {
            fcntl(p[k], F_SETFL, fcntl(p[k], F_GETFL) | O_NONBLOCK);
            fcntl(p[k], F_SETFD, FD_CLOEXEC);
        }
    }
    return w;
}

void warc_free(struct warc *w)
{
    if (!w)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->more);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->more);
    pthread_cond_destroy(&w->room);
    if (w->pipe_rd >= 0)
        close(w->pipe_rd);
    if (w->pipe_wr >= 0)
        close(w->pipe_wr);
    close_file(w);
    free(w->gz_stream);
    free(w->gz_level_buf);
    free(w->gz_model);
    cf_buf_cleanup(&w->raw);
    cf_buf_cleanup(&w->gz);
    cf_buf_cleanup(&w->head);
    free(w->dir);
    free(w->prefix);
    free(w->info);
    free(w);
}

/* Append f's request record (when it has one) and response record to
 * w->gz, after what it holds already (compressed, not written yet), for
 * the current file; *at says where the response will be once w->gz is
 * written at w->size. On failure w->gz is as it was. */
static int append_fetch(struct warc *w, const struct warc_fetch *f,
                        struct warc_place *at, char *errstr)
{
    char date[32], rqid[UUID_LEN], rsid[UUID_LEN];
    struct hdr rq[] = {{"WARC-Target-URI", f->url},
                       {"WARC-Concurrent-To", rsid},
                       {"WARC-IP-Address", f->ip}};
    struct hdr rs[] = {{"WARC-Target-URI", f->url},
                       {"WARC-IP-Address", f->ip},
                       {"WARC-Concurrent-To", rqid},
                       {"WARC-Payload-Digest", f->payload_digest},
                       {"WARC-Truncated", f->truncated}};
    size_t start = w->gz.len, resp_member = start;
    int rv;

    iso_date(f->date_ms, date, sizeof(date));
    record_id(w, rqid);
    record_id(w, rsid);
    if (f->req_head && f->req_len) {
        rv = build_record(w, "request", rqid, date, rq, 3,
                          "application/http;msgtype=request", f->req_head,
                          f->req_len, NULL, 0);
        if (rv == 0)
            rv = deflate_member(w, GZ_REQUEST);
        if (rv != 0) {
            snprintf(errstr, CF_ERRSTR_LEN, "request record too big");
            goto fail;
        }
        resp_member = w->gz.len;
    }
    cf_buf_reset(&w->head);
    if (warc_http_head(f->resp_head, f->resp_len, f->body_len, &w->head) !=
        0) {
        snprintf(errstr, CF_ERRSTR_LEN, "response head not made");
        goto fail;
    }
    rv = build_record(w, "response", rsid, date, rs, 5,
                      "application/http;msgtype=response", w->head.data,
                      w->head.len, f->body, f->body_len);
    if (rv == 0)
        rv = deflate_member(w, GZ_RESPONSE);
    if (rv != 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "response record too big");
        goto fail;
    }
    at->offset = w->size + (int64_t)resp_member;
    at->length = (int64_t)(w->gz.len - resp_member);
    snprintf(at->file, sizeof(at->file), "%s", w->name);
    return 0;
fail:
    w->gz.len = start;
    return CF_ERR;
}

int warc_write_fetch(struct warc *w, const struct warc_fetch *f,
                     struct warc_place *at, char *errstr)
{
    if (w->fd < 0 && open_file(w, errstr) != 0)
        return CF_ERR;
    cf_buf_reset(&w->gz);
    if (append_fetch(w, f, at, errstr) != 0 || write_out(w, errstr) != 0)
        return CF_ERR;
    if (w->size >= w->max_size)
        close_file(w);
    return 0;
}

/* ---- the writer thread ------------------------------------------------ */

/* b[from..to) were not written: why. */
static void fail_some(struct warc_req **b, int from, int to, const char *why)
{
    for (int k = from; k < to; k++) {
        b[k]->rc = CF_ERR;
        snprintf(b[k]->err, sizeof(b[k]->err), "%s", why);
    }
}

/* Make the records of b[0..n) and write them with as few write(2)s as
 * the file's rotation and WARC_WRITE_BYTES allow (one for a batch of
 * pages of the usual size). Each request's rc and err say how it went:
 * written (0), or not (CF_ERR): it failed itself, or its write did, or
 * one before it did (failed set, or set here), as one failed write
 * fails the rest. */
static void write_batch(struct warc *w, struct warc_req **b, int n,
                        int failed)
{
    char why[CF_ERRSTR_LEN];
    int seg = 0; /* b[seg..i) are in w->gz, not written yet */

    snprintf(why, sizeof(why), "%s", w->failure);
    cf_buf_reset(&w->gz);
    for (int i = 0; i < n; i++) {
        struct warc_req *r = b[i];
        int last = i == n - 1, rv = failed ? CF_ERR : 0;

        if (rv == 0 && w->fd < 0) {
            /* w->gz is empty here: a file is closed only once written */
            rv = open_file(w, why);
            cf_buf_reset(&w->gz);
        }
        if (rv == 0 && append_fetch(w, &r->f, &r->at, why) != 0)
            rv = CF_ERR;
        if (rv != 0) {
            /* r is not in w->gz: the ones before it are written first */
            r->rc = CF_ERR;
            snprintf(r->err, sizeof(r->err), "%s", why);
            if (!failed) {
                char werr[CF_ERRSTR_LEN];

                failed = 1;
                if (seg < i && write_out(w, werr) != 0)
                    fail_some(b, seg, i, werr);
            }
            seg = i + 1;
            continue;
        }
        if (!last && w->size + (int64_t)w->gz.len < w->max_size &&
            w->gz.len < WARC_WRITE_BYTES)
            continue;
        if (write_out(w, why) != 0) {
            failed = 1;
            fail_some(b, seg, i + 1, why);
        } else if (w->size >= w->max_size) {
            close_file(w);
        }
        cf_buf_reset(&w->gz);
        seg = i + 1;
    }
}

/* Take what is queued (up to WARC_BATCH_MAX requests at a time) and write
 * it; after a failure, fail the rest with the same error. Leaves when
 * told to stop and the queue is empty. */
static void *writer_main(void *arg)
{
    struct warc *w = arg;
    struct warc_req *b[WARC_BATCH_MAX];
    int n, failed;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->q_head && !w->stop)
            pthread_cond_wait(&w->more, &w->mu);
        if (!w->q_head)
            break; /* stop, and nothing left */
        for (n = 0; n < WARC_BATCH_MAX && w->q_head; n++) {
            struct warc_req *r = w->q_head;

            w->q_head = r->next;
            w->nq--;
            r->next = NULL;
            r->state = REQ_WRITING;
            r->rc = 0;
            b[n] = r;
        }
        if (!w->q_head)
            w->q_tail = NULL;
        failed = w->failed;
        pthread_cond_signal(&w->room);
        pthread_mutex_unlock(&w->mu);

        write_batch(w, b, n, failed);

        pthread_mutex_lock(&w->mu);
        for (int i = 0; i < n; i++) {
            struct warc_req *r = b[i];

            if (r->rc != 0 && !w->failed) {
                w->failed = 1;
                snprintf(w->failure, sizeof(w->failure), "%s", r->err);
            }
            r->state = REQ_DONE;
            if (w->d_tail)
                w->d_tail->next = r;
            else
                w->d_head = r;
            w->d_tail = r;
        }
        if (w->d_head == b[0]) {
            /* the list was empty: one byte says it is not */
            ssize_t k = write(w->pipe_wr, "", 1);

            (void)k; /* a full pipe holds a byte already */
        }
        pthread_cond_broadcast(&w->room); /* warc_cancel waits here too */
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

void warc_submit(struct warc *w, struct warc_req *r)
{
    pthread_mutex_lock(&w->mu);
    if (!w->started) {
        if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
            abort(); /* only for want of memory or threads */
        w->started = 1;
    }
    if (w->nq >= WARC_QUEUE_MAX) {
        w->waits++;
        w->unflushed = 0;
        pthread_cond_signal(&w->more); /* what waits must be taken */
        while (w->nq >= WARC_QUEUE_MAX)
            pthread_cond_wait(&w->room, &w->mu);
    }
    r->rc = 0;
    r->err[0] = '\0';
    r->at.file[0] = '\0';
    r->next = NULL;
    r->state = REQ_QUEUED;
    if (w->q_tail)
        w->q_tail->next = r;
    else
        w->q_head = r;
    w->q_tail = r;
    w->nq++;
    /* the thread is woken by warc_flush (once per loop pass), or here
     * once a full batch waits */
    if (++w->unflushed >= WARC_BATCH_MAX) {
        w->unflushed = 0;
        pthread_cond_signal(&w->more);
    }
    pthread_mutex_unlock(&w->mu);
}

void warc_flush(struct warc *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->unflushed) {
        w->unflushed = 0;
        pthread_cond_signal(&w->more);
    }
    pthread_mutex_unlock(&w->mu);
}

int warc_notify_fd(const struct warc *w)
{
    return w->pipe_rd;
}

void warc_complete(struct warc *w)
{
    char b[64];
    struct warc_req *r;

    /* empty the pipe first: a request done after the list is emptied
     * writes a new byte */
    while (read(w->pipe_rd, b, sizeof(b)) > 0)
        ;
    /* one at a time: a callback may cancel a request still listed */
    for (;;) {
        pthread_mutex_lock(&w->mu);
        r = w->d_head;
        if (r) {
            w->d_head = r->next;
            if (!w->d_head)
                w->d_tail = NULL;
            r->next = NULL;
            r->state = REQ_IDLE;
        }
        pthread_mutex_unlock(&w->mu);
        if (!r)
            break;
        r->cb(r, r->arg); /* may free r */
    }
}

void warc_cancel(struct warc *w, struct warc_req *r)
{
    struct warc_req **p;

    pthread_mutex_lock(&w->mu);
    if (r->state == REQ_QUEUED) {
        for (p = &w->q_head; *p; p = &(*p)->next) {
            if (*p == r) {
                *p = r->next;
                break;
            }
        }
        w->q_tail = NULL;
        for (struct warc_req *t = w->q_head; t; t = t->next)
            w->q_tail = t;
        w->nq--;
        pthread_cond_signal(&w->room);
    } else {
        while (r->state == REQ_WRITING)
            pthread_cond_wait(&w->room, &w->mu);
        if (r->state == REQ_DONE) {
            struct warc_req *prev = NULL;

            for (p = &w->d_head; *p; prev = *p, p = &(*p)->next) {
                if (*p == r) {
                    *p = r->next;
                    if (w->d_tail == r)
                        w->d_tail = prev;
                    break;
                }
            }
        }
    }
    r->state = REQ_IDLE;
    r->next = NULL;
    pthread_mutex_unlock(&w->mu);
}

uint64_t warc_waits(const struct warc *w)
{
    return w->waits;
}

/* ---- the HTTP head as stored ------------------------------------------ */

static int name_is(const char *p, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len > n && p[n] == ':' && strncasecmp(p, name, n) == 0;
}

int warc_http_head(const char *head, size_t len, size_t body_len,
                   struct cf_buf *out)
{
    const char *p, *end = head + len;
    int cl_same = 0, encoded = 0, cl_ok, first = 1;
    size_t start = out->len;

    /* Content-Length stays only when it is the stored length and nothing
     * was decoded */
    for (p = head; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

        if (name_is(p, n, "content-length"))
            cl_same = strtoull(p + 15, NULL, 10) == body_len;
        else if (name_is(p, n, "content-encoding") ||
                 name_is(p, n, "transfer-encoding"))
            encoded = 1;
        p += n;
    }
    cl_ok = cl_same && !encoded;
    for (p = head; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
        size_t t = n;
        int rv = 0;

        while (t > 0 && (p[t - 1] == '\r' || p[t - 1] == '\n'))
            t--;
        if (t == 0) {
            p += n; /* the blank line: written once, below */
            continue;
        }
        if (!first && (name_is(p, t, "content-encoding") ||
                       name_is(p, t, "transfer-encoding") ||
                       (name_is(p, t, "content-length") && !cl_ok)))
            rv = cf_buf_add(out, "X-Crawler-", 10);
        if (rv == 0)
            rv = cf_buf_add(out, p, t);
        if (rv == 0)
            rv = cf_buf_add(out, "\r\n", 2);
        if (rv != 0)
            goto toobig;
        first = 0;
        p += n;
    }
    if (!cl_ok && cf_buf_addf(out, "Content-Length: %zu\r\n", body_len) != 0)
        goto toobig;
    if (cf_buf_add(out, "\r\n", 2) != 0)
        goto toobig;
    return 0;
toobig:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return CF_ETOOBIG;
}

/* ---- repair ------------------------------------------------------------ */

/* Offset just past the last whole gzip member of fd, and their count. */
static int64_t whole_members(int fd, int *count)
{
    static unsigned char in[SCAN_CHUNK], out[SCAN_CHUNK];
    z_stream z;
    int64_t pos = 0, good = 0;
    ssize_t n;
    int rv = Z_OK;

    *count = 0;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return 0;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, in, sizeof(in))) > 0) {
        z.next_in = in;
        z.avail_in = (uInt)n;
        while (z.avail_in > 0) {
            z.next_out = out;
            z.avail_out = sizeof(out);
            rv = inflate(&z, Z_NO_FLUSH);
            if (rv == Z_STREAM_END) {
                good = pos + (n - (ssize_t)z.avail_in);
                (*count)++;
                inflateReset(&z);
            } else if (rv != Z_OK && rv != Z_BUF_ERROR) {
                goto out; /* corrupt from here on */
            }
        }
        pos += n;
    }
out:
    inflateEnd(&z);
    return good;
}

int warc_repair_dir(const char *dir, char *errstr)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int fixed = 0;

    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(errstr, CF_ERRSTR_LEN, "opendir %s: %s", dir,
                 strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), k = strlen(".warc.gz" OPEN_SUFFIX);
        char *path, *to;
        struct stat st;
        int64_t keep;
        int fd, count;

        if (n <= k || strcmp(e->d_name + n - k, ".warc.gz" OPEN_SUFFIX))
            continue;
        path = cf_asprintf("%s/%s", dir, e->d_name);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0 ||
            fstat(fd, &st) != 0 || st.st_size == 0) {
            /* held by a live writer (or just being created) */
            if (fd >= 0)
                close(fd);
            free(path);
            continue;
        }
        keep = whole_members(fd, &count);
        to = cf_strndup(path, strlen(path) - strlen(OPEN_SUFFIX));
        if (keep == 0) {
            unlink(path);
            cf_warn("warc repaired", "file=%s records=0 cut=%lld removed=1",
                    path, (long long)st.st_size);
        } else if (ftruncate(fd, (off_t)keep) != 0 || fsync(fd) != 0 ||
                   rename(path, to) != 0) {
            cf_error("warc repair failed", "file=%s error=\"%s\"", path,
                     strerror(errno));
        } else {
            cf_warn("warc repaired", "file=%s records=%d kept=%lld "
                    "cut=%lld", to, count, (long long)keep,
                    (long long)(st.st_size - keep));
            fixed++;
        }
        close(fd);
        free(to);
        free(path);
    }
    closedir(d);
    return fixed;
}
