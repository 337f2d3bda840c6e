/* page_bench.c - the worker's page stage (page_parse(): decode, tokenize,
 * resolve, scope, link records) over real or generated pages, for
 * callgrind's instruction counts.
 *
 *   build/bench/page_bench [-n PASSES] -r ROOT -u URL FILE...
 *       every FILE under ROOT, parsed as URL + its path below ROOT (as
 *       nginx serves the tree), PASSES times
 *   build/bench/page_bench [-n PASSES] -k KIND [-s BYTES]
 *       one generated page of KIND (kinds below), about BYTES long
 *       (default 200,000; the kind "big" is 5 MB)
 *   -t: the crawl asks for the page's text (text = plain): the stage
 *       then parses with gumbo, the tree path, instead of the tokenizer
 *
 * Prints pages, bytes and links taken. Instructions per byte of the
 * parse stage alone (bench/pages.sh, bench/README.md):
 *
 *   valgrind --tool=callgrind --toggle-collect=page_parse \
 *       build/bench/page_bench -k svg
 *
 * The kinds are the pages a tree-building or squeezing parser falls over
 * on; each holds the same ordinary content (paragraphs, inline markup, a
 * link every ~230 bytes, as rust-doc's pages) wrapped or interleaved with
 * its feature. The scope is the S4 bench's: hosts:127.0.0.52:8634. As
 * in a worker, the links a page takes go into a dedup cache (seen.h, the
 * worker's default size) after it, as if its ack had been accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "extract.h"
#include "page.h"
#include "scope.h"
#include "seen.h"
#include "slurp.h"

#define BENCH_URL "http://127.0.0.52:8634/std/bench/page.html"
#define BENCH_SCOPE "hosts:127.0.0.52:8634"
#define KIND_BYTES 200000
#define BIG_BYTES (5 * 1024 * 1024)

/* One block of ordinary content: n counts the blocks for unique links. */
static void ordinary(struct cf_buf *b, unsigned n)
{
    char s[1024];
    int k = snprintf(s, sizeof(s),
        "<div class=\"item\"><h3 id=\"m%u\"><a href=\"#m%u\">method_%u</a>"
        "</h3><p>Returns the <code>value</code> of the <a href=\"../std/"
        "struct.Item%u.html\" title=\"struct std::Item%u\">Item%u</a> "
        "held, or <em>none</em> when the slot is empty; see also <a href="
        "\"fn.helper_%u.html\">helper</a> &amp; <a href=\"https://"
        "127.0.0.52:8634/std/index.html#s%u\">the index</a>.</p></div>\n",
        n, n, n, n % 97, n % 97, n % 97, n % 53, n);

    cf_buf_add(b, s, (size_t)k);
}

static void add(struct cf_buf *b, const char *s)
{
    cf_buf_add(b, s, strlen(s));
}

/* A page of kind with about want bytes; NULL for an unknown kind. */
static char *gen(const char *kind, size_t want, size_t *len)
{
    struct cf_buf b;
    unsigned n = 0;

    cf_buf_init(&b, want + 65536);
    add(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>A bench page</title><link rel=\"stylesheet\" "
            "href=\"../static/rustdoc.css\"></head><body>\n");
    if (strcmp(kind, "noscript") == 0)
        add(&b, "<noscript><link rel=\"stylesheet\" href=\"../static/"
                "noscript.css\"></noscript>\n");
    if (strcmp(kind, "table") == 0)
        add(&b, "<table>\n");
    while (b.len < want) {
        char s[512];

        if (strcmp(kind, "ordinary") == 0 || strcmp(kind, "big") == 0) {
            ordinary(&b, n++);
        } else if (strcmp(kind, "noscript") == 0) {
            add(&b, "<noscript><div class=\"warn\">This page needs "
                    "scripts: <a href=\"../help.html\">help</a></div>"
                    "</noscript>\n");
            ordinary(&b, n++);
        } else if (strcmp(kind, "svg") == 0) {
            snprintf(s, sizeof(s), "<svg width=\"16\" height=\"16\" "
                     "viewBox=\"0 0 16 16\"><title>icon %u</title><path "
                     "d=\"M8 0L16 8L8 16L0 8Z\" fill=\"#333\"/><a "
                     "href=\"icon%u.html\"><text x=\"1\" y=\"12\">i</text>"
                     "</a><foreignObject><p>Label <b>%u</b></p>"
                     "</foreignObject></svg>\n", n, n % 31, n);
            add(&b, s);
            ordinary(&b, n++);
        } else if (strcmp(kind, "math") == 0) {
            snprintf(s, sizeof(s), "<math display=\"block\"><mrow><msup>"
                     "<mi>x</mi><mn>%u</mn></msup><mo>+</mo><mfrac><mi>a"
                     "</mi><mi>b</mi></mfrac><mtext>term <a href=\"t%u."
                     "html\">%u</a></mtext></mrow><annotation-xml encoding"
                     "=\"text/html\"><span>x</span></annotation-xml></math>"
                     "\n", n % 9, n % 31, n);
            add(&b, s);
            ordinary(&b, n++);
        } else if (strcmp(kind, "template") == 0) {
            add(&b, "<template id=\"row\"><tr><td><a href=\"row.html\">"
                    "row</a></td><td class=\"v\"></td></tr></template>\n");
            ordinary(&b, n++);
        } else if (strcmp(kind, "iframe") == 0) {
            snprintf(s, sizeof(s), "<iframe src=\"frame%u.html\" title="
                     "\"demo\">Your browser has no frames: <a href=\"frame"
                     "%u.html\">open it</a> &lt;here&gt;</iframe>\n",
                     n % 31, n % 31);
            add(&b, s);
            ordinary(&b, n++);
        } else if (strcmp(kind, "table") == 0) {
            snprintf(s, sizeof(s), "<tr><td>%u</td><td><a href=\"../std/"
                     "struct.Row%u.html\">Row%u</a></td><td class=\"num\">"
                     "%u.%02u</td><td>text in a cell</td><td><code>fn</code>"
                     "</td><td>&nbsp;</td></tr>\n", n, n % 97, n % 97,
                     n * 7 % 1000, n % 100);
            add(&b, s);
            n++;
        } else {
            cf_buf_cleanup(&b);
            return NULL;
        }
    }
    if (strcmp(kind, "table") == 0)
        add(&b, "</table>\n");
    add(&b, "</body></html>\n");
    *len = b.len;
    return b.data; /* the caller frees */
}

static void usage(void)
{
    fprintf(stderr, "usage: page_bench [-t] [-n PASSES] -r ROOT -u URL "
                    "FILE...\n"
                    "       page_bench [-t] [-n PASSES] -k KIND [-s BYTES]\n"
                    "kinds: ordinary noscript svg math template iframe "
                    "table big\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *root = NULL, *url = NULL, *kind = NULL;
    size_t want = 0, npages, bytes = 0, links = 0, i;
    char **pages, **urls, errstr[CF_ERRSTR_LEN];
    size_t *lens;
    struct cf_config cfg;
    struct scope *sc;
    struct seen *seen = seen_new(1048576); /* the worker's default */
    struct extract_plan *plan = NULL;
    int passes = 1, c, tree = 0;

    while ((c = getopt(argc, argv, "tn:r:u:k:s:")) != -1) {
        switch (c) {
        case 't': tree = 1; break;
        case 'n': passes = atoi(optarg); break;
        case 'r': root = optarg; break;
        case 'u': url = optarg; break;
        case 'k': kind = optarg; break;
        case 's': want = (size_t)strtoul(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (passes < 1 || (kind == NULL) == (optind == argc) ||
        (kind == NULL && (root == NULL || url == NULL)))
        usage();
    npages = kind ? 1 : (size_t)(argc - optind);
    pages = cf_calloc(npages, sizeof(*pages));
    urls = cf_calloc(npages, sizeof(*urls));
    lens = cf_calloc(npages, sizeof(*lens));
    for (i = 0; i < npages; i++) {
        if (kind) {
            if (want == 0)
                want = strcmp(kind, "big") == 0 ? BIG_BYTES : KIND_BYTES;
            pages[i] = gen(kind, want, &lens[i]);
            urls[i] = cf_strdup(BENCH_URL);
            if (pages[i] == NULL)
                usage();
        } else {
            const char *f = argv[optind + (int)i];
            size_t rl = strlen(root);

            pages[i] = slurp(f, &lens[i]);
            if (pages[i] == NULL) {
                fprintf(stderr, "page_bench: cannot read %s\n", f);
                return 1;
            }
            if (strncmp(f, root, rl) == 0)
                f += rl;
            while (*f == '/')
                f++;
            urls[i] = cf_asprintf("%s%s", url, f);
        }
        bytes += lens[i];
    }
    cf_config_init(&cfg);
    free(cfg.scope);
    cfg.scope = cf_strdup(BENCH_SCOPE);
    sc = scope_new(&cfg, errstr);
    if (sc == NULL) {
        fprintf(stderr, "page_bench: %s\n", errstr);
        return 1;
    }
    if (tree) {
        free(cfg.text);
        cfg.text = cf_strdup("plain");
        plan = extract_plan_new(&cfg, errstr);
        if (plan == NULL) {
            fprintf(stderr, "page_bench: no extraction plan: %s\n", errstr);
            return 1;
        }
    }
    for (int p = 0; p < passes; p++)
        for (i = 0; i < npages; i++) {
            struct page_in in = {0};
            struct page_links pl;

            in.url = urls[i];
            in.fp = i;
            in.depth = 1;
            in.scope = sc;
            in.cfg = &cfg;
            in.body = pages[i];
            in.body_len = lens[i];
            in.content_type = "text/html";
            in.now_ms = 1700000000000LL;
            in.seen = seen;
            in.plan = plan;
            page_links_init(&pl);
            if (page_parse(&in, &pl) == 0 && p == 0)
                links += pl.n;
            for (size_t k = 0; k < pl.n; k++)
                seen_add(seen, pl.links[k].fp);
            page_links_cleanup(&pl);
        }
    printf("pages %zu x %d passes, %zu bytes, %zu links taken\n", npages,
           passes, bytes, links);
    for (i = 0; i < npages; i++) {
        free(pages[i]);
        free(urls[i]);
    }
    free(pages);
    free(urls);
    free(lens);
    scope_free(sc);
    seen_free(seen);
    extract_plan_free(plan);
    cf_config_cleanup(&cfg);
    return 0;
}
