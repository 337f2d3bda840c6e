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
 * document is copied as is. */
#ifndef WORKER_SQUEEZE_H
#define WORKER_SQUEEZE_H

#include <stddef.h>

/* Write the squeezed form of in[0..n) to out, which has room for n bytes
 * (the result is never longer). Returns its length. */
size_t squeeze_html(const char *in, size_t n, char *out);

#endif
