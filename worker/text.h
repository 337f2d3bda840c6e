/* text.h - the readable text of a parsed page, plain or as Markdown.
 *
 * Takes gumbo's tree (the page parsed whole, not squeezed: parse.h's
 * tree_cb) and writes what a reader sees: text nodes with entities
 * already decoded by the parser and whitespace runs collapsed to one
 * space; block elements (p, div, headings, list items, table rows, ...)
 * and <br> start new lines; <pre> keeps its whitespace. Left out: the
 * head, script, style, template, noscript, iframe, object, svg, math,
 * canvas, audio, video, select and textarea, and every element that is
 * hidden (the hidden attribute, aria-hidden="true", input type=hidden,
 * an inline style with display:none or visibility:hidden).
 *
 * Markdown keeps the structure language-model pipelines ask for: "#"
 * headings, "-" and "1." list items (nested lists indented by two
 * spaces), [links](href as written), *emphasis*, **strong**, `code`,
 * fenced <pre> blocks, "> " block quotes, "---" for <hr>, and a blank
 * line between paragraphs. Text is not escaped, and tables are rows of
 * cells separated by " | ".
 *
 * The output is capped: past cap bytes it is cut at a character
 * boundary, *truncated is set, and the walk stops, so a 10 MB text node
 * or a huge tree costs no more than the cap (and the walk up to it). */
#ifndef WORKER_TEXT_H
#define WORKER_TEXT_H

#include <stddef.h>

#include <gumbo.h>

#include "config.h"

/* The text of the tree under root (a document or element node) in mode
 * (CF_TEXT_PLAIN or CF_TEXT_MARKDOWN), at most cap bytes (cap >= 1).
 * Returns a heap string the caller frees (never NULL; "" when the page
 * has no visible text); *len gets its length and *truncated 1 when the
 * cap cut it. */
char *text_extract(const GumboNode *root, enum cf_text_mode mode,
                   size_t cap, size_t *len, int *truncated);

#endif
