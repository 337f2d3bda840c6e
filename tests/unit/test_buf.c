/* test_buf.c - common/buf.c */
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "test.h"

int main(void)
{
    struct cf_buf b;
    char *s;
    size_t n;

    cf_buf_init(&b, 8);
    CHECK_INT(cf_buf_addstr(&b, "abc"), CF_OK);
    CHECK_INT(cf_buf_add(&b, "defgh", 5), CF_OK);
    CHECK_INT(b.len, 8);
    CHECK_STR(b.data, "abcdefgh");
    /* at the cap: refused, contents kept */
    CHECK_INT(cf_buf_add(&b, "x", 1), CF_ETOOBIG);
    CHECK_STR(b.data, "abcdefgh");
    cf_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_INT(cf_buf_addf(&b, "%d-%s", 42, "x"), CF_OK);
    CHECK_STR(b.data, "42-x");
    CHECK_INT(cf_buf_addf(&b, "%s", "toolong"), CF_ETOOBIG);
    CHECK_STR(b.data, "42-x");
    s = cf_buf_take(&b, &n);
    CHECK_INT(n, 4);
    CHECK_STR(s, "42-x");
    CHECK(b.data == NULL && b.len == 0);
    free(s);
    /* overflow-safe cap check */
    cf_buf_init(&b, (size_t)-1);
    CHECK_INT(cf_buf_add(&b, "a", 1), CF_OK);
    CHECK_INT(cf_buf_add(&b, "a", (size_t)-1), CF_ETOOBIG);
    cf_buf_cleanup(&b);
    /* reserve: room up to the cap, contents kept, no move after it */
    cf_buf_init(&b, 100);
    cf_buf_reserve(&b, 40);
    CHECK_INT(b.alloc, 41);
    CHECK_STR(b.data, "");
    CHECK_INT(cf_buf_addstr(&b, "abc"), CF_OK);
    cf_buf_reserve(&b, 1000); /* clipped to the cap */
    CHECK_INT(b.alloc, 101);
    CHECK_STR(b.data, "abc");
    s = b.data;
    for (int i = 0; i < 97; i++)
        cf_buf_add(&b, "x", 1);
    CHECK_INT(b.len, 100);
    CHECK(b.data == s);
    CHECK_INT(cf_buf_add(&b, "x", 1), CF_ETOOBIG);
    cf_buf_reserve(&b, 10); /* full: nothing to do */
    CHECK_INT(b.alloc, 101);
    cf_buf_cleanup(&b);
    cf_buf_init(&b, (size_t)-1);
    cf_buf_reserve(&b, (size_t)-1); /* no room that large: a no-op */
    CHECK(b.data == NULL && b.alloc == 0);
    cf_buf_cleanup(&b);
    cf_buf_cleanup(NULL);
    return test_summary("test_buf");
}
