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

/* Write the squeezed form of in[0..n) to out, which has room for n bytes
 * (the result is never longer). Returns its length. flags: 0 or
 * SQUEEZE_TAGS; with SQUEEZE_TAGS, out must not overlap in. */
size_t squeeze_html(const char *in, size_t n, char *out, int flags);

#endif
