/* squeeze.c - drop the text gumbo would only turn into text nodes.
 *
 * The scanner follows the HTML5 tokenizer's data state closely enough to
 * know where each tag, comment and declaration ends (a '>' inside a
 * quoted attribute value does not end a tag). Everything it is not sure
 * about is copied unchanged: squeezing can only ever remove text. */
#define _GNU_SOURCE /* memmem */
#include "ascii.h"
#include "squeeze.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "htmlscan.h"

/* Start tags after which the rest is copied as is: the tree builder
 * switches the tokenizer (foreign content, plaintext), ignores tags
 * (select, frameset) or runs modes this scanner does not model. */
static const char *const bail_tags[] = {
    "svg", "math", "plaintext", "noscript", "select", "template",
    "frameset", "iframe", "xmp", "noembed", "noframes", NULL};

/* Elements whose content is raw text up to their end tag; keep: the
 * content is copied (the title is read from the tree), else dropped. */
static const struct {
    const char *name; /* lower case */
    int keep;         /* 1: copy the content */
    int script;       /* 1: script data (escape states) */
    int raw;          /* 1: no character references in the content */
} raw_tags[] = {{"script", 0, 1, 1},
                {"style", 0, 0, 1},
                {"textarea", 0, 0, 0},
                {"title", 1, 0, 0},
                {NULL, 0, 0, 0}};

/* Inert elements (SQUEEZE_TAGS), by first letter: parse.c reads none of
 * them, none changes the tokenizer's state, none is table structure
 * (foster parenting moves elements out of tables), and what the tree
 * builder does for them (close a <p>, reopen formatting elements, set
 * frameset-ok) only nests or copies elements, never drops or reorders
 * them. <a>, <html>, <head>, <body>, <form>, <font>, <nobr>, <object> and
 * the like are kept. */
static const char *const inert_a[] = {"abbr", "address", "article",
                                      "aside", NULL};
static const char *const inert_b[] = {"b", "bdi", "bdo", "big",
                                      "blockquote", "br", NULL};
static const char *const inert_c[] = {"center", "cite", "code", NULL};
static const char *const inert_d[] = {"data", "dd", "del", "details",
                                      "dfn", "div", "dl", "dt", NULL};
static const char *const inert_e[] = {"em", NULL};
static const char *const inert_f[] = {"figcaption", "figure", "footer",
                                      NULL};
static const char *const inert_h[] = {"h1", "h2", "h3", "h4", "h5", "h6",
                                      "header", "hgroup", "hr", NULL};
static const char *const inert_i[] = {"i", "img", "ins", NULL};
static const char *const inert_k[] = {"kbd", NULL};
static const char *const inert_l[] = {"label", "li", NULL};
static const char *const inert_m[] = {"main", "mark", NULL};
static const char *const inert_n[] = {"nav", NULL};
static const char *const inert_o[] = {"ol", NULL};
static const char *const inert_p[] = {"p", "pre", NULL};
static const char *const inert_q[] = {"q", NULL};
static const char *const inert_s[] = {"s", "samp", "section", "small",
                                      "span", "strike", "strong", "sub",
                                      "summary", "sup", NULL};
static const char *const inert_t[] = {"time", "tt", NULL};
static const char *const inert_u[] = {"u", "ul", NULL};
static const char *const inert_v[] = {"var", NULL};
static const char *const inert_w[] = {"wbr", NULL};
static const char *const *const inert[26] = {
    inert_a, inert_b, inert_c, inert_d, inert_e, inert_f, NULL, inert_h,
    inert_i, NULL, inert_k, inert_l, inert_m, inert_n, inert_o, inert_p,
    inert_q, NULL, inert_s, inert_t, inert_u, inert_v, inert_w, NULL, NULL,
    NULL};

#define INERT_MAX 10 /* longest name above */

#define KEEP_TABLES 2  /* flag: SQUEEZE_TAGS, but keep the table tags */
#define TABLES_MAX 32  /* nested tables followed; deeper ones are kept */

/* Table tags, by what they do to the table they are in. */
enum {
    TK_NONE,  /* not a table tag */
    TK_TABLE, /* table */
    TK_CELL,  /* td, th, caption: content goes in place */
    TK_PART,  /* tr, tbody, thead, tfoot, colgroup, col: no content */
};

static const struct {
    const char *name; /* lower case */
    int kind;         /* TK_* */
} table_tags[] = {
    {"table", TK_TABLE}, {"td", TK_CELL},       {"th", TK_CELL},
    {"caption", TK_CELL}, {"tr", TK_PART},      {"tbody", TK_PART},
    {"thead", TK_PART},  {"tfoot", TK_PART},    {"colgroup", TK_PART},
    {"col", TK_PART},    {NULL, TK_NONE}};

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* The TK_* kind of the tag name s[0..n) (any case). */
static int table_kind(const char *s, size_t n)
{
    if (n < 2 || n > 8 || ((s[0] | 0x20) != 't' && (s[0] | 0x20) != 'c'))
        return TK_NONE;
    for (size_t i = 0; table_tags[i].name != NULL; i++)
        if (name_is(s, n, table_tags[i].name))
            return table_tags[i].kind;
    return TK_NONE;
}

/* 1 when the tag name s[0..n) is an inert element's (any case). */
static int is_inert(const char *s, size_t n)
{
    const char *const *list;
    char low[INERT_MAX];

    if (n == 0 || n > INERT_MAX || !cf_is_alpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
    list = inert[low[0] - 'a'];
    if (list == NULL)
        return 0;
    for (; *list != NULL; list++)
        if (strlen(*list) == n && memcmp(*list, low, n) == 0)
            return 1;
    return 0;
}

/* The end of the tag whose name starts at p (after "<" or "</"), i.e. the
 * position after its '>', or NULL when the input ends first. *nlen gets
 * the name's length. Attribute values in quotes may hold '>'. */
static const char *tag_end(const char *p, const char *end, size_t *nlen)
{
    const char *name = p;

    while (p < end && !cf_is_space((unsigned char)*p) && *p != '/' && *p != '>')
        p++;
    *nlen = (size_t)(p - name);
    for (;;) {
        while (p < end && (cf_is_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '>')
            return p + 1;
        /* attribute name: its first character is taken whatever it is */
        p++;
        while (p < end && !cf_is_space((unsigned char)*p) && *p != '/' &&
               *p != '>' && *p != '=')
            p++;
        while (p < end && cf_is_space((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p != '=')
            continue;
        p++;
        while (p < end && cf_is_space((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '"' || *p == '\'') {
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));

            if (q == NULL)
                return NULL;
            p = q + 1;
            continue;
        }
        while (p < end && !cf_is_space((unsigned char)*p) && *p != '>')
            p++;
    }
}

/* The end of a comment whose "<!--" ends at p, or NULL. */
static const char *comment_end(const char *p, const char *end)
{
    if (p < end && *p == '>')
        return p + 1;
    if (end - p >= 2 && p[0] == '-' && p[1] == '>')
        return p + 2;
    for (; p + 3 <= end; p++) {
        if (p[0] != '-' || p[1] != '-')
            continue;
        if (p[2] == '>')
            return p + 3;
        if (p + 4 <= end && p[2] == '!' && p[3] == '>')
            return p + 4;
    }
    return NULL;
}

/* Where the raw text content starting at p ends: the '<' of the first
 * "</name" followed by whitespace, '/' or '>'; NULL when none. */
static const char *raw_end(const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);

    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) > nl + 2 && p[1] == '/' &&
            strncasecmp(p + 2, name, nl) == 0 &&
            (cf_is_space((unsigned char)p[2 + nl]) || p[2 + nl] == '/' ||
             p[2 + nl] == '>'))
            return p;
        p++;
    }
    return NULL;
}

/* The end of the construct starting with the '<' at p, or p + 1 when
 * that '<' is text; NULL when the input ends inside it. *tag is set to
 * the name of a start or end tag (else NULL), *close to 1 for an end
 * tag. */
static const char *construct_end(const char *p, const char *end,
                                 const char **tag, size_t *nlen, int *close)
{
    const char *q;

    *tag = NULL;
    *nlen = 0;
    *close = 0;
    if (end - p < 2)
        return p + 1;
    if (cf_is_alpha((unsigned char)p[1])) {
        *tag = p + 1;
        return tag_end(p + 1, end, nlen);
    }
    if (p[1] == '/') {
        if (end - p < 3)
            return p + 1;
        if (cf_is_alpha((unsigned char)p[2])) {
            *tag = p + 2;
            *close = 1;
            return tag_end(p + 2, end, nlen);
        }
        q = memchr(p + 2, '>', (size_t)(end - p - 2));
        return q != NULL ? q + 1 : NULL;
    }
    if (p[1] == '!' && end - p >= 4 && p[2] == '-' && p[3] == '-')
        return comment_end(p + 4, end);
    if (p[1] == '!' || p[1] == '?') {
        q = memchr(p + 2, '>', (size_t)(end - p - 2));
        return q != NULL ? q + 1 : NULL;
    }
    return p + 1;
}

/* A text run t[0..n) (no '<' that starts a construct in it, but it may
 * begin with a '<' that is text): its leading whitespace and first
 * character when that character is plain ASCII, else all of it. */
static size_t put_run(char *o, const char *t, size_t n)
{
    size_t k = 0;

    while (k < n && cf_is_space((unsigned char)t[k]))
        k++;
    if (k < n && (unsigned char)t[k] > 0x20 && (unsigned char)t[k] < 0x7f &&
        t[k] != '&')
        n = k + 1;
    memmove(o, t, n);
    return n;
}

/* 1 when t[0..n) holds a character that is not whitespace. */
static int has_text(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cf_is_space((unsigned char)t[i]))
            return 1;
    return 0;
}

/* Where the scanner is in tables (SQUEEZE_TAGS): for each open table, 1
 * when a cell or caption of it is open. Table tags are dropped as long as
 * nothing but whitespace, comments and table tags appears in a table
 * outside its cells, i.e. as long as the tree builder would move nothing
 * out of a table (foster parenting) ahead of what the table holds. */
struct tables {
    unsigned char cell[TABLES_MAX]; /* per open table, innermost last */
    size_t depth;                   /* open tables */
};

/* Follow a table tag; returns 0 when the tables can't be followed. */
static int table_step(struct tables *t, int kind, int close)
{
    if (kind == TK_TABLE && close) {
        if (t->depth > 0)
            t->depth--;
        return 1;
    }
    if (kind == TK_TABLE) {
        if (t->depth == TABLES_MAX ||
            (t->depth > 0 && !t->cell[t->depth - 1]))
            return 0;
        t->cell[t->depth++] = 0;
        return 1;
    }
    if (t->depth > 0)
        t->cell[t->depth - 1] = !close && kind == TK_CELL;
    return 1;
}

/* ---- held text (squeeze_hold) ---------------------------------------
 *
 * A held run's core (the run without its leading and trailing
 * whitespace) is replaced by one marker character, a code point of plane
 * 15's private use area numbering the run (U+F0000 + index). The tree
 * builder treats any non-whitespace character of a run like any other
 * (where the first one goes decides where the rest go), so the tree gets
 * the same elements and the same text nodes, with a marker where the
 * core was. Only cores gumbo would copy unchanged are held: no character
 * reference (outside raw text), no NUL, no code point the input stream
 * replaces, valid UTF-8; CR and CRLF become LF when put back, as gumbo's
 * input stream does. */

#define MARK_LEN 4        /* UTF-8 bytes of a marker */
#define MARK_BASE 0xF0000 /* U+F0000: the marker of run 0 */

/* What a byte is to held_plain(): PB_OK passes as it is, PB_AMP is '&',
 * PB_HIGH starts a UTF-8 sequence, PB_BAD is NUL or a forbidden code
 * point. */
enum { PB_BAD, PB_OK, PB_AMP, PB_HIGH };
static unsigned char plain_byte[256];
static int plain_ready;

static void plain_init(void)
{
    for (unsigned c = 0; c < 256; c++)
        plain_byte[c] = c >= 0x80                                ? PB_HIGH
                        : c == '&'                               ? PB_AMP
                        : c == 0 || htmlscan_forbidden_cp(c)     ? PB_BAD
                                                                 : PB_OK;
    plain_ready = 1;
}

/* 1 when c[0..n) reaches the tree as it is (CR aside); amp: character
 * references are not decoded here (raw text). */
static int held_plain(const char *c, size_t n, int amp)
{
    const unsigned char *p = (const unsigned char *)c;
    size_t i = 0;

    if (!plain_ready)
        plain_init();
    while (i < n) {
        unsigned cp;
        size_t w;

        while (i < n && plain_byte[p[i]] == PB_OK)
            i++;
        if (i == n)
            break;
        switch (plain_byte[p[i]]) {
        case PB_AMP:
            if (!amp)
                return 0;
            i++;
            break;
        case PB_HIGH:
            w = htmlscan_utf8_char(p + i, n - i, &cp);
            if (cp == 0xFFFD || htmlscan_forbidden_cp(cp))
                return 0;
            i += w;
            break;
        default:
            return 0;
        }
    }
    return 1;
}

/* Write run t[0..n) to o, its core held when it can be; returns the bytes
 * written (never more than n). */
static size_t hold_run(struct squeeze_held *h, char *o, const char *t,
                       size_t n, int amp)
{
    size_t k = 0, m = n, idx, w;
    unsigned cp;

    while (k < n && cf_is_space((unsigned char)t[k]))
        k++;
    while (m > k && cf_is_space((unsigned char)t[m - 1]))
        m--;
    if (m - k < MARK_LEN || h->n >= SQUEEZE_HOLD_MAX ||
        !held_plain(t + k, m - k, amp)) {
        memmove(o, t, n);
        return n;
    }
    if (h->n == h->alloc) {
        h->alloc = h->alloc ? h->alloc * 2 : 64;
        h->runs = cf_realloc(h->runs, h->alloc * sizeof(*h->runs));
    }
    idx = h->n++;
    h->runs[idx].src = t + k;
    h->runs[idx].len = m - k;
    memmove(o, t, k);
    w = k;
    cp = MARK_BASE + (unsigned)idx;
    o[w++] = (char)(0xF0 | (cp >> 18));
    o[w++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[w++] = (char)(0x80 | (cp & 0x3F));
    memmove(o + w, t + m, n - m);
    return w + n - m;
}

/* 1 when a marker at p[0..n) is one (F3 B0..BF: U+F0000 and up). */
static int is_mark(const unsigned char *p, size_t n)
{
    return n >= MARK_LEN && p[0] == 0xF3 && p[1] >= 0xB0 && p[1] <= 0xBF;
}

/* 1 when in[0..n) may be held: it holds no character of the markers'
 * range, and no numeric character reference that could give one (any
 * value from U+F0000 up, counting those gumbo wraps around). */
static int holdable(const char *in, size_t n)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + n, *q;

    for (q = p; (q = memchr(q, 0xF3, (size_t)(end - q))) != NULL; q++)
        if (is_mark(q, (size_t)(end - q)))
            return 0;
    for (q = p; (q = memchr(q, '&', (size_t)(end - q))) != NULL; q++) {
        unsigned long v = 0;
        int hex;

        if (end - q < 3 || q[1] != '#')
            continue;
        q += 2;
        hex = q < end && (*q | 0x20) == 'x';
        q += hex;
        for (; q < end; q++) {
            int d = hex ? cf_hexval(*q) : (cf_is_digit(*q) ? *q - '0' : -1);
            if (d < 0)
                break;
            v = v * (hex ? 16 : 10) + (unsigned)d;
            if (v >= MARK_BASE)
                return 0;
        }
        q--;
    }
    return 1;
}

/* Output a text run [t, e): with SQUEEZE_TAGS all of it goes, else
 * put_run() keeps its start. What text does to the tree beside making
 * text nodes (end the head, reopen formatting elements, be moved out of
 * a table, clear frameset-ok) never drops, changes or reorders an
 * element parse.c reads, except through the modes that send the
 * document back to keeping every tag. */
static char *text_run(char *o, const char *t, const char *e, int gone,
                      int *dropped, struct squeeze_held *h)
{
    if (h != NULL)
        return o + hold_run(h, o, t, (size_t)(e - t), 0);
    if (!gone)
        return o + put_run(o, t, (size_t)(e - t));
    if (t < e)
        *dropped = 1;
    return o;
}

static size_t squeeze(const char *in, size_t n, char *out, int flags,
                      struct squeeze_held *h)
{
    const char *p = in, *end = in + n, *run = in;
    char *o = out;
    int drop = (flags & SQUEEZE_TAGS) != 0, dropped = 0;
    int tables = drop && (flags & KEEP_TABLES) == 0;
    struct tables tb = {.depth = 0};

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p)), *e, *tag, *re;
        size_t nl, i;
        int close, kind;

        if (lt == NULL)
            break;
        e = construct_end(lt, end, &tag, &nl, &close);
        if (e == lt + 1) {
            /* a '<' that is text: the run goes on */
            p = lt + 1;
            continue;
        }
        if (tables && tb.depth > 0 && !tb.cell[tb.depth - 1] &&
            has_text(run, (size_t)(lt - run)))
            goto untable;
        o = text_run(o, run, lt, drop, &dropped, h);
        if (e == NULL) {
            run = lt;
            goto rest;
        }
        p = run = e;
        if (tables && tag != NULL) {
            kind = table_kind(tag, nl);
            if (kind != TK_NONE) {
                if (!table_step(&tb, kind, close))
                    goto untable;
                dropped = 1;
                continue;
            }
            if (tb.depth > 0 && !tb.cell[tb.depth - 1])
                goto untable;
        }
        if (drop && tag != NULL && is_inert(tag, nl)) {
            dropped = 1;
            continue;
        }
        memmove(o, lt, (size_t)(e - lt));
        o += e - lt;
        if (tag == NULL || close)
            continue;
        /* the names below start with one of these letters */
        if (strchr("fimnpstx", tag[0] | 0x20) == NULL)
            continue;
        for (i = 0; bail_tags[i] != NULL; i++)
            if (name_is(tag, nl, bail_tags[i]))
                goto rest;
        for (i = 0; raw_tags[i].name != NULL; i++)
            if (name_is(tag, nl, raw_tags[i].name))
                break;
        if (raw_tags[i].name == NULL)
            continue;
        re = raw_end(p, end, raw_tags[i].name);
        if (re == NULL)
            goto rest;
        /* "<!--" in a script starts the escaped states: not modelled */
        if (raw_tags[i].script &&
            memmem(p, (size_t)(re - p), "<!--", 4) != NULL)
            goto rest;
        if (raw_tags[i].keep) {
            memmove(o, p, (size_t)(re - p));
            o += re - p;
        } else if (h != NULL) {
            /* RCDATA (textarea) decodes references, raw text does not */
            o += hold_run(h, o, p, (size_t)(re - p), raw_tags[i].raw);
        }
        p = run = re;
    }
    if (tables && tb.depth > 0 && !tb.cell[tb.depth - 1] &&
        has_text(run, (size_t)(end - run)))
        goto untable;
    o = text_run(o, run, end, drop, &dropped, h);
    return (size_t)(o - out);
untable:
    /* Something would be moved out of a table: keep the tables. */
    return squeeze(in, n, out, flags | KEEP_TABLES, h);
rest:
    /* What follows is parsed as is, in modes that may depend on the
     * elements dropped so far: start again keeping every tag. */
    if (dropped)
        return squeeze(in, n, out, 0, h);
    memmove(o, run, (size_t)(end - run));
    o += end - run;
    return (size_t)(o - out);
}

size_t squeeze_html(const char *in, size_t n, char *out, int flags)
{
    return squeeze(in, n, out, flags, NULL);
}

int squeeze_hold(const char *in, size_t n, char *out,
                 struct squeeze_held *h, size_t *outlen)
{
    memset(h, 0, sizeof(*h));
    if (!holdable(in, n))
        return -1;
    *outlen = squeeze(in, n, out, 0, h);
    return 0;
}

size_t squeeze_unhold_max(const struct squeeze_held *h, const char *s,
                          size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t len = n;

    while ((p = memchr(p, 0xF3, (size_t)(end - p))) != NULL) {
        if (is_mark(p, (size_t)(end - p))) {
            unsigned i = ((p[1] & 0x0Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                         (p[3] & 0x3Fu);
            if (i < h->n)
                len += h->runs[i].len - MARK_LEN;
            p += MARK_LEN;
        } else {
            p++;
        }
    }
    return len;
}

size_t squeeze_unhold(const struct squeeze_held *h, const char *s, size_t n,
                      char *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *q;
    char *o = out;

    while ((q = memchr(p, 0xF3, (size_t)(end - p))) != NULL) {
        unsigned i;

        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        p = q;
        if (!is_mark(q, (size_t)(end - q))) {
            *o++ = (char)*p++;
            continue;
        }
        i = ((q[1] & 0x0Fu) << 12) | ((q[2] & 0x3Fu) << 6) | (q[3] & 0x3Fu);
        p += MARK_LEN;
        if (i >= h->n)
            continue;
        if (memchr(h->runs[i].src, '\r', h->runs[i].len) == NULL) {
            memcpy(o, h->runs[i].src, h->runs[i].len);
            o += h->runs[i].len;
            continue;
        }
        /* CR and CRLF to LF, as the input stream */
        for (size_t k = 0; k < h->runs[i].len; k++) {
            char c = h->runs[i].src[k];
            if (c == '\r') {
                *o++ = '\n';
                if (k + 1 < h->runs[i].len && h->runs[i].src[k + 1] == '\n')
                    k++;
            } else {
                *o++ = c;
            }
        }
    }
    memcpy(o, p, (size_t)(end - p));
    o += end - p;
    *o = '\0';
    return (size_t)(o - out);
}

void squeeze_held_cleanup(struct squeeze_held *h)
{
    if (h == NULL)
        return;
    free(h->runs);
    memset(h, 0, sizeof(*h));
}
