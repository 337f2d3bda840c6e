/* fuzz_parse.c - libFuzzer entry for parse_page(PARSE_TREE). The first byte
 * picks a Content-Type (none, latin1, shift_jis, utf-16, bogus) and the
 * options; the rest is the body. The page is parsed twice, with the text
 * squeezed (squeeze.h) and as is: the results must be the same. Then
 * the tree extraction gets, with its text held (squeeze_hold), must be
 * the tree of the page as is, node for node (a page gumbo 0.10.1 could
 * abort on, HTMLSCAN_GUMBO_ABORT, gets no tree either way). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htmlscan.h"
#include "parse.h"
#include "treedump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ctypes[] = {
    NULL, "text/html; charset=iso-8859-1", "text/html; charset=shift_jis",
    "text/html; charset=utf-16le", "text/html; charset=\"x-bogus",
    "text/html; charset=euc-jp", "text/html; charset=gb2312",
    "text/html; charset=utf-8"};

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same(const struct parse_result *a, const struct parse_result *b)
{
    if (!same_str(a->title, b->title) || !same_str(a->base, b->base) ||
        !same_str(a->canonical, b->canonical) || a->noindex != b->noindex ||
        !same_str(a->description, b->description) ||
        !same_str(a->lang, b->lang) ||
        !same_str(a->meta_robots, b->meta_robots) ||
        a->links_internal != b->links_internal ||
        a->links_external != b->links_external ||
        a->nofollow != b->nofollow || a->nlinks != b->nlinks ||
        memcmp(&a->stats, &b->stats, sizeof(a->stats)) != 0)
        return 0;
    for (size_t i = 0; i < a->nlinks; i++)
        if (strcmp(a->links[i], b->links[i]) != 0)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct parse_opts o = {.mode = PARSE_TREE, .max_links = 50,
                           .max_url_len = 512};
    struct parse_result r, whole;
    int unsafe;

    if (size < 1)
        return 0;
    o.follow_nofollow = data[0] & 8;
    o.max_depth = (data[0] & 16) ? 64 : 0;
    parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
               ctypes[data[0] & 7], &o, &r);
    if (r.stats.seen != r.nlinks + r.stats.invalid + r.stats.nofollow +
                            r.stats.duplicates + r.stats.over_cap ||
        r.nlinks != (size_t)r.links_internal + r.links_external)
        __builtin_trap();
    o.keep_text = 1;
    parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
               ctypes[data[0] & 7], &o, &whole);
    if (!same(&r, &whole))
        __builtin_trap();
    parse_result_cleanup(&whole);
    parse_result_cleanup(&r);
    {
        struct treedump held = {0}, as_is = {0};

        o.tree_cb = treedump_cb;
        o.tree_arg = &as_is;
        parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
                   ctypes[data[0] & 7], &o, &whole);
        parse_result_cleanup(&whole);
        o.keep_text = 0;
        o.tree_arg = &held;
        parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
                   ctypes[data[0] & 7], &o, &r);
        /* a page gumbo 0.10.1 could abort on gets no tree (parse.c) */
        unsafe = (r.approx & HTMLSCAN_GUMBO_ABORT) != 0;
        parse_result_cleanup(&r);
        if (unsafe ? held.s != NULL || as_is.s != NULL
                   : held.s == NULL || as_is.s == NULL ||
                         strcmp(held.s, as_is.s) != 0)
            __builtin_trap();
        free(held.s);
        free(as_is.s);
    }
    return 0;
}
