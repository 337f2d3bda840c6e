/* alloc.c - allocation wrappers that abort on out-of-memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void oom(size_t size)
{
    fprintf(stderr, "crawlfleet: out of memory allocating %zu bytes\n", size);
    abort();
}

void cf_oom(void)
{
    fprintf(stderr, "crawlfleet: out of memory in a library call\n");
    abort();
}

void *cf_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (p == NULL)
        oom(size);
    return p;
}

void *cf_calloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (p == NULL)
        oom(nmemb * size);
    return p;
}

void *cf_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (p == NULL)
        oom(size);
    return p;
}

char *cf_strdup(const char *s)
{
    return cf_memdup(s, strlen(s));
}

char *cf_strndup(const char *s, size_t n)
{
    const char *end = memchr(s, '\0', n);

    return cf_memdup(s, end ? (size_t)(end - s) : n);
}

void *cf_memdup(const void *p, size_t n)
{
    char *c = cf_malloc(n + 1);

    if (n)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

char *cf_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    s = cf_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
