/* buf.c - growable byte buffer with a hard cap. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"

void cf_buf_init(struct cf_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void cf_buf_cleanup(struct cf_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void cf_buf_reset(struct cf_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the NUL. */
static int grow(struct cf_buf *b, size_t n)
{
    size_t need, a;

    if (n > b->cap || b->len > b->cap - n)
        return CF_ETOOBIG;
    need = b->len + n + 1;
    if (need <= b->alloc)
        return CF_OK;
    a = b->alloc ? b->alloc : 64;
    while (a < need)
        a *= 2;
    if (b->cap < SIZE_MAX && a > b->cap + 1)
        a = b->cap + 1;
    b->data = cf_realloc(b->data, a);
    b->alloc = a;
    return CF_OK;
}

void cf_buf_reserve(struct cf_buf *b, size_t n)
{
    if (b->len > b->cap)
        return;
    if (n > b->cap - b->len)
        n = b->cap - b->len;
    if (n > SIZE_MAX - 1 - b->len)
        return;
    if (b->len + n + 1 > b->alloc) {
        b->data = cf_realloc(b->data, b->len + n + 1);
        if (b->alloc == 0)
            b->data[0] = '\0';
        b->alloc = b->len + n + 1;
    }
}

int cf_buf_add(struct cf_buf *b, const void *p, size_t n)
{
    /* room already (the common case: msgpack writes a byte or a few at
     * a time): no call into grow() */
    if (!(n < b->alloc - b->len && n <= b->cap - b->len) &&
        grow(b, n) != CF_OK)
        return CF_ETOOBIG;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CF_OK;
}

int cf_buf_addstr(struct cf_buf *b, const char *s)
{
    return cf_buf_add(b, s, strlen(s));
}

int cf_buf_addf(struct cf_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CF_EINVAL;
    if (grow(b, (size_t)n) != CF_OK)
        return CF_ETOOBIG;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CF_OK;
}

char *cf_buf_take(struct cf_buf *b, size_t *len)
{
    char *d = b->data ? b->data : cf_strdup("");

    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->alloc = 0;
    return d;
}
