/* slurp.h - a whole file in memory, for the benchmark programs that read
 * saved pages (page_bench, parse_bench, warc_bench). Header only: each
 * program is one file plus the project's libraries. */
#ifndef CF_BENCH_SLURP_H
#define CF_BENCH_SLURP_H

#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"

/* The bytes of path, NUL-terminated, with their count in *len; NULL if
 * the file cannot be opened or read whole. The caller frees. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
        rewind(f);
        p = cf_malloc((size_t)n + 1);
        if (fread(p, 1, (size_t)n, f) == (size_t)n) {
            p[n] = '\0';
            *len = (size_t)n;
        } else {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    return p;
}

#endif
