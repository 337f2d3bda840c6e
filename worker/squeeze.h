/* squeeze.h - shrink an HTML document's text before gumbo parses it.
 *
 * Gumbo turns every character of text into a token that goes through the
 * tree builder one by one: on a typical page that is most of the parse.
 * What parse.c takes from the tree (elements, attributes, the text of
 * <title>) does not depend on text content, only on where non-whitespace
 * text first appears between two tags. squeeze_html() copies every tag,
 * comment and declaration byte for byte, keeps each text run's leading
 * whitespace and its first character, and drops the rest of the run and
 * the content of <script>, <style> and <textarea>. The element tree gumbo
 * builds from the result is the same as from the original (same elements,
 * attributes and nesting; only text nodes differ), and <title> text is
 * kept whole.
 *
 * A tokenizer for the HTML5 data state (tags with quoted attributes,
 * comments, declarations) finds the runs. Where the tree builder would
 * change the tokenizer's state in ways this scanner does not follow
 * (<svg>, <math>, <select>, <template>, <frameset>, <noscript>, <iframe>,
 * <plaintext>, ..., or a <script> holding "<!--"), the rest of the
 * document is copied as is.
 *
 * With SQUEEZE_TAGS all text goes (but the title), and the start and end
 * tags of inert elements go too:
 * elements parse.c never reads and whose presence changes nothing it
 * reads (div, span, p, li, h1-h6, b, em, img, br, ...). The tree is then
 * smaller but holds the same elements parse.c reads, with the same
 * attributes and in the same order, so parse_page() gives the same
 * result (it skips the copies of <a> that the tree builder makes when it
 * reopens formatting elements, as those depend on the dropped tags).
 * Table structure is kept, as foster parenting reorders elements. A
 * document that reaches one of the cases copied as is above is squeezed
 * again without dropping tags, as the modes those cases enter may depend
 * on the dropped elements. */
#ifndef WORKER_SQUEEZE_H
#define WORKER_SQUEEZE_H

#include <stddef.h>

#define SQUEEZE_TAGS 1 /* also drop the tags of inert elements */

/* Held text (squeeze_hold): for the pages a crawl extracts from, which
 * need every text node. Each text run (and the content of <script>,
 * <style> and <textarea>) keeps its leading and trailing whitespace, and
 * the rest, its core, is replaced by one marker character (4 bytes) that
 * numbers it; the core stays in the input, listed here. Gumbo builds
 * the same tree from the result, with a marker where each core was;
 * squeeze_unhold() puts the cores back into a text node's text. Only
 * cores of at least 4 bytes that gumbo would copy unchanged are held
 * (no character reference, NUL, invalid UTF-8 or forbidden code point),
 * at most SQUEEZE_HOLD_MAX per page; the rest is copied as is.
 *
 * Why: a page's text reaches gumbo's tree builder one character at a
 * time, about 400 instructions each; on S1's pages with --text and three
 * --extract rules, gumbo was 80% of the page stage (bench/README.md,
 * s1x). */
#define SQUEEZE_HOLD_MAX 65534 /* markers: U+F0000 .. U+FFFFD */

struct squeeze_run {
    const char *src; /* the core, in the squeezed input */
    size_t len;      /* its bytes */
};

struct squeeze_held {
    struct squeeze_run *runs; /* by marker number */
    size_t n, alloc;          /* used, allocated */
};

/* Write the squeezed form of in[0..n) to out, which has room for n bytes
 * (the result is never longer). Returns its length. flags: 0 or
 * SQUEEZE_TAGS; with SQUEEZE_TAGS, out must not overlap in. */
size_t squeeze_html(const char *in, size_t n, char *out, int flags);

/* Held text: write in[0..n) with its text held to out (room for n bytes,
 * no overlap with in), set *outlen and fill *h (zeroed first; it points
 * into in, which must outlive it). Returns 0, or -1 when in cannot be
 * held because it holds a marker's character or a numeric character
 * reference from U+F0000 up (nothing written; parse in as is).
 * squeeze_held_cleanup() frees h in both cases. */
int squeeze_hold(const char *in, size_t n, char *out,
                 struct squeeze_held *h, size_t *outlen);

/* The bytes s[0..n) (text of the tree gumbo built from squeeze_hold's
 * output) takes with its cores put back, at most; a bound for
 * squeeze_unhold's out, plus its '\0'. */
size_t squeeze_unhold_max(const struct squeeze_held *h, const char *s,
                          size_t n);

/* Write s[0..n) with every marker replaced by its core (CR and CRLF as
 * LF) and a '\0' to out; returns the length. */
size_t squeeze_unhold(const struct squeeze_held *h, const char *s, size_t n,
                      char *out);

void squeeze_held_cleanup(struct squeeze_held *h);

#endif
