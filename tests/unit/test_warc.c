/* test_warc.c - the HTTP head as a response record stores it (table), and
 * the writer: records at the offsets it reports, rotation at the size,
 * .open files renamed when closed, a cut file repaired; the writer
 * thread: callbacks in submit order after the write, a cancelled request
 * never called back, a failure failing the rest. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "test.h"
#include "warc.h"

static void test_http_head(void)
{
    static const struct {
        const char *in;
        size_t body_len;
        const char *want;
    } t[] = {
        /* as received when nothing was decoded */
        {"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
         "Content-Length: 5\r\n\r\n",
         5,
         "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
         "Content-Length: 5\r\n\r\n"},
        /* decoded gzip: the encoding and the length renamed */
        {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
         "Content-Length: 30\r\n\r\n",
         100,
         "HTTP/1.1 200 OK\r\nX-Crawler-Content-Encoding: gzip\r\n"
         "X-Crawler-Content-Length: 30\r\nContent-Length: 100\r\n\r\n"},
        /* de-chunked: a length added */
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 7,
         "HTTP/1.1 200 OK\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
         "Content-Length: 7\r\n\r\n"},
        /* a body cut at the cap: the announced length kept aside */
        {"HTTP/1.1 200 OK\r\ncontent-length: 900\r\n\r\n", 10,
         "HTTP/1.1 200 OK\r\nX-Crawler-content-length: 900\r\n"
         "Content-Length: 10\r\n\r\n"},
        /* bare LF line ends come out as CRLF */
        {"HTTP/1.0 404 Not Found\nContent-Length: 0\n\n", 0,
         "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"},
    };
    struct cf_buf b;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cf_buf_init(&b, 4096);
        CHECK_INT(warc_http_head(t[i].in, strlen(t[i].in), t[i].body_len,
                                 &b),
                  0);
        CHECK_STR(b.data, t[i].want);
        cf_buf_cleanup(&b);
    }
    cf_buf_init(&b, 10);
    CHECK_INT(warc_http_head(t[0].in, strlen(t[0].in), 5, &b), CF_ETOOBIG);
    CHECK_INT(b.len, 0);
    cf_buf_cleanup(&b);
}

/* The WARC record inflated from the gzip member at [off, off + len). */
/* A fetch of url with a fixed date and digest; req may be NULL (no
 * request record). */
/* A writer in a new directory (dir: a mkdtemp template, filled in) with
 * o as the caller set it plus these: its prefix, worker "w" unless set,
 * max_size and max_record. NULL, with a failed check, if either step
 * fails. */
static struct warc *writer_in(char *dir, struct warc_opts *o,
                              const char *prefix, int64_t max_size,
                              size_t max_record, char *err)
{
    struct warc *w;

    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return NULL;
    }
    o->dir = dir;
    o->prefix = prefix;
    if (!o->worker)
        o->worker = "w";
    o->max_size = max_size;
    o->max_record = max_record;
    w = warc_new(o, err);
    CHECK(w != NULL);
    return w;
}

static void fetch_fill(struct warc_fetch *f, const char *url,
                       const char *req, const char *head, const char *body,
                       size_t body_len)
{
    f->url = url;
    f->date_ms = 1796600000000;
    f->req_head = req;
    f->req_len = req ? strlen(req) : 0;
    f->resp_head = head;
    f->resp_len = strlen(head);
    f->body = body;
    f->body_len = body_len;
    f->payload_digest = "sha1:AAAA";
}

static char *member_at(const char *path, long off, long len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *in = malloc((size_t)len);
    char *out = calloc(1, 1 << 16);
    z_stream z = {0};

    if (!f || fseek(f, off, SEEK_SET) != 0 ||
        fread(in, 1, (size_t)len, f) != (size_t)len) {
        free(out);
        out = NULL;
        goto done;
    }
    inflateInit2(&z, 15 + 16);
    z.next_in = in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (1 << 16) - 1;
    if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.avail_in != 0) {
        free(out);
        out = NULL;
    }
    inflateEnd(&z);
done:
    if (f)
        fclose(f);
    free(in);
    return out;
}

/* Inflate the gzip member at [off, off + len) of path into out (cap
 * bytes): its length, or -1 when it is not one whole member. */
static long inflate_at(const char *path, long off, long len,
                       unsigned char *out, long cap)
{
    FILE *f = fopen(path, "rb");
    unsigned char *in = malloc((size_t)len);
    z_stream z = {0};
    long n = -1;

    if (f && fseek(f, off, SEEK_SET) == 0 &&
        fread(in, 1, (size_t)len, f) == (size_t)len &&
        inflateInit2(&z, 15 + 16) == Z_OK) {
        z.next_in = in;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0)
            n = (long)z.total_out;
        inflateEnd(&z);
    }
    if (f)
        fclose(f);
    free(in);
    return n;
}

#define NMODEL 1100 /* past the first rebuild of the codes (1,024) */

/* After its first records of a kind a writer compresses with codes it
 * made from them (worker/warc.c, level 0), made again every 1,024: every
 * member still inflates alone to its record whatever the body (text like
 * the first ones, random bytes, nothing), and random bytes grow by no
 * more than stored blocks would. */
static void test_models(void)
{
    char dir[] = "/tmp/cf-test-warcm.XXXXXX", path[1024], err[256];
    static struct warc_place at[NMODEL];
    static unsigned char body[4096], out[16384];
    static long blen[NMODEL];
    struct warc_opts o = {0};
    struct warc_fetch f = {0};
    struct warc *w;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
    const char *req = "GET /p HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\n\r\n";
    int written = 0, whole = 0, small = 0;
    unsigned seed = 1;

    w = writer_in(dir, &o, "t", (int64_t)1 << 30, sizeof(body), err);
    if (!w)
        return;
    fetch_fill(&f, "http://a.test/p", req, head, (const char *)body, 0);
    for (int i = 0; i < NMODEL; i++) {
        /* the bodies of record i, made again below to compare */
        long n = 0;

        if (i < 16 || i % 3 == 0) {
            while (n < 3000)
                n += snprintf((char *)body + n, sizeof(body) - (size_t)n,
                              "<p class=\"t%d\">page %d, line %ld</p>\n",
                              i % 7, i, n);
        } else if (i % 3 == 1) {
            for (n = 0; n < 4096; n++) {
                seed = seed * 1103515245u + 12345u;
                body[n] = (unsigned char)(seed >> 16);
            }
        }
        blen[i] = n;
        f.body_len = (size_t)n;
        written += warc_write_fetch(w, &f, &at[i], err) == 0;
        snprintf(path, sizeof(path), "%.500s/%.500s.open", dir, at[i].file);
        {
            long got = inflate_at(path, (long)at[i].offset,
                                  (long)at[i].length, out, sizeof(out));

            whole += got > blen[i] + 4 &&
                     memcmp(out + got - 4 - blen[i], body,
                            (size_t)blen[i]) == 0 &&
                     memcmp(out + got - 4, "\r\n\r\n", 4) == 0;
            if (i % 3 == 1 && i >= 16)
                small += at[i].length <= got + 64;
            else
                small++;
        }
    }
    CHECK_INT(written, NMODEL);
    CHECK_INT(whole, NMODEL);
    CHECK_INT(small, NMODEL);
    warc_free(w);
    {
        char cmd[100];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_INT(system(cmd), 0);
    }
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), k = strlen(suffix);
        n += l > k && strcmp(e->d_name + l - k, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

static void test_writer(void)
{
    char dir[] = "/tmp/cf-test-warc.XXXXXX", path[1024], err[256];
    struct warc_opts o = {0};
    struct warc_fetch f = {0};
    struct warc_place at[3];
    struct warc *w;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    const char *req = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
    char *rec;

    o.worker = "host:1";
    o.info = "software: test\r\n";
    /* a file per fetch */
    w = writer_in(dir, &o, "t", 1, 1024, err);
    if (!w)
        return;
    fetch_fill(&f, "http://a.test/", req, head, "hello", 5);
    for (int i = 0; i < 3; i++)
        CHECK_INT(warc_write_fetch(w, &f, &at[i], err), 0);
    warc_free(w);
    CHECK_INT(count_files(dir, ".warc.gz"), 3);
    CHECK_INT(count_files(dir, ".open"), 0);
    CHECK(strstr(at[0].file, "t-") == at[0].file &&
          strstr(at[0].file, "-00000-host_1.warc.gz") != NULL);
    CHECK(strcmp(at[0].file, at[1].file) != 0);
    snprintf(path, sizeof(path), "%s/%s", dir, at[1].file);
    rec = member_at(path, (long)at[1].offset, (long)at[1].length);
    CHECK(rec && strncmp(rec, "WARC/1.1\r\nWARC-Type: response\r\n", 31) == 0);
    CHECK(rec && strstr(rec, "\r\nWARC-Target-URI: http://a.test/\r\n"));
    CHECK(rec && strstr(rec, "\r\nWARC-Payload-Digest: sha1:AAAA\r\n"));
    CHECK(rec && strstr(rec, "\r\nWARC-Date: 2026-12-06T23:33:20Z\r\n"));
    CHECK(rec && strstr(rec, "\r\n\r\nHTTP/1.1 200 OK\r\n"));
    CHECK(rec && strstr(rec, "\r\n\r\nhello\r\n\r\n"));
    {
        /* record ids are random: the response's and its request's
         * (WARC-Concurrent-To) differ, and are not all zeros */
        const char *id = rec ? strstr(rec, "WARC-Record-ID: <urn:uuid:")
                             : NULL;
        const char *to = rec ? strstr(rec, "WARC-Concurrent-To: <urn:uuid:")
                             : NULL;

        CHECK(id && to && strncmp(id + 26, to + 30, 36) != 0);
        CHECK(id && strncmp(id + 26, "00000000-0000-4000-8000", 23) != 0);
    }
    free(rec);

    /* a cut file: the whole file of at[2], a member's first 30 bytes
     * after it, under the .open name */
    {
        char open_path[1100], cmd[8000];
        struct stat st0, st1;

        snprintf(path, sizeof(path), "%s/%s", dir, at[2].file);
        snprintf(open_path, sizeof(open_path), "%s.open", path);
        stat(path, &st0);
        snprintf(cmd, sizeof(cmd), "mv %s %s && head -c 30 %s >%s.cut && "
                 "cat %s.cut >>%s", path, open_path, open_path, path,
                 path, open_path);
        CHECK_INT(system(cmd), 0);
        CHECK_INT(warc_repair_dir(dir, err), 1);
        CHECK_INT(count_files(dir, ".open"), 0);
        CHECK_INT(stat(path, &st1), 0);
        CHECK_INT(st1.st_size, st0.st_size);
        /* a file with no whole record is removed */
        snprintf(cmd, sizeof(cmd), "cp %s.cut %s/x.warc.gz.open", path, dir);
        CHECK_INT(system(cmd), 0);
        CHECK_INT(warc_repair_dir(dir, err), 0);
        CHECK_INT(count_files(dir, ".open"), 0);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_INT(system(cmd), 0);
    }
    /* an unusable directory */
    o.dir = "/proc/cf-no/such";
    CHECK(warc_new(&o, err) == NULL);
}

#define NREQ 40

struct done_log {
    int order[NREQ + 1];
    int n;
};

static struct done_log dlog;

static void on_done(struct warc_req *r, void *arg)
{
    (void)r;
    dlog.order[dlog.n++] = (int)(long)arg;
}

/* Wait on the notify fd and complete until n callbacks ran (or 5 s of
 * nothing: a lost wake-up fails the test). */
static void complete_until(struct warc *w, int n)
{
    struct pollfd p = {0};

    warc_flush(w); /* the end of the caller's pass */
    p.fd = warc_notify_fd(w);
    p.events = POLLIN;
    while (dlog.n < n && poll(&p, 1, 5000) == 1)
        warc_complete(w);
}

static void test_thread(void)
{
    char dir[] = "/tmp/cf-test-warct.XXXXXX", path[1024], err[256];
    static struct warc_req req[NREQ];
    static char bodies[NREQ][32];
    struct warc_opts o = {0};
    struct warc *w;
    const char *head = "HTTP/1.1 200 OK\r\n\r\n";
    int in_order = 1, at_ok = 0, called_cancelled = 0;

    /* a few files: rotation in the thread */
    w = writer_in(dir, &o, "t", 4096, 1024, err);
    if (!w)
        return;
    memset(&dlog, 0, sizeof(dlog));
    for (int i = 0; i < NREQ; i++) {
        struct warc_fetch *f = &req[i].f;

        snprintf(bodies[i], sizeof(bodies[i]), "body number %d", i);
        fetch_fill(f, "http://a.test/", NULL, head, bodies[i],
                   strlen(bodies[i]));
        req[i].cb = on_done;
        req[i].arg = (void *)(long)i;
        warc_submit(w, &req[i]);
        if (i == 7)
            warc_cancel(w, &req[7]); /* queued or written: never called */
    }
    complete_until(w, NREQ - 1);
    CHECK_INT(dlog.n, NREQ - 1);
    for (int i = 0, want = 0; i < dlog.n; i++, want++) {
        if (want == 7)
            want++;
        in_order &= dlog.order[i] == want;
        called_cancelled |= dlog.order[i] == 7;
    }
    CHECK(in_order);
    CHECK(!called_cancelled);
    for (int i = 0; i < NREQ; i++) {
        char *rec;

        if (i == 7)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, req[i].at.file);
        /* a file is renamed when it is closed: the newest is still open */
        if (access(path, F_OK) != 0)
            strcat(path, ".open");
        rec = member_at(path, (long)req[i].at.offset,
                        (long)req[i].at.length);
        at_ok += req[i].rc == 0 && rec && strstr(rec, bodies[i]) != NULL;
        free(rec);
    }
    CHECK_INT(at_ok, NREQ - 1);
    CHECK(count_files(dir, ".warc.gz") >= 2);
    warc_free(w);
    CHECK_INT(count_files(dir, ".open"), 0);

    /* a failure fails every later request with the same error: a record
     * bigger than max_record, then a good one */
    w = warc_new(&o, err);
    CHECK(w != NULL);
    if (!w)
        return;
    memset(&dlog, 0, sizeof(dlog));
    {
        static char big[WARC_HEADS_MAX + 4096]; /* past max_record + heads */

        memset(big, 'x', sizeof(big));
        req[0].f.body = big;
        req[0].f.body_len = sizeof(big);
        req[1].f.body = bodies[1];
        req[1].f.body_len = strlen(bodies[1]);
        warc_submit(w, &req[0]);
        warc_submit(w, &req[1]);
        complete_until(w, 2);
        CHECK_INT(dlog.n, 2);
        CHECK_INT(req[0].rc, CF_ERR);
        CHECK_INT(req[1].rc, CF_ERR);
        CHECK_STR(req[1].err, req[0].err);
    }
    warc_free(w);

    /* the same behind two good ones, most likely in one batch with them
     * (the thread takes what is queued at once): those before the
     * failure are written and found where their places say, the failure
     * and everything after it fail with its error */
    w = warc_new(&o, err);
    CHECK(w != NULL);
    if (!w)
        return;
    memset(&dlog, 0, sizeof(dlog));
    {
        static char big[WARC_HEADS_MAX + 4096];
        int found = 0;

        memset(big, 'x', sizeof(big));
        for (int i = 0; i < 4; i++) {
            req[i].f.body = i == 2 ? big : bodies[i];
            req[i].f.body_len = i == 2 ? sizeof(big) : strlen(bodies[i]);
            warc_submit(w, &req[i]);
        }
        complete_until(w, 4);
        CHECK_INT(dlog.n, 4);
        CHECK_INT(req[0].rc, 0);
        CHECK_INT(req[1].rc, 0);
        CHECK_INT(req[2].rc, CF_ERR);
        CHECK_INT(req[3].rc, CF_ERR);
        CHECK_STR(req[2].err, "response record too big");
        CHECK_STR(req[3].err, req[2].err);
        for (int i = 0; i < 2; i++) {
            char *rec;

            snprintf(path, sizeof(path), "%s/%s.open", dir, req[i].at.file);
            rec = member_at(path, (long)req[i].at.offset,
                            (long)req[i].at.length);
            found += rec && strstr(rec, bodies[i]) != NULL;
            free(rec);
        }
        CHECK_INT(found, 2);
    }
    warc_free(w);
    {
        char cmd[100];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_INT(system(cmd), 0);
    }
}

/* Passes as the worker's loop makes them: a few submits (1 to more than
 * a batch, and once more than the queue holds), then warc_flush, with
 * the callbacks of earlier passes run in between. Every request's
 * callback runs once, in the order submitted, and its record is where
 * its place says: a page lost or reordered between the loop's queue and
 * the thread's batches fails here, and a request left queued without a
 * wakeup fails complete_until's wait. */
#define NPASS_REQ 700

static struct done_log_big {
    int order[NPASS_REQ];
    int n;
} plog;

static void on_pass_done(struct warc_req *r, void *arg)
{
    (void)r;
    if (plog.n < NPASS_REQ)
        plog.order[plog.n] = (int)(long)arg;
    plog.n++;
}

static void test_passes(void)
{
    char dir[] = "/tmp/cf-test-warcp.XXXXXX", path[1024], err[256];
    static struct warc_req req[NPASS_REQ];
    static char bodies[NPASS_REQ][32];
    static const int pass[] = {1, 2, 1, 5, 63, 64, 65, 1, 130, 300, 3, 7,
                               0, 2};
    struct warc_opts o = {0};
    struct warc *w;
    struct pollfd p = {0};
    const char *head = "HTTP/1.1 200 OK\r\n\r\n";
    int n = 0, in_order = 1, at_ok = 0;

    w = writer_in(dir, &o, "p", 64 * 1024, 1024, err);
    if (!w)
        return;
    p.fd = warc_notify_fd(w);
    p.events = POLLIN;
    memset(&plog, 0, sizeof(plog));
    for (size_t k = 0; k < sizeof(pass) / sizeof(pass[0]); k++) {
        for (int i = 0; i < pass[k] && n < NPASS_REQ; i++, n++) {
            struct warc_fetch *f = &req[n].f;

            snprintf(bodies[n], sizeof(bodies[n]), "pass body %05d", n);
            fetch_fill(f, "http://a.test/", NULL, head, bodies[n],
                       strlen(bodies[n]));
            req[n].cb = on_pass_done;
            req[n].arg = (void *)(long)n;
            warc_submit(w, &req[n]);
        }
        if (pass[k] == 0) {
            /* everything written: the thread sleeps, and only the
             * flush of the next pass may wake it */
            while (plog.n < n && poll(&p, 1, 5000) == 1)
                warc_complete(w);
            CHECK_INT(plog.n, n);
        }
        warc_flush(w);
        /* what is done so far, without waiting: the loop goes on */
        if (poll(&p, 1, 0) == 1)
            warc_complete(w);
    }
    CHECK_INT(n, 644);
    while (plog.n < n && poll(&p, 1, 5000) == 1)
        warc_complete(w);
    CHECK_INT(plog.n, n);
    for (int i = 0; i < plog.n && i < n; i++)
        in_order &= plog.order[i] == i;
    CHECK(in_order);
    for (int i = 0; i < n; i++) {
        char *rec;

        snprintf(path, sizeof(path), "%s/%s", dir, req[i].at.file);
        if (access(path, F_OK) != 0)
            strcat(path, ".open");
        rec = member_at(path, (long)req[i].at.offset,
                        (long)req[i].at.length);
        at_ok += req[i].rc == 0 && rec && strstr(rec, bodies[i]) != NULL;
        free(rec);
    }
    CHECK_INT(at_ok, n);
    warc_free(w);
    {
        char cmd[100];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_INT(system(cmd), 0);
    }
}

int main(void)
{
    test_http_head();
    test_writer();
    test_thread();
    test_passes();
    test_models();
    return test_summary("test_warc");
}
