/* htmlscan.h - the elements parse.c reads from a page (a, area, frame,
 * iframe, link, html, base, title, meta), with their attributes and the
 * title's text, in document order, found by a tokenizer without building
 * a tree. The rules applied to them (which links count, robots, ...) stay
 * in parse.c, one home for both paths.
 *
 * Why: on real pages gumbo's tree building is most of a crawl's CPU
 * (bench/README.md, S4), and links need no tree. htmlscan_run() runs the
 * WHATWG tokenizer states (data, tags and attributes, character
 * references, comments, doctype, RCDATA, RAWTEXT, script data with its
 * escapes, PLAINTEXT, CDATA in foreign content) and follows the few
 * tree-construction facts that change what the tokenizer does or what a
 * tree walk would read:
 *   - which elements switch the tokenizer to RCDATA (title, textarea),
 *     RAWTEXT (style, xmp, iframe, noembed, noframes), script data or
 *     PLAINTEXT, and that they do not in <select>, in a frameset or in
 *     foreign content;
 *   - foreign content: <svg> and <math>, their integration points
 *     (foreignObject, desc, title; mi, mo, mn, ms, mtext, annotation-xml
 *     with an HTML encoding) and the HTML start tags that break out of it;
 *     an <a> or <title> in foreign content is not an HTML one; in an
 *     integration point, which open element an end tag closes, as the
 *     in-body rules have it (special elements, the scopes); foreign
 *     content put before a table (out of its cells) is closed with that
 *     table by a <table> in its integration point;
 *   - <select> ignores every start tag but a few (no link in it);
 *   - <frameset>: once one is taken only <frame> and <noframes> count,
 *     and <frame> counts only there;
 *   - <template>: its content is no body, and its first start tag
 *     picks its insertion mode (a table mode, column group or the body),
 *     which decides what a <select>, a <table> or any tag in it does;
 *   - <noscript> is parsed as with scripting disabled (its content is
 *     markup, its links count), as gumbo, the reference, parses it: a
 *     crawler runs no scripts, and those links are the page's fallback.
 * Everything else about the tree (implied end tags, the adoption agency,
 * formatting copies) changes neither the elements parse.c reads nor
 * their order, with one exception the scanner detects and flags
 * (HTMLSCAN_APPROX_*): content the tree builder moves (a link inside a
 * table but outside its cells is foster-parented before the table). The
 * reference path (gumbo) and this one are compared page by page on real
 * documentation trees (tests/unit/test_parse_corpus.c) and by a
 * differential fuzzer (tests/fuzz/fuzz_htmlscan.c).
 *
 * The depth cut. Gumbo's cost grows with elements x nesting (parse.h,
 * PARSE_MAX_DEPTH), so a page is read only up to where its nesting
 * first passes a cap, and both paths read the same bytes: parse.c gives
 * gumbo doc[0..end) of this same run. The nesting is counted on this
 * tokenizer's own tokens: a start tag adds one unless it is of the flat
 * kind (void elements and the ones closed by their next sibling: p, li,
 * dt, dd, option, table parts, html, head, body, ...) or opens a foreign
 * element with "/>" (<svg/>, <path/> in an svg: HTML ignores "/>", so
 * <div/> counts); an end tag not of the flat kind takes one off, never
 * below 0.
 * Comments, doctypes and the content of raw text, RCDATA, script data
 * and PLAINTEXT are not tags (a <script>'s start and end tag cancel
 * out). The start tag that would take the nesting past max_depth ends
 * the scan at its '<' (end): nothing from it on is reported, and the
 * result is that of a scan of doc[0..end) whole, since every token
 * before it ended before it and was read no further. This is the
 * tokenizer's pass itself (one compare on the tag's known name); a
 * separate approximate tag scan before it was 7.5% of a worker's CPU
 * on rust-doc (bench/README.md).
 *
 * Attribute values and the title are decoded as gumbo decodes its input:
 * CR and CRLF to LF, NUL, invalid UTF-8 and the code points the HTML
 * standard forbids to U+FFFD, character references (named, legacy
 * without ';', numeric with the windows-1252 fix-ups, the attribute
 * rule for a legacy name followed by '=' or an alphanumeric). */
#ifndef WORKER_HTMLSCAN_H
#define WORKER_HTMLSCAN_H

#include <stddef.h>
#include <stdint.h>

#define HTMLSCAN_STACK_MAX 256  /* open foreign/table elements followed */

/* Where the answer may differ from a tree walk (bits of approx). */
#define HTMLSCAN_APPROX_FOSTER 1   /* content in a table outside its cells */
#define HTMLSCAN_APPROX_FOREIGN 2  /* foreign content closed by an HTML end
                                      tag, nested past the stack cap, or
                                      a table part opening a template's
                                      content there */
#define HTMLSCAN_APPROX_SELECT 4   /* <template> inside <select> */
#define HTMLSCAN_APPROX_FRAMESET 8 /* a <frameset> replaced a started body */
#define HTMLSCAN_APPROX_UNKNOWN_END 16 /* in an integration point, an end
                                          tag of an unknown name passed an
                                          open unknown element: gumbo
                                          0.10.1 closes it (htmlscan.c) */
#define HTMLSCAN_APPROX_END_TAIL 32 /* a foreign element closed by an end
                                       tag with more than its name
                                       ("</svg >"): gumbo 0.10.1 does
                                       not close it (htmlscan.c) */
#define HTMLSCAN_GUMBO_ABORT 128 /* gumbo 0.10.1 may abort the process
                                    on this page (parse.c keeps it from
                                    gumbo): an svg or math element
                                    named select or html opens, which
                                    its mode reset can take for an
                                    HTML one; or, on a page with any
                                    other flag, a select or html start
                                    tag after an svg or math one
                                    (htmlscan.c, gumbo_abort_risk) */
#define HTMLSCAN_APPROX_RESET 64 /* a select, or a table or template
                                    opened in an integration point,
                                    closed with an svg or math element
                                    named like a table part, select,
                                    frameset, ... open: gumbo 0.10.1
                                    resets its mode from that element
                                    (htmlscan.c) */

/* The HTML elements reported: the ones parse.c reads. */
enum htmlscan_tag {
    HTMLSCAN_A,
    HTMLSCAN_AREA,
    HTMLSCAN_FRAME,  /* only inside a <frameset>, where the tree has it */
    HTMLSCAN_IFRAME,
    HTMLSCAN_LINK,
    HTMLSCAN_HTML,   /* only the first <html> start tag with a lang: the
                        tree merges later ones' attributes into the first */
    HTMLSCAN_BASE,
    HTMLSCAN_TITLE,  /* only the first */
    HTMLSCAN_META,
};

/* The attributes reported (decoded), by index. */
enum {
    HTMLSCAN_HREF,
    HTMLSCAN_SRC,
    HTMLSCAN_REL,
    HTMLSCAN_TYPE,
    HTMLSCAN_LANG,
    HTMLSCAN_NAME,
    HTMLSCAN_CONTENT,
    HTMLSCAN_NATTR
};

/* One element, as the tree would hold it. */
struct htmlscan_el {
    enum htmlscan_tag tag;
    long attr[HTMLSCAN_NATTR]; /* offset of each value in strs; -1: absent */
    long text;                 /* HTMLSCAN_TITLE: its text in strs; or -1 */
};

struct htmlscan {
    char *strs;                 /* decoded values, each NUL-terminated */
    size_t nstrs, astrs;        /* bytes used, allocated */
    struct htmlscan_el *els;    /* elements in document order */
    size_t nels, aels;          /* used, allocated */
    unsigned approx;            /* HTMLSCAN_APPROX_* seen */
    size_t end;                 /* bytes read: n, or the offset of the
                                   '<' of the start tag that would nest
                                   past max_depth (the depth cut) */
};

/* Scan n bytes of UTF-8 HTML (need not be terminated; any bytes) into
 * *out, which the caller releases with htmlscan_cleanup() (zeroed first
 * here), up to the depth cut of max_depth (above; SIZE_MAX: none):
 * out->end says where it stopped. Never fails: hostile input only costs
 * linear time. */
void htmlscan_run(const char *doc, size_t n, size_t max_depth,
                  struct htmlscan *out);

/* Attribute a of e (decoded, NUL-terminated, owned by s), or NULL. */
static inline const char *htmlscan_attr(const struct htmlscan *s,
                                        const struct htmlscan_el *e, int a)
{
    /* inline: read for every attribute of every element reported (a
     * call each was 1% of the page stage on rust-doc) */
    return e->attr[a] >= 0 ? s->strs + e->attr[a] : NULL;
}

/* Code points the HTML standard forbids in the input stream (gumbo
 * turns them into U+FFFD). */
int htmlscan_forbidden_cp(unsigned c);

/* One UTF-8 character at p[0..n), n >= 1, p[0] >= 0x80: sets *cp (0xFFFD
 * for a bad sequence, as gumbo decodes it) and returns the bytes it
 * takes. */
size_t htmlscan_utf8_char(const unsigned char *p, size_t n, unsigned *cp);

/* Free what htmlscan_run() allocated and zero s. s may be NULL. */
void htmlscan_cleanup(struct htmlscan *s);

#endif
