/* fuzz_robots.c - libFuzzer entry for robots_parse() and matching. The
 * input is a robots.txt body; a few fixed paths (and the body's own first
 * line as a path) are checked against it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"/", "/a/b.html?x=1", "/robots.txt",
                                        "/%7Ea/%E2%82%AC", "", "/*$"};
    struct robots *r = robots_parse((const char *)data, size, "fuzzbot");
    char path[256];
    size_t i, n;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        (void)robots_allowed(r, paths[i]);
    if (robots_allowed(r, "/robots.txt") != 1)
        __builtin_trap();
    n = size < sizeof(path) - 2 ? size : sizeof(path) - 2;
    path[0] = '/';
    memcpy(path + 1, data, n);
    path[n + 1] = '\0';
    (void)robots_allowed(r, path);
    (void)robots_crawl_delay_ms(r);
    for (i = 0; i < robots_nsitemaps(r); i++)
        (void)strlen(robots_sitemap(r, i));
    robots_free(r);
    return 0;
}
