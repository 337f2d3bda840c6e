/* url_bench.c - micro-benchmark of common/url.c on the worker's hot path.
 *
 * Resolves a page's worth of typical links against one parsed base, many
 * times, and prints microseconds per URL; then split and hostkey.
 *
 *   make -j2 && cc -O2 -Icommon bench/url_bench.c build/libcfcommon.a \
 *       $(pkg-config --libs libcurl libpsl) -o build/url_bench
 *   build/url_bench [rounds] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "url.h"

static const char *const links[] = {
    "/", "/about", "/blog/2024/05/post-title.html", "../img/logo.png",
    "./style.css?v=3", "https://cdn.example.net/lib.js", "#top",
    "//static.example.org/a/b.css", "page2.html", "/search?q=a+b&page=2",
    "mailto:info@example.com", "javascript:void(0)", "/a/./b/../c/",
    "/Caf%c3%a9/men%7e", "HTTP://WWW.Example.COM:80/Index.html",
    "/tags/c%2B%2B", "?sort=date", "/products/12345/reviews#r7",
    "https://example.com/login?next=%2Faccount", "/en/docs/getting-started/",
    "/static/js/app.4f3e2a.js", "https://twitter.com/example", "/feed.xml",
    "tel:+15551234", "/a b/c", "/wiki/M%C3%BCnchen", "../../up/two.html",
    "/privacy", "/terms", "https://www.example.com/careers/",
    "/news/2024/06/01/some-long-article-slug-with-words", "/cart?add=99",
    "/images/photo_001.jpg", "https://example.com:8443/api/v1/items",
    "/contact", "/sitemap.xml", "/category/shoes/?color=red&size=42",
    "https://b\xc3\xbc" "cher.example/", "/#", "/index.php?id=7&lang=en",
};

#define N_LINKS (sizeof(links) / sizeof(links[0]))

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 20000, ok = 0;
    struct cf_url_base *b;
    struct cf_url_parts p;
    char key[256];
    double t0, t1;
    int err;

    b = cf_url_base_new("https://www.example.com/blog/2024/05/post.html",
                        &err);
    if (b == NULL) {
        fprintf(stderr, "base: %s\n", cf_url_strerror(err));
        return 1;
    }
    t0 = now();
    for (long r = 0; r < rounds; r++) {
        for (size_t i = 0; i < N_LINKS; i++) {
            char *out;

            if (cf_url_resolve(b, links[i], 0, &out) == CF_URL_OK) {
                ok++;
                free(out);
            }
        }
    }
    t1 = now();
    printf("resolve: %.3f us/url (%ld urls, %ld ok)\n",
           (t1 - t0) * 1e6 / (double)(rounds * (long)N_LINKS),
           rounds * (long)N_LINKS, ok);
    t0 = now();
    for (long r = 0; r < rounds * 10; r++) {
        cf_url_split("https://www.example.com:8443/a/b?c", &p);
        cf_url_hostkey("https://www.example.com/a/b?c", key, sizeof(key));
    }
    t1 = now();
    printf("split+hostkey: %.1f ns\n", (t1 - t0) * 1e9 / (double)(rounds * 10));
    cf_url_base_free(b);
    return 0;
}
