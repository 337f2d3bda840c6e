/* test_text.c - text_extract(): visible text and Markdown from a parsed
 * page: blocks and inline elements, hidden elements, entities, whitespace,
 * charsets (through parse_page's decoding), the cap. */
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "alloc.h"
#include "parse.h"
#include "test.h"
#include "text.h"

#define P CF_TEXT_PLAIN
#define M CF_TEXT_MARKDOWN

static const struct {
    const char *html;
    enum cf_text_mode mode;
    size_t cap;
    const char *want;
    int truncated;
} cases[] = {
    {"", P, 100, "", 0},
    {"<p>Hello</p>", P, 100, "Hello", 0},
    {"  <p>  Hello \n\t world  </p>  ", P, 100, "Hello world", 0},
    /* inline elements flow, blocks break */
    {"<p>a <b>bold</b> and <i>it</i>alic</p><p>next</p>", P, 100,
     "a bold and italic\nnext", 0},
    {"<div>one<div>two</div>three</div>", P, 100, "one\ntwo\nthree", 0},
    {"a<br>b<br><br>c", P, 100, "a\nb\nc", 0},
    {"<ul><li>x</li><li>y</li></ul>", P, 100, "x\ny", 0},
    {"<h1>Title</h1><p>body</p>", P, 100, "Title\nbody", 0},
    {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", P,
     100, "a b\nc", 0},
    /* left out: head, script, style, template, noscript, hidden */
    {"<head><title>T</title><style>p{}</style></head><body>x</body>", P,
     100, "x", 0},
    {"a<script>var x = 1;</script>b", P, 100, "ab", 0},
    {"a<template><p>t</p></template>b", P, 100, "ab", 0},
    {"a<noscript>enable js</noscript>b", P, 100, "ab", 0},
    {"<p>a</p><p hidden>secret</p><p>b</p>", P, 100, "a\nb", 0},
    {"<p>a</p><div style='DISPLAY: none'>x</div><p>b</p>", P, 100, "a\nb",
     0},
    {"<p>a</p><div style='visibility:hidden'>x</div>", P, 100, "a", 0},
    {"<p>a<span aria-hidden=true>x</span></p>", P, 100, "a", 0},
    {"<p>a<span aria-hidden=false>x</span></p>", P, 100, "ax", 0},
    {"x<svg><text>svg</text></svg>y<iframe>f</iframe>z", P, 100, "xyz", 0},
    {"<select><option>o</option></select>t<textarea>w</textarea>", P, 100,
     "t", 0},
    /* entities and character references are decoded */
    {"<p>Fish &amp; Chips &lt;3 &eacute;&#233;&#x1F600;&nbsp;x</p>", P, 100,
     "Fish & Chips <3 \xC3\xA9\xC3\xA9\xF0\x9F\x98\x80\xC2\xA0x", 0},
    /* pre keeps its whitespace */
    {"<pre>a  b\n  c</pre><p>d</p>", P, 100, "a  b\n  c\nd", 0},
    /* comments are not text */
    {"a<!-- hidden -->b", P, 100, "ab", 0},
    /* the cap: cut, marked; never inside a character */
    {"<p>hello world</p>", P, 5, "hello", 1},
    {"<p>hello</p>", P, 5, "hello", 0},
    {"<p>\xC3\xA9\xC3\xA9</p>", P, 3, "\xC3\xA9", 1},
    {"<p>\xF0\x9F\x98\x80</p>", P, 3, "", 1},
    {"<p>ab</p><p>cd</p>", P, 3, "ab", 1}, /* no trailing break */
    /* Markdown */
    {"<h1>T</h1><h3>s</h3><p>x</p>", M, 100, "# T\n\n### s\n\nx", 0},
    {"<p>a <em>b</em> <strong>c</strong> <code>d</code></p>", M, 100,
     "a *b* **c** `d`", 0},
    {"<p>see <a href='/x?a=1'>the  page</a>.</p>", M, 100,
     "see [the page](/x?a=1).", 0},
    {"<a name=top>anchor</a>", M, 100, "anchor", 0},
    {"<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><p>z</p>", M, 100,
     "- a\n- b\n  - c\n\nz", 0},
    {"<ol><li>one</li><li>two</li></ol>", M, 100, "1. one\n2. two", 0},
    {"<blockquote><p>q1</p><p>q2</p></blockquote>x", M, 100,
     "> q1\n\n> q2\n\nx", 0},
    {"<pre><code>int x;\nint y;</code></pre>", M, 100,
     "```\nint x;\nint y;\n```", 0},
    {"<p>a</p><hr><p>b</p>", M, 100, "a\n\n---\n\nb", 0},
    {"<table><tr><th>k</th><th>v</th></tr></table>", M, 100, "k | v |", 0},
    {"<p>a</p><p hidden>b</p>", M, 100, "a", 0},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        GumboOutput *g = gumbo_parse(cases[i].html);
        size_t len;
        int cut = -1;
        char *t = text_extract(g->document, cases[i].mode, cases[i].cap,
                               &len, &cut);

        CHECKF(strcmp(t, cases[i].want) == 0, "case %zu: got \"%s\" want \"%s\"",
               i, t, cases[i].want);
        CHECKF(len == strlen(t), "case %zu: len %zu", i, len);
        CHECKF(cut == cases[i].truncated, "case %zu: truncated %d", i, cut);
        free(t);
        gumbo_destroy_output(&kGumboDefaultOptions, g);
    }
}

/* Through parse_page: the body is decoded to UTF-8 first (Latin-1 here),
 * and the tree the callback gets is not squeezed. */
struct got {
    char *text;
};

static void on_tree(const void *doc, const char *base, void *arg)
{
    struct got *g = arg;
    size_t len;
    int cut;

    g->text = text_extract(doc, CF_TEXT_PLAIN, 1000, &len, &cut);
}

static void test_charset(void)
{
    static const char page[] = "<meta charset=iso-8859-1><title>t</title>"
                               "<p>Caf\xe9 cr\xe8me</p><p>fin</p>";
    struct parse_opts o = {.max_links = 10};
    struct parse_result r;
    struct got g = {NULL};

    o.tree_cb = on_tree;
    o.tree_arg = &g;
    parse_page(page, sizeof(page) - 1, "http://a.example/", NULL, &o, &r);
    CHECK_STR(g.text, "Caf\xc3\xa9 cr\xc3\xa8me\nfin");
    CHECK_STR(r.title, "t");
    free(g.text);
    parse_result_cleanup(&r);
}

/* Hostile: a 10 MB text node and 200,000 nested elements cost the cap
 * (and the depth cut), not the page. */
static void test_hostile(void)
{
    size_t n = 10 * 1024 * 1024, i, k;
    char *big = cf_malloc(n + 32);
    struct parse_opts o = {.max_links = 10};
    struct parse_result r;
    struct got g = {NULL};

    memcpy(big, "<p>", 3);
    memset(big + 3, 'x', n);
    memcpy(big + 3 + n, "</p>", 5);
    o.tree_cb = on_tree;
    o.tree_arg = &g;
    parse_page(big, strlen(big), "http://a.example/", NULL, &o, &r);
    CHECK(g.text != NULL && strlen(g.text) == 1000);
    free(g.text);
    g.text = NULL;
    parse_result_cleanup(&r);

    /* 200,000 nested <div>s, text at the bottom */
    k = 0;
    big = cf_realloc(big, 200000 * 11 + 64);
    for (i = 0; i < 200000; i++) {
        memcpy(big + k, "<div>", 5);
        k += 5;
    }
    memcpy(big + k, "deep", 4);
    k += 4;
    big[k] = '\0';
    parse_page(big, k, "http://a.example/", NULL, &o, &r);
    CHECK(g.text != NULL); /* cut at PARSE_MAX_DEPTH: the text is gone */
    CHECK(r.stats.depth_cut > 0);
    free(g.text);
    parse_result_cleanup(&r);
    free(big);
}

int main(void)
{
    test_cases();
    test_charset();
    test_hostile();
    return test_summary("test_text");
}
