/* text.c - visible text and Markdown from gumbo's tree, one bounded walk.
 *
 * The walk goes down and up the tree (gwalk.h: no stack, any depth),
 * calling enter() on the way down and leave() on the way up. Output goes through one writer that holds what is pending
 * (a space, line breaks, a Markdown line lead) until visible text
 * follows, so collapsed whitespace and block breaks never pile up and
 * nothing trails. */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ascii.h"
#include "gwalk.h"

#define LIST_MAX 16 /* list nesting tracked for Markdown markers */

/* What an element means to the text. */
enum tclass {
    TC_INLINE = 0, /* text flows through */
    TC_SKIP,       /* not shown: nothing under it is written */
    TC_BLOCK,      /* on lines of its own */
    TC_PARA,       /* a block with a blank line around it in Markdown */
    TC_HEADING,    /* h1..h6 */
    TC_UL,         /* unordered list */
    TC_OL,         /* ordered list */
    TC_LI,         /* list item */
    TC_BR,         /* line break */
    TC_HR,         /* thematic break */
    TC_PRE,        /* whitespace kept */
    TC_QUOTE,      /* blockquote */
    TC_A,          /* link */
    TC_EM,         /* em, i */
    TC_STRONG,     /* strong, b */
    TC_CODE,       /* code, kbd, samp */
    TC_CELL,       /* td, th */
    TC_ROW,        /* tr */
};

static const struct {
    GumboTag tag;
    enum tclass cls;
} tag_classes[] = {
    {GUMBO_TAG_HEAD, TC_SKIP},       {GUMBO_TAG_SCRIPT, TC_SKIP},
    {GUMBO_TAG_STYLE, TC_SKIP},      {GUMBO_TAG_TEMPLATE, TC_SKIP},
    {GUMBO_TAG_NOSCRIPT, TC_SKIP},   {GUMBO_TAG_IFRAME, TC_SKIP},
    {GUMBO_TAG_OBJECT, TC_SKIP},     {GUMBO_TAG_SVG, TC_SKIP},
    {GUMBO_TAG_MATH, TC_SKIP},       {GUMBO_TAG_CANVAS, TC_SKIP},
    {GUMBO_TAG_AUDIO, TC_SKIP},      {GUMBO_TAG_VIDEO, TC_SKIP},
    {GUMBO_TAG_SELECT, TC_SKIP},     {GUMBO_TAG_TEXTAREA, TC_SKIP},
    {GUMBO_TAG_TITLE, TC_SKIP},      {GUMBO_TAG_DIV, TC_BLOCK},
    {GUMBO_TAG_SECTION, TC_PARA},    {GUMBO_TAG_ARTICLE, TC_PARA},
    {GUMBO_TAG_HEADER, TC_BLOCK},    {GUMBO_TAG_FOOTER, TC_BLOCK},
    {GUMBO_TAG_NAV, TC_BLOCK},       {GUMBO_TAG_ASIDE, TC_BLOCK},
    {GUMBO_TAG_MAIN, TC_BLOCK},      {GUMBO_TAG_ADDRESS, TC_BLOCK},
    {GUMBO_TAG_FIGURE, TC_PARA},     {GUMBO_TAG_FIGCAPTION, TC_BLOCK},
    {GUMBO_TAG_FORM, TC_BLOCK},      {GUMBO_TAG_FIELDSET, TC_BLOCK},
    {GUMBO_TAG_LEGEND, TC_BLOCK},    {GUMBO_TAG_DETAILS, TC_BLOCK},
    {GUMBO_TAG_SUMMARY, TC_BLOCK},   {GUMBO_TAG_DL, TC_PARA},
    {GUMBO_TAG_DT, TC_BLOCK},        {GUMBO_TAG_DD, TC_BLOCK},
    {GUMBO_TAG_CAPTION, TC_BLOCK},   {GUMBO_TAG_TABLE, TC_PARA},
    {GUMBO_TAG_TR, TC_ROW},          {GUMBO_TAG_TD, TC_CELL},
    {GUMBO_TAG_TH, TC_CELL},         {GUMBO_TAG_P, TC_PARA},
    {GUMBO_TAG_H1, TC_HEADING},      {GUMBO_TAG_H2, TC_HEADING},
    {GUMBO_TAG_H3, TC_HEADING},      {GUMBO_TAG_H4, TC_HEADING},
    {GUMBO_TAG_H5, TC_HEADING},      {GUMBO_TAG_H6, TC_HEADING},
    {GUMBO_TAG_UL, TC_UL},           {GUMBO_TAG_MENU, TC_UL},
    {GUMBO_TAG_OL, TC_OL},           {GUMBO_TAG_LI, TC_LI},
    {GUMBO_TAG_BR, TC_BR},           {GUMBO_TAG_HR, TC_HR},
    {GUMBO_TAG_PRE, TC_PRE},         {GUMBO_TAG_LISTING, TC_PRE},
    {GUMBO_TAG_BLOCKQUOTE, TC_QUOTE}, {GUMBO_TAG_A, TC_A},
    {GUMBO_TAG_EM, TC_EM},           {GUMBO_TAG_I, TC_EM},
    {GUMBO_TAG_STRONG, TC_STRONG},   {GUMBO_TAG_B, TC_STRONG},
    {GUMBO_TAG_CODE, TC_CODE},       {GUMBO_TAG_KBD, TC_CODE},
    {GUMBO_TAG_SAMP, TC_CODE},
};

static unsigned char classes[GUMBO_TAG_LAST + 1];
static int classes_ready;

static void classes_init(void)
{
    for (size_t i = 0; i < sizeof(tag_classes) / sizeof(tag_classes[0]); i++)
        classes[tag_classes[i].tag] = (unsigned char)tag_classes[i].cls;
    classes_ready = 1;
}

/* The writer. */
struct tw {
    char *buf;         /* output, buf[len] kept '\0' */
    size_t len, alloc; /* bytes used, allocated */
    size_t max;        /* cap */
    int full;          /* the cap was reached: stop */
    int md;            /* Markdown */
    int started;       /* visible text written */
    int space;         /* a space is pending */
    int nl;            /* line breaks pending (0..2) */
    const char *lead;  /* Markdown lead of the next line ("## ", "- ") */
    char num[16];      /* room for an ordered item's lead */
    int pre;           /* inside <pre>: whitespace kept */
    int quote;         /* blockquote depth */
    int nlist;         /* list nesting */
    int ordered[LIST_MAX]; /* per level: 0 bullet, else the next number */
};

/* Append s[0..n), cut at the cap on a character boundary. */
static void put(struct tw *w, const char *s, size_t n)
{
    if (w->full)
        return;
    if (w->len + n > w->max) {
        n = w->max - w->len;
        /* back off a split UTF-8 sequence */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        w->full = 1;
    }
    if (w->len + n + 1 > w->alloc) {
        size_t a = w->alloc ? w->alloc : 256;
        while (a < w->len + n + 1)
            a *= 2;
        w->buf = cf_realloc(w->buf, a);
        w->alloc = a;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(struct tw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Write what is pending before visible text. */
static void flush(struct tw *w)
{
    int line_start = !w->started || w->nl > 0;

    if (w->started && w->nl > 0)
        put(w, "\n\n", (size_t)w->nl);
    else if (w->started && w->space)
        put(w, " ", 1);
    if (w->md && line_start) {
        for (int i = 0; i < w->quote; i++)
            puts_(w, "> ");
        for (int i = 1; i < w->nlist; i++)
            puts_(w, "  ");
    }
    if (w->md && w->lead != NULL)
        puts_(w, w->lead);
    w->lead = NULL;
    w->nl = 0;
    w->space = 0;
    w->started = 1;
}

/* Ask for n line breaks (the larger request wins). */
static void breaks(struct tw *w, int n)
{
    if (!w->md && n > 1)
        n = 1;
    if (w->started && w->nl < n)
        w->nl = n;
    w->space = 0;
}

/* Markdown markup: written like text, but only in Markdown. */
static void mark(struct tw *w, const char *s)
{
    if (!w->md)
        return;
    flush(w);
    puts_(w, s);
}

static void text(struct tw *w, const char *s)
{
    if (w->pre) {
        /* kept as is; each line break goes through the writer */
        while (*s && !w->full) {
            size_t n = strcspn(s, "\n");
            if (n > 0) {
                flush(w);
                put(w, s, n);
            }
            s += n;
            if (*s == '\n') {
                if (w->started)
                    w->nl = 1;
                s++;
            }
        }
        return;
    }
    while (*s && !w->full) {
        size_t n;
        if (cf_is_space((unsigned char)*s)) {
            w->space = 1;
            s++;
            continue;
        }
        n = 0;
        while (s[n] && !cf_is_space((unsigned char)s[n]))
            n++;
        flush(w);
        put(w, s, n);
        s += n;
    }
}

static const char *attr(const GumboElement *e, const char *name)
{
    GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a != NULL ? a->value : NULL;
}

/* 1 if the inline style s hides the element: display:none or
 * visibility:hidden, any case and spacing. */
static int style_hides(const char *s)
{
    char buf[512];
    size_t n = 0;

    for (; *s && n < sizeof(buf) - 1; s++)
        if (!cf_is_space((unsigned char)*s))
            buf[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s | 0x20 : *s);
    buf[n] = '\0';
    return strstr(buf, "display:none") != NULL ||
           strstr(buf, "visibility:hidden") != NULL;
}

static int hidden(const GumboElement *e)
{
    const char *v;

    if (e->attributes.length == 0)
        return 0;
    if (attr(e, "hidden") != NULL)
        return 1;
    v = attr(e, "aria-hidden");
    if (v != NULL && strcasecmp(v, "true") == 0)
        return 1;
    v = attr(e, "style");
    if (v != NULL && style_hides(v))
        return 1;
    v = attr(e, "type");
    return e->tag == GUMBO_TAG_INPUT && v != NULL &&
           strcasecmp(v, "hidden") == 0;
}

static enum tclass class_of(const GumboElement *e)
{
    if (e->tag_namespace != GUMBO_NAMESPACE_HTML)
        return e->tag == GUMBO_TAG_SVG || e->tag == GUMBO_TAG_MATH
                   ? TC_SKIP
                   : TC_INLINE;
    return (enum tclass)classes[e->tag];
}

static const char *const heading_leads[] = {"# ",    "## ",    "### ",
                                            "#### ", "##### ", "###### "};

/* Going down into e. Returns 0 when nothing under e is written. */
static int enter(struct tw *w, const GumboElement *e)
{
    enum tclass c = class_of(e);
    int lvl;

    if (c == TC_SKIP || hidden(e))
        return 0;
    switch (c) {
    case TC_BLOCK:
    case TC_ROW:
        breaks(w, 1);
        break;
    case TC_PARA:
        breaks(w, 2);
        break;
    case TC_HEADING:
        breaks(w, 2);
        w->lead = heading_leads[e->tag - GUMBO_TAG_H1];
        break;
    case TC_UL:
    case TC_OL:
        breaks(w, w->nlist > 0 ? 1 : 2);
        if (w->nlist < LIST_MAX)
            w->ordered[w->nlist] = c == TC_OL ? 1 : 0;
        w->nlist++;
        break;
    case TC_LI:
        breaks(w, 1);
        lvl = w->nlist > LIST_MAX ? LIST_MAX : w->nlist;
        if (lvl > 0 && w->ordered[lvl - 1] > 0) {
            snprintf(w->num, sizeof(w->num), "%d. ", w->ordered[lvl - 1]++);
            w->lead = w->num;
        } else {
            w->lead = "- ";
        }
        break;
    case TC_BR:
        if (w->started)
            w->nl = w->nl > 0 ? w->nl : 1;
        break;
    case TC_HR:
        breaks(w, 2);
        mark(w, "---");
        breaks(w, 2);
        break;
    case TC_PRE:
        breaks(w, 2);
        mark(w, "```");
        if (w->md)
            w->nl = 1;
        w->pre++;
        break;
    case TC_QUOTE:
        breaks(w, 2);
        w->quote++;
        break;
    case TC_A:
        if (w->md && attr(e, "href") != NULL)
            mark(w, "[");
        break;
    case TC_EM:
        mark(w, "*");
        break;
    case TC_STRONG:
        mark(w, "**");
        break;
    case TC_CODE:
        if (!w->pre)
            mark(w, "`");
        break;
    case TC_CELL:
        if (w->started && w->nl == 0)
            w->space = 1;
        break;
    default:
        break;
    }
    return 1;
}

/* Coming back up out of e (entered). */
static void leave(struct tw *w, const GumboElement *e)
{
    const char *href;

    switch (class_of(e)) {
    case TC_BLOCK:
    case TC_ROW:
    case TC_LI:
        breaks(w, 1);
        break;
    case TC_PARA:
    case TC_HEADING:
        w->lead = NULL;
        breaks(w, 2);
        break;
    case TC_UL:
    case TC_OL:
        w->nlist--;
        breaks(w, w->nlist > 0 ? 1 : 2);
        break;
    case TC_PRE:
        w->pre--;
        if (w->md) {
            w->nl = 1;
            mark(w, "```");
        }
        breaks(w, 2);
        break;
    case TC_QUOTE:
        breaks(w, 2);
        w->quote--;
        break;
    case TC_A:
        href = attr(e, "href");
        if (w->md && href != NULL) {
            w->space = 0;
            mark(w, "](");
            puts_(w, href);
            puts_(w, ")");
        }
        break;
    case TC_EM:
        w->space = 0;
        mark(w, "*");
        break;
    case TC_STRONG:
        w->space = 0;
        mark(w, "**");
        break;
    case TC_CODE:
        if (!w->pre) {
            w->space = 0;
            mark(w, "`");
        }
        break;
    case TC_CELL:
        if (w->md && w->started && w->nl == 0)
            mark(w, " |");
        w->space = 1;
        break;
    default:
        break;
    }
}

/* gwalk_next's up: an element gone into is left. */
static void up_leave(const GumboNode *n, void *arg)
{
    if (n->type == GUMBO_NODE_ELEMENT)
        leave(arg, &n->v.element);
}

char *text_extract(const GumboNode *root, enum cf_text_mode mode,
                   size_t cap, size_t *len, int *truncated)
{
    struct tw w;
    const GumboNode *n = root;

    if (!classes_ready)
        classes_init();
    memset(&w, 0, sizeof(w));
    w.max = cap;
    w.md = mode == CF_TEXT_MARKDOWN;
    put(&w, "", 0);
    while (n != NULL && !w.full) {
        int open = 1;

        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
            n->type == GUMBO_NODE_WHITESPACE)
            text(&w, n->v.text.text);
        else if (n->type == GUMBO_NODE_ELEMENT)
            open = enter(&w, &n->v.element);
        /* a template's content is never shown */
        n = gwalk_next(root, n, open && n->type != GUMBO_NODE_TEMPLATE,
                       up_leave, &w);
    }
    /* a cut can end on a space or break the writer had let through */
    while (w.full && w.len > 0 && cf_is_space((unsigned char)w.buf[w.len - 1]))
        w.buf[--w.len] = '\0';
    *len = w.len;
    *truncated = w.full;
    return w.buf;
}
