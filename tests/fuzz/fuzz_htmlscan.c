/* fuzz_htmlscan.c - differential libFuzzer entry: the links path
 * (PARSE_LINKS, htmlscan.h) against gumbo (PARSE_TREE, text kept whole).
 * The first input byte picks a Content-Type, follow_nofollow and a small
 * max_depth (so that the depth cut, htmlscan.h, happens often); the rest
 * is the body. Where the page is cut and read as is (UTF-8 declared, no
 * byte order mark), the links path must also give what it gives for the
 * bytes before the cut read whole. Title, base, canonical, description, lang, robots, links
 * in order and every counter must agree, unless the links path flagged the page (the tree
 * builder moved content: HTMLSCAN_APPROX_*, a documented difference).
 * The link cap is out of the way so that every link is compared.
 *
 * Documented differences, not compared:
 *   - a numeric character reference past 2^31 (&#2147483648;): the
 *     standard and htmlscan make it U+FFFD; gumbo 0.10.1 computes it in
 *     a wrapping int (a negative one even ends the text node).
 *   - in an integration point, an end tag of a name gumbo does not know
 *     closes any open element it does not know either (</y> closes <d>);
 *     htmlscan compares names, as the standard does, and flags the page
 *     (HTMLSCAN_APPROX_UNKNOWN_END), so it is not compared.
 *   - in foreign content, an end tag with more than its name ("</svg >",
 *     "</mi/>") closes no foreign element in gumbo 0.10.1 (it compares
 *     the tag's whole text); htmlscan closes it, as the standard does,
 *     and flags the page (HTMLSCAN_APPROX_END_TAIL).
 *   - when a select closes (or a table or template opened in an
 *     integration point), gumbo 0.10.1 resets the insertion mode from
 *     the open elements by tag alone, so an svg or math element named
 *     select, td, tr, frameset, ... sets it (<svg><select><desc><select>
 *     </select> is back in a select); the standard and htmlscan take
 *     only HTML elements, and htmlscan flags the page
 *     (HTMLSCAN_APPROX_RESET). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ctypes[] = {
    NULL, "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
    "text/html; charset=shift_jis"};

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same(const struct parse_result *a, const struct parse_result *b)
{
    if (!same_str(a->title, b->title) || !same_str(a->base, b->base) ||
        !same_str(a->canonical, b->canonical) || a->noindex != b->noindex ||
        a->nofollow != b->nofollow || a->nlinks != b->nlinks ||
        !same_str(a->description, b->description) ||
        !same_str(a->lang, b->lang) ||
        !same_str(a->meta_robots, b->meta_robots) ||
        a->links_internal != b->links_internal ||
        memcmp(&a->stats, &b->stats, sizeof(a->stats)) != 0)
        return 0;
    for (size_t i = 0; i < a->nlinks; i++)
        if (strcmp(a->links[i], b->links[i]) != 0)
            return 0;
    return 1;
}

/* 1 when data holds "&#" with more than 9 decimal or 7 hex digits. */
static int huge_numeric_ref(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        size_t k = i + 2, digits = 0;
        int hex = 0;
        if (d[i] != '&' || d[i + 1] != '#')
            continue;
        if (d[k] == 'x' || d[k] == 'X') {
            hex = 1;
            k++;
        }
        for (; k < n; k++, digits++) {
            int c = d[k] | 0x20;
            if (!((d[k] >= '0' && d[k] <= '9') ||
                  (hex && c >= 'a' && c <= 'f')))
                break;
        }
        if (digits > (hex ? 7u : 9u))
            return 1;
    }
    return 0;
}

/* 1 when body starts with a byte order mark (it wins over the header:
 * the page is then not read as is). */
static int has_bom(const uint8_t *d, size_t n)
{
    return (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) ||
           (n >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) ||
                       (d[0] == 0xFE && d[1] == 0xFF)));
}

/* The links path over the page's first len - depth_cut bytes, no cap:
 * what the cut page gave. */
static void check_prefix(const uint8_t *body, size_t len,
                         const struct parse_opts *o,
                         const struct parse_result *cut)
{
    struct parse_opts w = *o;
    struct parse_result whole, c = *cut;

    w.mode = PARSE_LINKS;
    w.max_depth = (size_t)-1;
    parse_page((const char *)body, len - cut->stats.depth_cut,
               "http://fuzz.example/a/b", ctypes[1], &w, &whole);
    c.stats.depth_cut = 0;
    if (whole.stats.depth_cut != 0 || whole.approx != cut->approx ||
        !same(&c, &whole))
        __builtin_trap();
    parse_result_cleanup(&whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct parse_opts o = {.max_links = 100000, .max_url_len = 512};
    struct parse_result tree, scan;

    if (size < 1 || huge_numeric_ref(data, size))
        return 0;
    o.follow_nofollow = data[0] & 4;
    if (data[0] & 8)
        o.max_depth = 1 + (data[0] >> 4); /* 1..16 */
    o.mode = PARSE_TREE;
    o.keep_text = 1;
    parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
               ctypes[data[0] & 3], &o, &tree);
    o.mode = PARSE_LINKS;
    parse_page((const char *)data + 1, size - 1, "http://fuzz.example/a/b",
               ctypes[data[0] & 3], &o, &scan);
    if (scan.approx == 0 && !same(&tree, &scan))
        __builtin_trap();
    if (scan.stats.depth_cut > 0 && (data[0] & 3) == 1 &&
        !has_bom(data + 1, size - 1))
        check_prefix(data + 1, size - 1, &o, &scan);
    parse_result_cleanup(&tree);
    parse_result_cleanup(&scan);
    return 0;
}
