/* warc_bench.c - the cost per page of worker/warc.c's warc_write_fetch
 * (request and response records: block digest, gzip members, write), for
 * callgrind and for the clock:
 *
 *   build/bench/warc_bench LIST N OUTDIR
 *   valgrind --tool=callgrind build/bench/warc_bench LIST N OUTDIR
 *
 * LIST names HTML files, one a line (400 pages of the S1 bench site:
 * find /tmp/cf-bench-site-20000/www/127.0.0.3 -name '*.html' | head
 * -400); each is archived N times behind the request and response heads
 * nginx sends for it, as the worker would (payload digest from fetch).
 * With N = 0 only the files are read and digested (the setup to
 * subtract). Prints pages, seconds, microseconds and WARC bytes per
 * page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "digest.h"
#include "err.h"
#include "warc.h"
#include "slurp.h"

#define PAGES_MAX 4000

struct page {
    char *body;
    size_t len;
    char digest[CF_SHA1_TEXT_LEN];
};

int main(int argc, char **argv)
{
    static struct page pages[PAGES_MAX];
    struct warc_opts o = {0};
    struct warc_place at;
    char line[1024], err[CF_ERRSTR_LEN], req[512], resp[512], url[256];
    long n, i, k, np = 0;
    struct warc *w;
    FILE *l;
    double t0, t;

    if (argc != 4) {
        fprintf(stderr, "usage: warc_bench LIST N OUTDIR\n");
        return 2;
    }
    n = atol(argv[2]);
    l = fopen(argv[1], "r");
    if (!l) {
        perror(argv[1]);
        return 1;
    }
    while (np < PAGES_MAX && fgets(line, sizeof(line), l)) {
        struct cf_sha1 h = {0};

        line[strcspn(line, "\n")] = '\0';
        pages[np].body = slurp(line, &pages[np].len);
        if (!pages[np].body)
            continue;
        cf_sha1_init(&h);
        cf_sha1_update(&h, pages[np].body, pages[np].len);
        cf_sha1_final_text(&h, pages[np].digest);
        cf_sha1_cleanup(&h);
        np++;
    }
    fclose(l);
    if (np == 0) {
        fprintf(stderr, "warc_bench: no pages in %s\n", argv[1]);
        return 1;
    }
    o.dir = argv[3];
    o.prefix = "bench";
    o.worker = "bench:1";
    o.max_size = (int64_t)1 << 40;
    o.max_record = 1 << 24;
    o.info = "software: warc_bench\r\n";
    w = warc_new(&o, err);
    if (!w) {
        fprintf(stderr, "warc_bench: %s\n", err);
        return 1;
    }
    t0 = (double)cf_mono_ms();
    for (k = 0; k < n; k++) {
        for (i = 0; i < np; i++) {
            struct warc_fetch f = {0};

            snprintf(url, sizeof(url), "http://127.0.0.3:8631/p%ld.html", i);
            f.url = url;
            f.ip = "127.0.0.3";
            f.date_ms = 1765000000000 + i;
            f.req_len = (size_t)snprintf(
                req, sizeof(req),
                "GET /p%ld.html HTTP/1.1\r\nHost: 127.0.0.3:8631\r\n"
                "User-Agent: crawlfleet/0.1\r\nAccept: */*\r\n"
                "Accept-Encoding: deflate, gzip, br, zstd\r\n\r\n", i);
            f.req_head = req;
            f.resp_len = (size_t)snprintf(
                resp, sizeof(resp),
                "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
                "Date: Mon, 07 Dec 2026 08:00:00 GMT\r\n"
                "Content-Type: text/html\r\nContent-Length: %zu\r\n"
                "Last-Modified: Mon, 07 Dec 2026 05:37:00 GMT\r\n"
                "Connection: keep-alive\r\nETag: \"6931a0fc-%zx\"\r\n"
                "Accept-Ranges: bytes\r\n\r\n", pages[i].len, pages[i].len);
            f.resp_head = resp;
            f.body = pages[i].body;
            f.body_len = pages[i].len;
            f.payload_digest = pages[i].digest;
            if (warc_write_fetch(w, &f, &at, err) != 0) {
                fprintf(stderr, "warc_bench: %s\n", err);
                return 1;
            }
        }
    }
    t = ((double)cf_mono_ms() - t0) / 1000.0;
    printf("warc_bench: pages=%ld s=%.3f us_per_page=%.1f "
           "bytes_per_page=%.0f\n", n * np, t,
           n ? t * 1e6 / (double)(n * np) : 0.0,
           n ? (double)(at.offset + at.length) / (double)(n * np) : 0.0);
    warc_free(w);
    for (i = 0; i < np; i++)
        free(pages[i].body);
    return 0;
}
