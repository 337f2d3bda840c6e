/* parse_bench.c - parse_page() cost per page: gumbo with the arena vs
 * malloc, and the share of link resolution.
 *
 *   build/bench/parse_bench [N] [FILE...]
 *
 * Without files, N synthetic ~20 KB pages with ~40 links each; with files
 * (e.g. a gensite.py site), those pages, N passes.
 *
 * PARSE_BENCH_EXTRACT=1 runs the page stage's extraction on every tree
 * (extract.h): --text and the three rules of bench/run.sh's s1x, so that
 * callgrind counts what a page costs with them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "config.h"
#include "err.h"
#include "extract.h"
#include "parse.h"
#include "url.h"
#include "slurp.h"

/* s1x's rules (bench/run.sh). */
static const char *const x_rules[] = {
    "h1=css:h1::text",
    "num=css:table.data td.num::text",
    "related=xpath://aside[@class=\"related\"]//a/@href",
};

static void on_tree(const void *doc, const char *base, void *arg)
{
    struct extract_out out;

    extract_run(arg, doc, base, &out);
    extract_out_cleanup(&out);
}

/* The plan of --text and x_rules, or NULL without PARSE_BENCH_EXTRACT. */
static struct extract_plan *bench_plan(struct cf_config *cfg)
{
    const char *e = getenv("PARSE_BENCH_EXTRACT");
    char err[CF_ERRSTR_LEN];
    struct extract_plan *p;

    cf_config_init(cfg);
    if (e == NULL || strcmp(e, "1") != 0)
        return NULL;
    cf_config_set(cfg, "text", "plain", err);
    for (size_t i = 0; i < sizeof(x_rules) / sizeof(x_rules[0]); i++)
        if (cf_config_set(cfg, "extract", x_rules[i], err) != 0) {
            fprintf(stderr, "parse_bench: %s\n", err);
            exit(1);
        }
    p = extract_plan_new(cfg, err);
    if (p == NULL) {
        fprintf(stderr, "parse_bench: %s\n", err);
        exit(1);
    }
    return p;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *synth(unsigned seed, size_t *len)
{
    char *p = cf_malloc(32768), *o = p;
    int i;

    o += sprintf(o, "<!doctype html><html><head><meta charset=utf-8>"
                    "<title>Page %u of the bench site</title>"
                    "<link rel=stylesheet href=/s.css></head><body>"
                    "<nav><ul>", seed);
    for (i = 0; i < 40; i++) {
        o += sprintf(o, "<li><a href=\"/section%d/page-%u.html\">Link %d"
                        "</a></li>", i % 7, (seed * 31 + (unsigned)i) % 5000,
                     i);
        if (i == 10)
            o += sprintf(o, "</ul></nav><main><article>");
        if (i > 10)
            o += sprintf(o, "<p class=\"body-text\">Lorem ipsum dolor sit "
                            "amet, <b>consectetur</b> adipiscing elit, sed "
                            "do eiusmod tempor incididunt ut labore et "
                            "dolore magna aliqua. Ut enim ad minim veniam, "
                            "quis nostrud exercitation ullamco laboris nisi "
                            "ut aliquip ex ea commodo consequat. <i>Duis "
                            "aute</i> irure dolor in reprehenderit in "
                            "voluptate velit esse cillum dolore eu fugiat "
                            "nulla pariatur. Excepteur sint occaecat.</p>"
                            "<div class=card><span>x</span></div>");
    }
    o += sprintf(o, "</article></main><footer>&copy; bench</footer>"
                    "</body></html>");
    *len = (size_t)(o - p);
    return p;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000, npages, i, pass, k;
    char **pages;
    size_t *lens, bytes = 0, links = 0;
    struct parse_opts o = {.max_links = 5000};
    struct parse_result r;
    double t, ms[2], res_ms;
    struct cf_url_base *b;
    struct cf_config cfg;
    struct extract_plan *plan = bench_plan(&cfg);
    int err;

    npages = argc > 2 ? argc - 2 : n;
    pages = cf_calloc((size_t)npages, sizeof(*pages));
    lens = cf_calloc((size_t)npages, sizeof(*lens));
    for (i = 0; i < npages; i++) {
        pages[i] = argc > 2 ? slurp(argv[i + 2], &lens[i])
                            : synth((unsigned)i, &lens[i]);
        if (pages[i] == NULL) {
            fprintf(stderr, "parse_bench: cannot read %s\n", argv[i + 2]);
            return 1;
        }
        bytes += lens[i];
    }
    pass = argc > 2 ? n : 1;
    if (plan != NULL) {
        o.mode = PARSE_TREE;
        o.tree_cb = on_tree;
        o.tree_arg = plan;
    }
    for (k = 0; k < 2; k++) {
        /* PARSE_BENCH_ONLY=arena|malloc runs one mode (for callgrind). */
        const char *only = getenv("PARSE_BENCH_ONLY");
        if (only != NULL && strcmp(only, k ? "malloc" : "arena") != 0) {
            ms[k] = 0;
            continue;
        }
        o.system_alloc = k;
        t = now();
        for (int p = 0; p < pass; p++)
            for (i = 0; i < npages; i++) {
                parse_page(pages[i], lens[i], "http://bench.example/a/b.html",
                           "text/html", &o, &r);
                if (k == 0 && p == 0)
                    links += r.nlinks;
                parse_result_cleanup(&r);
            }
        ms[k] = (now() - t) * 1000 / ((double)npages * pass);
    }
    /* Link resolution alone: the same number of links per page. */
    b = cf_url_base_new("http://bench.example/a/b.html", &err);
    t = now();
    for (int p = 0; p < pass; p++)
        for (i = 0; i < npages; i++)
            for (size_t j = 0; j < links / (size_t)npages; j++) {
                char ref[64], *out;
                snprintf(ref, sizeof(ref), "/section%zu/page-%d.html", j % 7,
                         i);
                if (cf_url_resolve(b, ref, 0, &out) == 0)
                    free(out);
            }
    res_ms = (now() - t) * 1000 / ((double)npages * pass);
    cf_url_base_free(b);
    printf("pages %d x %d passes, avg %.1f KB, %.1f links/page\n", npages,
           pass, (double)bytes / npages / 1024, (double)links / npages);
    printf("arena:  %.3f ms/page\nmalloc: %.3f ms/page (arena saves "
           "%.0f%%)\nlink resolution: %.3f ms/page (%.0f%% of arena "
           "parse)\n",
           ms[0], ms[1], 100 * (1 - ms[0] / ms[1]), res_ms,
           100 * res_ms / ms[0]);
    for (i = 0; i < npages; i++)
        free(pages[i]);
    extract_plan_free(plan);
    cf_config_cleanup(&cfg);
    free(pages);
    free(lens);
    return 0;
}
