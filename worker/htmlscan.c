/* htmlscan.c - a WHATWG tokenizer that reads links, not trees.
 *
 * Measured (bench/README.md, S4 and the parse micro-benchmark): gumbo's
 * tree building was about two thirds of the worker's CPU on real pages,
 * and the squeeze pre-pass (squeeze.h) cannot help on pages that hold a
 * <noscript>, <svg> or <select>, which is most real ones. This scanner
 * looks at each byte about once: memchr to the next '<', a tag's name
 * looked up in a small hash table, attribute values read only for the
 * elements that carry links.
 *
 * The tokenizer works on bytes, not code points: every delimiter it looks
 * for is ASCII, and a UTF-8 sequence never holds an ASCII byte, so the
 * token boundaries are the same. Values that are kept (link attributes,
 * the title) are then decoded as gumbo's input stream and tokenizer
 * decode them (decode_value()). */
#include "htmlscan.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <gumbo.h>

#include "alloc.h"
#include "ascii.h"
#include "bytes.h"
#include "entities.h"

#define NAME_MAX_LEN 24 /* tag names kept for matching; longer: unknown */

/* Namespaces and integration points of open foreign elements. */
enum { NS_HTML, NS_SVG, NS_MATH };
enum { IP_NONE, IP_HTML, IP_MTEXT, IP_AXML };

/* Tag properties, by lower-case name (tags[] below). */
enum {
    T_RCDATA = 1 << 0,     /* title, textarea */
    T_RAWTEXT = 1 << 1,    /* style, xmp, iframe, noembed, noframes */
    T_SCRIPT = 1 << 2,     /* script */
    T_PLAINTEXT = 1 << 3,  /* plaintext */
    T_HEAD = 1 << 4,       /* does not start the body */
    T_FS_NOT_OK = 1 << 5,  /* makes a later <frameset> be ignored */
    T_BREAKOUT = 1 << 6,   /* leaves foreign content */
    T_VOID = 1 << 7,       /* never has an end tag */
    T_ATTRS = 1 << 8,      /* its attribute values are read */
    T_TABLE_PART = 1 << 9, /* tr, tbody, thead, tfoot, colgroup, col */
    T_CELL = 1 << 10,      /* td, th, caption */
    T_TMPL_HEAD = 1 << 11, /* a <template>'s first tags may be these and
                              leave its mode unset (in-head rules) */
    /* What an end tag meets on the way down the open elements (in an
     * integration point, where the scanner keeps them), as gumbo 0.10.1
     * has it: */
    T_SPECIAL = 1 << 12, /* the "special" category: stops "any other end
                            tag" (gumbo's list: with menuitem and isindex,
                            without main, keygen, source, track) */
    T_SCOPE = 1 << 13,   /* bounds "in scope": applet, caption, html,
                            marquee, object, table, td, th, template */
    T_TSCOPE = 1 << 14,  /* bounds "in table scope": html, table,
                            template */
    T_LSCOPE = 1 << 15,  /* bounds "in list item scope" too: ol, ul */
    T_BSCOPE = 1 << 16,  /* bounds "in button scope" too: button */
    T_HEADING = 1 << 17, /* h1..h6: an end tag of one closes any */
    T_FLAT = 1 << 18,    /* nests nothing, for the depth cut (htmlscan.h):
                            void elements and the ones closed implicitly
                            by their next sibling (p, li, table parts) */
};

/* How the in-body rules take an end tag of this name (gumbo 0.10.1's
 * handle_in_body): which open element it closes and what stops it. */
enum {
    E_OTHER,       /* "any other end tag": the nearest HTML element of
                      its name, stopped by a special one */
    E_SCOPE,       /* address, div, ul, dd, ...: only if in scope */
    E_BUTTON,      /* p: in button scope */
    E_LIST,        /* li: in list item scope */
    E_HEADING,     /* h1..h6: the nearest heading, in scope */
    E_TABLE_SCOPE, /* applet, marquee, object: in table scope */
    E_FORMAT,      /* a, b, i, ...: the adoption agency */
    E_FORM,        /* form: takes the form out, closes nothing else */
};

enum tag_id {
    TAG_OTHER = 0,
    TAG_A, TAG_AREA, TAG_BASE, TAG_LINK, TAG_META, TAG_TITLE, TAG_FRAME,
    TAG_IFRAME, TAG_FRAMESET, TAG_NOFRAMES, TAG_SELECT, TAG_INPUT,
    TAG_KEYGEN, TAG_TEXTAREA, TAG_TEMPLATE, TAG_SVG, TAG_MATH, TAG_TABLE,
    TAG_FONT, TAG_BODY, TAG_BR, TAG_SCRIPT, TAG_MGLYPH, TAG_MALIGNMARK,
    TAG_FOREIGNOBJECT, TAG_DESC, TAG_MI, TAG_MO, TAG_MN, TAG_MS, TAG_MTEXT,
    TAG_ANNOTATION_XML, TAG_CAPTION, TAG_TD, TAG_TH, TAG_TR, TAG_TBODY,
    TAG_THEAD, TAG_TFOOT, TAG_HTML, TAG_HEAD, TAG_COLGROUP, TAG_COL,
    TAG_NOSCRIPT,
};

struct tag_def {
    const char *name;
    enum tag_id id;
    unsigned props;
    unsigned char end; /* E_*: how an end tag of it is taken */
};

#define T_SP_SCOPE (T_SPECIAL | T_SCOPE) /* applet, caption, marquee, ... */

static const struct tag_def tags[] = {
    {"a", TAG_A, T_ATTRS, E_FORMAT},
    {"area", TAG_AREA,
     T_ATTRS | T_VOID | T_FS_NOT_OK | T_SPECIAL | T_FLAT, E_OTHER},
    {"base", TAG_BASE,
     T_ATTRS | T_VOID | T_HEAD | T_TMPL_HEAD | T_SPECIAL | T_FLAT, E_OTHER},
    {"link", TAG_LINK,
     T_ATTRS | T_VOID | T_HEAD | T_TMPL_HEAD | T_SPECIAL | T_FLAT, E_OTHER},
    {"meta", TAG_META,
     T_ATTRS | T_VOID | T_HEAD | T_BREAKOUT | T_TMPL_HEAD | T_SPECIAL |
         T_FLAT,
     E_OTHER},
    {"title", TAG_TITLE, T_RCDATA | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"frame", TAG_FRAME, T_ATTRS | T_VOID | T_SPECIAL | T_FLAT, E_OTHER},
    {"iframe", TAG_IFRAME,
     T_ATTRS | T_RAWTEXT | T_FS_NOT_OK | T_SPECIAL, E_OTHER},
    {"frameset", TAG_FRAMESET, T_HEAD | T_SPECIAL, E_OTHER},
    {"noframes", TAG_NOFRAMES,
     T_RAWTEXT | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"select", TAG_SELECT, T_FS_NOT_OK | T_SPECIAL, E_OTHER},
    {"input", TAG_INPUT, T_VOID | T_FS_NOT_OK | T_SPECIAL | T_FLAT, E_OTHER},
    {"keygen", TAG_KEYGEN, T_VOID | T_FS_NOT_OK | T_FLAT, E_OTHER},
    {"textarea", TAG_TEXTAREA, T_RCDATA | T_FS_NOT_OK | T_SPECIAL, E_OTHER},
    {"template", TAG_TEMPLATE,
     T_HEAD | T_FS_NOT_OK | T_TMPL_HEAD | T_SP_SCOPE | T_TSCOPE, E_OTHER},
    {"svg", TAG_SVG, 0, E_OTHER},
    {"math", TAG_MATH, 0, E_OTHER},
    {"table", TAG_TABLE,
     T_FS_NOT_OK | T_BREAKOUT | T_SP_SCOPE | T_TSCOPE, E_OTHER},
    {"font", TAG_FONT, T_ATTRS, E_FORMAT},
    {"body", TAG_BODY, T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"br", TAG_BR,
     T_VOID | T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"script", TAG_SCRIPT,
     T_SCRIPT | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"mglyph", TAG_MGLYPH, 0, E_OTHER},
    {"malignmark", TAG_MALIGNMARK, 0, E_OTHER},
    {"foreignobject", TAG_FOREIGNOBJECT, 0, E_OTHER},
    {"desc", TAG_DESC, 0, E_OTHER},
    {"mi", TAG_MI, 0, E_OTHER},
    {"mo", TAG_MO, 0, E_OTHER},
    {"mn", TAG_MN, 0, E_OTHER},
    {"ms", TAG_MS, 0, E_OTHER},
    {"mtext", TAG_MTEXT, 0, E_OTHER},
    {"annotation-xml", TAG_ANNOTATION_XML, T_ATTRS, E_OTHER},
    {"caption", TAG_CAPTION, T_CELL | T_SP_SCOPE, E_OTHER},
    {"td", TAG_TD, T_CELL | T_SP_SCOPE | T_FLAT, E_OTHER},
    {"th", TAG_TH, T_CELL | T_SP_SCOPE | T_FLAT, E_OTHER},
    {"tr", TAG_TR, T_TABLE_PART | T_SPECIAL | T_FLAT, E_OTHER},
    {"tbody", TAG_TBODY, T_TABLE_PART | T_SPECIAL | T_FLAT, E_OTHER},
    {"thead", TAG_THEAD, T_TABLE_PART | T_SPECIAL | T_FLAT, E_OTHER},
    {"tfoot", TAG_TFOOT, T_TABLE_PART | T_SPECIAL | T_FLAT, E_OTHER},
    {"colgroup", TAG_COLGROUP, T_TABLE_PART | T_SPECIAL, E_OTHER},
    {"col", TAG_COL, T_TABLE_PART | T_VOID | T_SPECIAL | T_FLAT, E_OTHER},
    {"html", TAG_HTML,
     T_ATTRS | T_HEAD | T_SP_SCOPE | T_TSCOPE | T_FLAT, E_OTHER},
    {"head", TAG_HEAD, T_HEAD | T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"style", TAG_OTHER,
     T_RAWTEXT | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"xmp", TAG_OTHER, T_RAWTEXT | T_FS_NOT_OK | T_SPECIAL, E_OTHER},
    {"noembed", TAG_OTHER, T_RAWTEXT | T_SPECIAL, E_OTHER},
    {"plaintext", TAG_OTHER, T_PLAINTEXT | T_SPECIAL, E_OTHER},
    {"noscript", TAG_NOSCRIPT, T_HEAD | T_SPECIAL, E_OTHER},
    {"basefont", TAG_OTHER,
     T_VOID | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"bgsound", TAG_OTHER, T_VOID | T_HEAD | T_TMPL_HEAD | T_SPECIAL, E_OTHER},
    {"applet", TAG_OTHER, T_FS_NOT_OK | T_SP_SCOPE, E_TABLE_SCOPE},
    {"button", TAG_OTHER, T_FS_NOT_OK | T_SPECIAL | T_BSCOPE, E_SCOPE},
    {"dd", TAG_OTHER, T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_SCOPE},
    {"dt", TAG_OTHER, T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_SCOPE},
    {"embed", TAG_OTHER,
     T_VOID | T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"hr", TAG_OTHER,
     T_VOID | T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"img", TAG_OTHER,
     T_VOID | T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_OTHER},
    {"image", TAG_OTHER, T_VOID | T_FS_NOT_OK, E_OTHER},
    {"li", TAG_OTHER, T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL | T_FLAT, E_LIST},
    {"listing", TAG_OTHER, T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"marquee", TAG_OTHER, T_FS_NOT_OK | T_SP_SCOPE, E_TABLE_SCOPE},
    {"object", TAG_OTHER, T_FS_NOT_OK | T_SP_SCOPE, E_TABLE_SCOPE},
    {"pre", TAG_OTHER, T_FS_NOT_OK | T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"wbr", TAG_OTHER, T_VOID | T_FS_NOT_OK | T_SPECIAL | T_FLAT, E_OTHER},
    {"param", TAG_OTHER, T_VOID | T_SPECIAL | T_FLAT, E_OTHER},
    {"source", TAG_OTHER, T_VOID | T_FLAT, E_OTHER},
    {"track", TAG_OTHER, T_VOID | T_FLAT, E_OTHER},
    {"menuitem", TAG_OTHER, T_VOID | T_SPECIAL, E_OTHER},
    {"b", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"big", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"blockquote", TAG_OTHER, T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"center", TAG_OTHER, T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"code", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"div", TAG_OTHER, T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"dl", TAG_OTHER, T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"em", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"h1", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"h2", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"h3", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"h4", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"h5", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"h6", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_HEADING, E_HEADING},
    {"i", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"menu", TAG_OTHER, T_BREAKOUT | T_SPECIAL, E_SCOPE},
    {"nobr", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"ol", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_LSCOPE, E_SCOPE},
    {"p", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_FLAT, E_BUTTON},
    {"ruby", TAG_OTHER, T_BREAKOUT, E_OTHER},
    {"s", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"small", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"span", TAG_OTHER, T_BREAKOUT, E_OTHER},
    {"strong", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"strike", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"sub", TAG_OTHER, T_BREAKOUT, E_OTHER},
    {"sup", TAG_OTHER, T_BREAKOUT, E_OTHER},
    {"tt", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"u", TAG_OTHER, T_BREAKOUT, E_FORMAT},
    {"ul", TAG_OTHER, T_BREAKOUT | T_SPECIAL | T_LSCOPE, E_SCOPE},
    {"var", TAG_OTHER, T_BREAKOUT, E_OTHER},
    {"address", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"article", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"aside", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"details", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"dir", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"fieldset", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"figcaption", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"figure", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"footer", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"header", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"hgroup", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"nav", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"section", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"summary", TAG_OTHER, T_SPECIAL, E_SCOPE},
    {"main", TAG_OTHER, 0, E_SCOPE},
    {"form", TAG_OTHER, T_SPECIAL, E_FORM},
    /* known only to the depth cut */
    {"option", TAG_OTHER, T_FLAT, E_OTHER},
    {"optgroup", TAG_OTHER, T_FLAT, E_OTHER},
    {"rb", TAG_OTHER, T_FLAT, E_OTHER},
    {"rt", TAG_OTHER, T_FLAT, E_OTHER},
    {"rp", TAG_OTHER, T_FLAT, E_OTHER},
};

#define NTAGS (sizeof(tags) / sizeof(tags[0]))
#define HASH_SLOTS 512 /* > 4 x NTAGS: short probe chains */

static const struct tag_def *tag_hash[HASH_SLOTS];
static unsigned char tag_hash_len[HASH_SLOTS]; /* strlen of each name */
static uint64_t tag_hash_word[HASH_SLOTS]; /* names of 8 bytes or less,
                                              as name_word() packs them */
static int tag_hash_ready;

#define WORD_NAME_MAX 8 /* names this long are compared as one word */
#define ONES 0x0101010101010101ull

/* A tag name's hash: its first WORD_NAME_MAX bytes as one word (lower
 * case, as name_word() packs them) and its length, one multiply. */
static inline unsigned name_hash(uint64_t w, size_t n)
{
    return (unsigned)(((w ^ n) * 0x9E3779B97F4A7C15ull) >> 32);
}

/* w with its bytes 'A'..'Z' made lower case, eight at once: bit 7 of
 * each byte of ge (of gt) says its low seven bits are >= 'A' (> 'Z');
 * bytes of 0x80 and above stay as they are. */
static inline uint64_t word_lower(uint64_t w)
{
    uint64_t b = w & (0x7f * ONES);
    uint64_t ge = b + (0x80 - 'A') * ONES, gt = b + (0x7f - 'Z') * ONES;

    return w | ((ge & ~gt & ~w & (0x80 * ONES)) >> 2);
}

/* The first WORD_NAME_MAX bytes of s[0..n), byte i at bits 8i. */
static uint64_t name_word(const char *s, size_t n)
{
    uint64_t w = 0;

    for (size_t i = 0; i < n && i < WORD_NAME_MAX; i++)
        w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return w;
}

static void tag_hash_init(void)
{
    for (size_t i = 0; i < NTAGS; i++) {
        size_t n = strlen(tags[i].name);
        unsigned h = name_hash(name_word(tags[i].name, n), n);
        while (tag_hash[h % HASH_SLOTS] != NULL)
            h++;
        tag_hash[h % HASH_SLOTS] = &tags[i];
        tag_hash_len[h % HASH_SLOTS] = (unsigned char)n;
        tag_hash_word[h % HASH_SLOTS] = name_word(tags[i].name, n);
    }
    tag_hash_ready = 1;
}

/* The definition of lower-case name low[0..n), whose name_word is w and
 * name_hash h, or NULL. A name may hold a NUL (gumbo makes it U+FFFD: no
 * known tag): compared by length, then as one word (no tag name has a
 * zero byte, so a word with one in it matches none) or, past
 * WORD_NAME_MAX, byte by byte (a string compare would stop at the
 * NUL). */
static const struct tag_def *tag_lookup(const char *low, size_t n,
                                        unsigned h, uint64_t w)
{
    const struct tag_def *d;

    while ((d = tag_hash[h % HASH_SLOTS]) != NULL) {
        if (tag_hash_len[h % HASH_SLOTS] == n) {
            if (n <= WORD_NAME_MAX) {
                if (tag_hash_word[h % HASH_SLOTS] == w)
                    return d;
            } else {
                size_t i = 0;

                while (i < n && d->name[i] == low[i])
                    i++;
                if (i == n)
                    return d;
            }
        }
        h++;
    }
    return NULL;
}

/* Byte classes of the tag states, one lookup per byte where the loops
 * of read_tag() made up to eight comparisons (a third of the scan). */
enum {
    C_WS = 1,       /* whitespace, as cf_is_space(): space, tab, LF, FF, CR */
    C_NAME_END = 2, /* ends a tag name: whitespace, '/', '>' */
    C_ATTR_END = 4, /* ends an attribute name: those and '=' */
    C_VAL_END = 8,  /* ends an unquoted value: whitespace, '>' */
    C_DECODE = 16,  /* a kept value with it needs decoding: controls but
                       tab, LF and FF; '&'; DEL and above */
};
#define C_SPACE (C_WS | C_NAME_END | C_ATTR_END | C_VAL_END)
static const unsigned char cls[256] = {
    [0x00 ... 0x08] = C_DECODE, ['\t'] = C_SPACE, ['\n'] = C_SPACE,
    [0x0b] = C_DECODE, ['\f'] = C_SPACE, ['\r'] = C_SPACE | C_DECODE,
    [0x0e ... 0x1f] = C_DECODE, [' '] = C_SPACE, ['&'] = C_DECODE,
    ['/'] = C_NAME_END | C_ATTR_END,
    ['>'] = C_NAME_END | C_ATTR_END | C_VAL_END, ['='] = C_ATTR_END,
    [0x7f ... 0xff] = C_DECODE,
};

static int is_alnum(int c)
{
    return cf_is_alpha(c) || cf_is_digit(c);
}

/* ---- decoding of kept values ---------------------------------------- */

static void strs_reserve(struct htmlscan *s, size_t more)
{
    if (s->astrs - s->nstrs >= more)
        return;
    while (s->astrs - s->nstrs < more)
        s->astrs = s->astrs ? s->astrs * 2 : 4096;
    s->strs = cf_realloc(s->strs, s->astrs);
}

static void put_cp(struct htmlscan *s, unsigned cp)
{
    char *o;

    strs_reserve(s, 4);
    o = s->strs + s->nstrs;
    if (cp < 0x80) {
        o[0] = (char)cp;
        s->nstrs += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        s->nstrs += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        s->nstrs += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        s->nstrs += 4;
    }
}

static void put_bytes(struct htmlscan *s, const char *p, size_t n)
{
    if (n == 0) /* strs may still be NULL, and memcpy wants a pointer */
        return;
    strs_reserve(s, n);
    memcpy(s->strs + s->nstrs, p, n);
    s->nstrs += n;
}

/* Code points the HTML standard forbids in the input stream; gumbo turns
 * them into U+FFFD. */
int htmlscan_forbidden_cp(unsigned c)
{
    return (c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) ||
           (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
           (c & 0xFFFF) == 0xFFFE || (c & 0xFFFF) == 0xFFFF;
}

/* One UTF-8 character at p[0..n), n >= 1, p[0] >= 0x80. Sets *cp (0xFFFD
 * for a bad sequence) and returns the bytes it takes: a bad lead byte
 * takes one, a sequence broken by a bad continuation takes the bytes
 * before it, a sequence cut by the end takes the rest. */
size_t htmlscan_utf8_char(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF, need, v;
    size_t i;

    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (i = 1; i <= need; i++) {
        if (i >= n) {
            *cp = 0xFFFD;
            return n;
        }
        if (p[i] < lo || p[i] > hi) {
            *cp = 0xFFFD;
            return i;
        }
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return need + 1;
}

static int entity_cmp(const char *key, size_t n, const char *name)
{
    int c = strncmp(key, name, n);

    if (c != 0)
        return c;
    return name[n] == '\0' ? 0 : -1;
}

/* The entity named key[0..n) exactly, or NULL. */
static const struct entity *entity_find(const char *key, size_t n)
{
    size_t lo = 0, hi = ENTITY_COUNT;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = entity_cmp(key, n, entities[mid].name);
        if (c == 0)
            return &entities[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* windows-1252 fix-ups of numeric references to 0x80..0x9F. */
static const unsigned short c1_fix[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

/* A character reference at p[0] == '&' of p[0..n): appends what it stands
 * for and returns the bytes it takes, or 0 when it is not one (the '&'
 * is then literal). */
static size_t char_ref(struct htmlscan *s, const char *p, size_t n,
                       int in_attr)
{
    size_t i = 1, k, run;
    int c;

    if (n < 2)
        return 0;
    c = (unsigned char)p[1];
    if (cf_is_space(c) || c == '<' || c == '&')
        return 0;
    if (c == '#') {
        int hex = 0, digits = 0;
        unsigned long v = 0;
        i = 2;
        if (i < n && (p[i] == 'x' || p[i] == 'X')) {
            hex = 1;
            i++;
        }
        for (; i < n; i++) {
            int d = (unsigned char)p[i];
            if (d >= '0' && d <= '9')
                d -= '0';
            else if (hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f')
                d = (d | 0x20) - 'a' + 10;
            else
                break;
            digits++;
            if (v <= 0x10FFFF)
                v = v * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (digits == 0)
            return 0;
        if (i < n && p[i] == ';')
            i++;
        if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
            v = 0xFFFD;
        else if (v >= 0x80 && v <= 0x9F)
            v = c1_fix[v - 0x80];
        put_cp(s, (unsigned)v);
        return i;
    }
    for (run = 0; 1 + run < n && run < ENTITY_NAME_MAX &&
                  is_alnum((unsigned char)p[1 + run]);
         run++)
        ;
    if (run == 0)
        return 0;
    if (1 + run < n && p[1 + run] == ';') {
        const struct entity *e = entity_find(p + 1, run + 1);
        if (e != NULL) {
            put_bytes(s, e->utf8, strlen(e->utf8));
            return run + 2;
        }
    }
    for (k = run < ENTITY_LEGACY_MAX ? run : ENTITY_LEGACY_MAX; k > 0; k--) {
        const struct entity *e = entity_find(p + 1, k);
        if (e == NULL)
            continue;
        if (in_attr && 1 + k < n &&
            (p[1 + k] == '=' || is_alnum((unsigned char)p[1 + k])))
            return 0;
        put_bytes(s, e->utf8, strlen(e->utf8));
        return k + 1;
    }
    return 0;
}

/* 1 when p[0..n) needs no decoding: printable ASCII and whitespace but
 * CR, no '&'. SSE2 (every x86-64) looks at 16 bytes a step for anything
 * that might need it (a control, '&', DEL, non-ASCII) and leaves the
 * exact verdict from there to the byte classes: the byte loop was 3.5%
 * of the page stage on rust-doc, where hrefs run to 40-100 bytes. */
static int plain(const char *p, size_t n)
{
    /* signed: below 0x20 are the controls and every byte >= 0x80 */
    size_t i = cf_plain_blocks(p, n, 0x20, '&');

    /* the bytes after the last whole block: the last 16 of p[0..n) in
     * one more block, overlapping the ones looked at (a byte loop over
     * them before; page_parse over the 301-page rust-doc sample
     * 137,875,230 instructions before, 136,952,399 after) */
    if (n >= 16 && i == n - n % 16 &&
        cf_plain_blocks(p + n - 16, 16, 0x20, '&') == 16)
        return 1;
    for (; i < n; i++)
        if (cls[(unsigned char)p[i]] & C_DECODE)
            return 0;
    return 1;
}

/* Append the decoded form of p[0..n) and a NUL; returns its offset. */
static size_t decode_value(struct htmlscan *s, const char *p, size_t n,
                           int in_attr)
{
    size_t start = s->nstrs, i = 0;

    if (plain(p, n)) {
        /* one reserve and copy with its NUL: two put_bytes calls
         * before (page_parse over the 301-page rust-doc sample of
         * bench/README.md, where most values are plain: 140,042,295
         * instructions before, 137,875,230 after) */
        strs_reserve(s, n + 1);
        memcpy(s->strs + s->nstrs, p, n);
        s->strs[s->nstrs + n] = '\0';
        s->nstrs += n + 1;
        return start;
    }
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (!(cls[c] & C_DECODE)) {
            /* a run kept as it is, in one copy: byte by byte, a long
             * value with one '&' or CR in it cost 25 instructions a
             * byte (decode_value was 9% of the page stage over the
             * first 800 pages of a rust-doc crawl, 3% after) */
            size_t j = i + 1;

            while (j < n && !(cls[(unsigned char)p[j]] & C_DECODE))
                j++;
            put_bytes(s, p + i, j - i);
            i = j;
        } else if (c == '&') {
            size_t k = char_ref(s, p + i, n - i, in_attr);
            if (k > 0) {
                i += k;
                continue;
            }
            put_bytes(s, "&", 1);
            i++;
        } else if (c == '\r') {
            put_bytes(s, "\n", 1);
            i += (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
        } else if (c == 0) {
            put_cp(s, 0xFFFD);
            i++;
        } else if (c < 0x80) {
            if (htmlscan_forbidden_cp(c))
                put_cp(s, 0xFFFD);
            else
                put_bytes(s, p + i, 1);
            i++;
        } else {
            unsigned cp;
            size_t w =
                htmlscan_utf8_char((const unsigned char *)p + i, n - i, &cp);
            if (cp == 0xFFFD || htmlscan_forbidden_cp(cp))
                put_cp(s, 0xFFFD);
            else
                put_bytes(s, p + i, w);
            i += w;
        }
    }
    put_bytes(s, "", 1);
    return start;
}

/* ---- the scanner ---------------------------------------------------- */

/* Attributes read: the reported ones (HTMLSCAN_HREF..), then the ones the
 * scanner itself needs. */
enum { A_ENCODING = HTMLSCAN_NATTR, A_COLOR, A_FACE, A_SIZE, A_N };
static const char *const attr_names[A_N] = {
    "href", "src", "rel", "type", "lang", "name", "content", "encoding",
    "color", "face", "size"};

/* The attr_names index of the name s[0..n) (any case), or -1: by
 * first letter and length, then one comparison (a scan of the eleven
 * names with strlen and strncasecmp was a sixth of read_tag). */
static int attr_id(const char *s, size_t n)
{
    int a;

    switch (cf_to_lower((unsigned char)s[0])) {
    case 'h': a = n == 4 ? HTMLSCAN_HREF : -1; break;
    case 's': a = n == 3 ? HTMLSCAN_SRC : n == 4 ? A_SIZE : -1; break;
    case 'r': a = n == 3 ? HTMLSCAN_REL : -1; break;
    case 't': a = n == 4 ? HTMLSCAN_TYPE : -1; break;
    case 'l': a = n == 4 ? HTMLSCAN_LANG : -1; break;
    case 'n': a = n == 4 ? HTMLSCAN_NAME : -1; break;
    case 'c': a = n == 7 ? HTMLSCAN_CONTENT : n == 5 ? A_COLOR : -1; break;
    case 'e': a = n == 8 ? A_ENCODING : -1; break;
    case 'f': a = n == 4 ? A_FACE : -1; break;
    default: a = -1;
    }
    if (a < 0)
        return -1;
    /* attr_names are lower case; an inline loop, not a strncasecmp call
     * (55,000 of them over the rust-doc sample, 50 instructions each) */
    for (size_t i = 1; i < n; i++)
        if (cf_to_lower((unsigned char)s[i]) != attr_names[a][i])
            return -1;
    return a;
}

struct tag {
    int end;                    /* an end tag */
    int self_closing;           /* ended with "/>" */
    int tail;                   /* more than its name before the '>' */
    char low[NAME_MAX_LEN + 1]; /* lower-case name ("" when too long) */
    size_t nlen;                /* its length */
    const struct tag_def *def;  /* NULL: no properties */
    const char *av[A_N];        /* raw values of the attributes above */
    size_t al[A_N];             /* their lengths */
    unsigned has;               /* bit i: attribute i present */
};

/* An open foreign element (or an HTML one inside an integration point). */
struct open_el {
    unsigned char ns;                /* NS_* */
    unsigned char ip;                /* IP_* */
    unsigned char len;               /* name length */
    char name[NAME_MAX_LEN + 1];     /* lower-case name */
    unsigned props;                  /* what stops an end tag here:
                                        T_SPECIAL, T_SCOPE, ... */
};

/* The insertion modes the content of a <table> or a <template> can be
 * in, at its own level (no table or template open inside it), as far as
 * they change what is read: which parts (tbody, tr, cells) are open for
 * an end tag to close, what is foster-parented. A table starts in
 * TM_TABLE. A template's first start tag picks its mode (tmode:
 * TM_TABLE for caption, colgroup, tbody, tfoot, thead; TM_TBODY for tr;
 * TM_ROW for td, th; TM_COLS for col; TM_BODY for the rest); its table
 * modes then move as a table's, with no <table> element to close: a
 * <select> opened in one is a select in a table, a <table> outside a
 * cell is ignored, and in TM_COLS every tag but <col> and <template> is. */
enum {
    TM_TEMPLATE, /* no start tag yet ("in template") */
    TM_BODY,
    TM_TABLE,    /* "in table" */
    TM_TBODY,    /* "in table body" */
    TM_ROW,      /* "in row" */
    TM_CELL,     /* "in cell" */
    TM_CAPTION,  /* "in caption" */
    TM_COLGROUP, /* "in column group", a <colgroup> open */
    TM_COLS,     /* "in column group" as the template's own mode */
};

/* An open table (or template) the scanner follows for foster parenting
 * and for the end tags that close a select in a table. */
struct table_ctx {
    unsigned char template; /* a <template>: its content is not fostered
                               before it (what a table mode fosters goes
                               to its end) */
    unsigned char mode;     /* TM_*, the mode at its level */
    unsigned char tmode;    /* template: its own mode, set by the first
                               start tag; TM_TEMPLATE until then */
    unsigned char sect;     /* the open tbody, thead or tfoot (its
                               tag_id), or 0 */
    unsigned char tr;       /* a <tr> is open */
    unsigned char cell;     /* the open td or th (tag_id), or 0 */
};

struct scan {
    struct htmlscan *out;
    const char *doc;
    size_t n;
    struct open_el fs[HTMLSCAN_STACK_MAX]; /* foreign stack */
    size_t nfs;                            /* its depth */
    size_t fs_over;                        /* pushes past the cap */
    struct table_ctx ts[HTMLSCAN_STACK_MAX];
    size_t nts, ts_over;
    int in_select;      /* an open <select> */
    int select_table;   /* it was opened in a table */
    int frameset;       /* 0: none taken; 1: after the frameset;
                           2 + k: inside it, k framesets deep */
    int body;           /* the body has started */
    int head_done;      /* a </head> closed the head before it */
    int head_noscript;  /* a <noscript> open in the head */
    int fs_ok;          /* the frameset-ok flag */
    size_t body_els;    /* elements when the body started */
    int have_title;     /* the first title was reported */
    int have_lang;      /* an <html lang> was reported */
};

/* The first sizes of the element array and the value bytes, from the
 * document's size: grown from 64 elements and 4 KB by doubling, their
 * reallocs and copies were 1.5% of the worker's instructions over the
 * first 800 pages of a rust-doc crawl, whose index pages hold thousands
 * of links (a link per 60 to 230 bytes; ~50 bytes a value). */
#define ELS_FIRST_MIN 64
#define ELS_FIRST_DIV 128
#define STRS_FIRST_DIV 4

static size_t els_first(size_t doc_len)
{
    size_t k = doc_len / ELS_FIRST_DIV;

    return k > ELS_FIRST_MIN ? k : ELS_FIRST_MIN;
}

/* Report an element: its attributes decoded into strs. */
static struct htmlscan_el *add_el(struct scan *sc, enum htmlscan_tag tag,
                                  const struct tag *t)
{
    struct htmlscan *s = sc->out;
    struct htmlscan_el *e;

    if (s->nels == s->aels) {
        s->aels = s->aels ? s->aels * 2 : els_first(sc->n);
        s->els = cf_realloc(s->els, s->aels * sizeof(*s->els));
    }
    if (s->strs == NULL)
        strs_reserve(s, sc->n / STRS_FIRST_DIV);
    e = &s->els[s->nels++];
    e->tag = tag;
    e->text = -1;
    for (int a = 0; a < HTMLSCAN_NATTR; a++)
        e->attr[a] = (t->has & (1u << a))
                         ? (long)decode_value(s, t->av[a], t->al[a], 1)
                         : -1;
    return e;
}

#ifdef __SSE2__
/* Bits of the bytes d[p..p+16) that may end a tag's or an attribute's
 * name: 0x00-0x20 (whitespace; the controls, which do not end one, are
 * left to the byte classes), '/', '>' and, with eq, '='. */
static inline unsigned name_stops(const char *d, size_t p, int eq)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + p));
    __m128i m = _mm_or_si128(
        _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));

    if (eq)
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Read a tag from p (just after "<" or "</") to its '>'. Returns the
 * offset after the '>', or 0 when the document ends inside the tag (the
 * token is then dropped, as the tokenizer drops it). */
static size_t read_tag(struct scan *sc, size_t p, struct tag *t)
{
    const char *d = sc->doc;
    size_t n = sc->n, name = p;
    uint64_t w;
    int want;

    /* The name: its end, its lower case (low) and its first 8 bytes as
     * one word for the lookup. Most names are 1 to 8 bytes: SSE2 finds
     * the first byte that may end one (0x00-0x20, '/', '>') in 16 at
     * once, and the word is one load, masked and lower-cased in place.
     * A byte loop with a hash step each (the fallback below, for longer
     * names, the end of the document and controls in a name) was a
     * third of read_tag on rust-doc: page_parse over the 301-page
     * rust-doc sample of bench/README.md (callgrind, page_bench -r
     * /usr/share/doc/rust-doc/html) took 152,159,098 instructions
     * before, 146,109,612 after. */
#ifdef __SSE2__
    if (n - p >= 16) {
        unsigned m = name_stops(d, p, 0);
        size_t k = m ? (size_t)__builtin_ctz(m) : 16;

        if (k <= WORD_NAME_MAX &&
            (cls[(unsigned char)d[p + k]] & C_NAME_END)) {
            memcpy(&w, d + p, sizeof(w));
            if (k < WORD_NAME_MAX)
                w &= (1ull << (8 * k)) - 1;
            w = word_lower(w);
            memcpy(t->low, &w, sizeof(w));
            p += k;
            goto named;
        }
    }
#endif
    w = 0;
    while (p < n) {
        unsigned c = (unsigned char)d[p];
        size_t k = p - name;

        if (cls[c] & C_NAME_END)
            break;
        c = (unsigned)cf_to_lower((int)c);
        if (k < NAME_MAX_LEN)
            t->low[k] = (char)c;
        if (k < WORD_NAME_MAX)
            w |= (uint64_t)c << (8 * k);
        p++;
    }
    if (p >= n)
        return 0;
named:
    t->nlen = p - name;
    t->tail = d[p] != '>';
    if (t->nlen <= NAME_MAX_LEN) {
        t->low[t->nlen] = '\0';
        t->def = tag_lookup(t->low, t->nlen, name_hash(w, t->nlen), w);
    } else {
        t->low[0] = '\0';
        t->nlen = 0;
        t->def = NULL;
    }
    t->self_closing = 0;
    t->has = 0;
    if (d[p] == '>') /* no attributes: most end tags, many start tags
                        (140,658,380 instructions over the rust-doc
                        sample before, 140,508,081 after) */
        return p + 1;
    want = !t->end && t->def != NULL && (t->def->props & T_ATTRS);
    for (;;) {
        size_t an, al, vs = 0, vl = 0;
        int c;
        while (p < n && (cls[(unsigned char)d[p]] & C_WS))
            p++;
        if (p >= n)
            return 0;
        c = d[p];
        if (c == '>')
            return p + 1;
        if (c == '/') {
            p++;
            if (p >= n)
                return 0;
            if (d[p] == '>') {
                t->self_closing = 1;
                return p + 1;
            }
            continue;
        }
        an = p++;
        if (c == '\0')
            an = p; /* gumbo 0.10.1 loses the U+FFFD a NUL starts a name
                       with; the reference decides ("<a \0href=x>") */
#ifdef __SSE2__
        /* the name's first 16 bytes at once: nothing before the first
         * stop can end it (class, href, title: a byte loop of 4 to 5
         * steps before; page_parse over the rust-doc sample 140,508,081
         * instructions before, 140,042,295 after) */
        if (n - p >= 16) {
            unsigned m = name_stops(d, p, 1);
            p += m ? (size_t)__builtin_ctz(m) : 16;
        }
#endif
        while (p < n && !(cls[(unsigned char)d[p]] & C_ATTR_END))
            p++;
        al = p - an;
        while (p < n && (cls[(unsigned char)d[p]] & C_WS))
            p++;
        if (p >= n)
            return 0;
        if (d[p] == '=') {
            p++;
            while (p < n && (cls[(unsigned char)d[p]] & C_WS))
                p++;
            if (p >= n)
                return 0;
            c = d[p];
            if (c == '"' || c == '\'') {
                size_t q = cf_find_byte(d, p + 1, n, (char)c);
                if (q >= n)
                    return 0;
                vs = p + 1;
                vl = q - vs;
                p = q + 1;
            } else if (c != '>') {
                vs = p;
                while (p < n && !(cls[(unsigned char)d[p]] & C_VAL_END))
                    p++;
                if (p >= n)
                    return 0;
                vl = p - vs;
            }
        }
        if (want && al >= 3 && al <= 8) {
            int a = attr_id(d + an, al);

            if (a >= 0 && !(t->has & (1u << a))) {
                t->has |= 1u << a;
                t->av[a] = d + vs;
                t->al[a] = vl;
            }
        }
    }
}

/* Where the comment that starts after "<!--" at p ends (after its '>'),
 * per the comment states; n when it runs to the end. */
static size_t comment_end(const char *d, size_t p, size_t n)
{
    enum { START, START_DASH, BODY, END_DASH, END, END_BANG } st = START;

    while (p < n) {
        char c = d[p++];
        switch (st) {
        case START:
            if (c == '>')
                return p;
            st = c == '-' ? START_DASH : BODY;
            break;
        case START_DASH:
            if (c == '-')
                st = END;
            else if (c == '>')
                return p;
            else
                st = BODY;
            break;
        case BODY:
            if (c == '-') {
                st = END_DASH;
            } else {
                const char *q = memchr(d + p, '-', n - p);
                p = q ? (size_t)(q - d) : n;
            }
            break;
        case END_DASH:
            st = c == '-' ? END : BODY;
            break;
        case END:
            if (c == '>')
                return p;
            if (c == '!')
                st = END_BANG;
            else if (c != '-')
                st = BODY;
            break;
        case END_BANG:
            if (c == '>')
                return p;
            st = c == '-' ? END_DASH : BODY;
            break;
        }
    }
    return n;
}

/* 1 when d[p..] is "</" + name (any case) + whitespace, '/' or '>'. */
static int end_tag_at(const char *d, size_t p, size_t n, const char *name,
                      size_t nl)
{
    if (p + 2 + nl >= n || d[p + 1] != '/')
        return 0;
    for (size_t i = 0; i < nl; i++)
        if (cf_to_lower((unsigned char)d[p + 2 + i]) != name[i])
            return 0;
    p += 2 + nl;
    return cf_is_space((unsigned char)d[p]) || d[p] == '/' || d[p] == '>';
}

/* Offset of the end tag ("<") that closes RCDATA or RAWTEXT content
 * starting at p, or n. */
static size_t raw_end(const char *d, size_t p, size_t n, const char *name,
                      size_t nl)
{
    const char *q;

    while ((q = memchr(d + p, '<', n - p)) != NULL) {
        p = (size_t)(q - d);
        if (end_tag_at(d, p, n, name, nl))
            return p;
        p++;
    }
    return n;
}

/* The alphabetic run at d[p..] is "script" (any case) followed by
 * whitespace, '/' or '>'. */
static int script_word(const char *d, size_t p, size_t n)
{
    static const char w[] = "script";

    if (p + 6 >= n)
        return 0;
    for (size_t i = 0; i < 6; i++)
        if (cf_to_lower((unsigned char)d[p + i]) != w[i])
            return 0;
    p += 6;
    return cf_is_space((unsigned char)d[p]) || d[p] == '/' || d[p] == '>';
}

/* Offset of the "</script" that ends script data starting at p, or n:
 * the script data states with their escaped and double-escaped forms. */
static size_t script_end(const char *d, size_t p, size_t n)
{
    enum { DATA, ESC, ESC_DASH, ESC_DD, DESC, DESC_DASH, DESC_DD } st = DATA;

    while (p < n) {
        char c = d[p];
        if (st == DATA) {
            const char *q = memchr(d + p, '<', n - p);
            if (q == NULL)
                return n;
            p = (size_t)(q - d);
            if (end_tag_at(d, p, n, "script", 6))
                return p;
            if (p + 3 < n && d[p + 1] == '!' && d[p + 2] == '-' &&
                d[p + 3] == '-') {
                st = ESC_DD;
                p += 4;
            } else {
                p++;
            }
            continue;
        }
        p++;
        switch (st) {
        case ESC:
        case ESC_DASH:
        case ESC_DD:
            if (c == '-') {
                st = st == ESC ? ESC_DASH : ESC_DD;
            } else if (c == '<') {
                if (end_tag_at(d, p - 1, n, "script", 6))
                    return p - 1;
                if (script_word(d, p, n)) {
                    p += 7;
                    st = DESC;
                } else {
                    st = ESC;
                }
            } else if (c == '>' && st == ESC_DD) {
                st = DATA;
            } else {
                st = ESC;
            }
            break;
        case DESC:
        case DESC_DASH:
        case DESC_DD:
            if (c == '-') {
                st = st == DESC ? DESC_DASH : DESC_DD;
            } else if (c == '<') {
                if (p < n && d[p] == '/' && script_word(d, p + 1, n)) {
                    p += 8;
                    st = ESC;
                } else {
                    st = DESC;
                }
            } else if (c == '>' && st == DESC_DD) {
                st = DATA;
            } else {
                st = DESC;
            }
            break;
        default:
            break;
        }
    }
    return n;
}

/* The current node is a foreign element (not an HTML one, not an
 * integration point that takes HTML start tags). */
static const struct open_el *fs_top(const struct scan *sc)
{
    return sc->nfs > 0 ? &sc->fs[sc->nfs - 1] : NULL;
}

static void fs_push(struct scan *sc, int ns, int ip, const struct tag *t)
{
    struct open_el *e;

    if (ns != NS_HTML && ((t->nlen == 6 && memcmp(t->low, "select", 6) == 0) ||
                          (t->nlen == 4 && memcmp(t->low, "html", 4) == 0)))
        sc->out->approx |= HTMLSCAN_GUMBO_ABORT; /* gumbo_abort_risk() */
    if (sc->fs_over > 0 || sc->nfs == HTMLSCAN_STACK_MAX ||
        t->nlen == 0) {
        sc->fs_over++;
        sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
        return;
    }
    e = &sc->fs[sc->nfs++];
    e->ns = (unsigned char)ns;
    e->ip = (unsigned char)ip;
    e->len = (unsigned char)t->nlen;
    memcpy(e->name, t->low, t->nlen + 1);
    if (ns == NS_HTML)
        e->props = t->def ? t->def->props : 0;
    else if (ip == IP_NONE)
        e->props = 0;
    else /* mi, ..., annotation-xml, foreignObject, desc and title bound a
            scope; gumbo 0.10.1 leaves the svg title out of "special" */
        e->props = T_SCOPE | ((ns == NS_SVG && t->def &&
                               t->def->id == TAG_TITLE)
                                  ? 0
                                  : T_SPECIAL);
}

static void mode_reset(struct scan *sc);

/* Pop the foreign stack to depth k (entries k.. go). A table or
 * template opened in an integration point that closes resets the
 * insertion mode. */
static void fs_pop_to(struct scan *sc, size_t k)
{
    size_t n = sc->nfs;

    sc->fs_over = 0;
    sc->nfs = k;
    for (size_t i = k; i < n; i++)
        if (sc->fs[i].ns == NS_HTML && (sc->fs[i].props & T_TSCOPE)) {
            mode_reset(sc);
            break;
        }
}

static int attr_is(const struct tag *t, int a, const char *v)
{
    return (t->has & (1u << a)) && t->al[a] == strlen(v) &&
           strncasecmp(t->av[a], v, t->al[a]) == 0;
}

/* Integration point kind of a foreign element named by t in ns. */
static int ip_kind(int ns, const struct tag *t)
{
    enum tag_id id = t->def ? t->def->id : TAG_OTHER;

    if (ns == NS_SVG)
        return id == TAG_FOREIGNOBJECT || id == TAG_DESC || id == TAG_TITLE
                   ? IP_HTML
                   : IP_NONE;
    if (id == TAG_MI || id == TAG_MO || id == TAG_MN || id == TAG_MS ||
        id == TAG_MTEXT)
        return IP_MTEXT;
    if (id == TAG_ANNOTATION_XML)
        return attr_is(t, A_ENCODING, "text/html") ||
                       attr_is(t, A_ENCODING, "application/xhtml+xml")
                   ? IP_HTML
                   : IP_AXML;
    return IP_NONE;
}

/* Does this start tag go to the HTML rules (1) or the foreign ones (0)?
 * inline: once a start tag in the main loop (a call each was 0.5% of the
 * page stage on rust-doc). */
static inline int start_is_html(const struct scan *sc, const struct tag *t)
{
    const struct open_el *e = fs_top(sc);
    enum tag_id id = t->def ? t->def->id : TAG_OTHER;

    if (e == NULL || e->ns == NS_HTML || e->ip == IP_HTML)
        return 1;
    if (e->ip == IP_MTEXT)
        return id != TAG_MGLYPH && id != TAG_MALIGNMARK;
    if (e->ip == IP_AXML)
        return id == TAG_SVG;
    return 0;
}

static void table_push(struct scan *sc, int template)
{
    if (sc->ts_over > 0 || sc->nts == HTMLSCAN_STACK_MAX) {
        sc->ts_over++;
        return;
    }
    memset(&sc->ts[sc->nts], 0, sizeof(sc->ts[0]));
    sc->ts[sc->nts].template = (unsigned char)template;
    sc->ts[sc->nts].mode = template ? TM_TEMPLATE : TM_TABLE;
    sc->nts++;
}

static void table_pop(struct scan *sc)
{
    if (sc->ts_over > 0)
        sc->ts_over--;
    else if (sc->nts > 0)
        sc->nts--;
}

/* In a template's table modes what is fostered goes to the end of the
 * template's content: out of source order once a tbody or tr is open
 * there (later cells go inside it, before what was moved). */
static int template_fosters(const struct table_ctx *c)
{
    return (c->mode == TM_TABLE || c->mode == TM_TBODY ||
            c->mode == TM_ROW) &&
           (c->sect || c->tr);
}

/* Content here would be foster-parented (in a table, not in a cell) out
 * of source order. */
static inline int fostered(const struct scan *sc)
{
    const struct table_ctx *c;

    if (sc->nts == 0 || sc->ts_over > 0 || sc->nfs > 0)
        return 0;
    c = &sc->ts[sc->nts - 1];
    return c->template ? template_fosters(c)
                       : c->mode != TM_CELL && c->mode != TM_CAPTION;
}

static void body_starts(struct scan *sc)
{
    if (!sc->body) {
        sc->body = 1;
        sc->body_els = sc->out->nels;
    }
}

/* A <frameset> replaces the body: what was reported since it started
 * goes, but for an <html lang> (its attributes went to the <html>
 * element, which stays). */
static void drop_body(struct scan *sc)
{
    struct htmlscan *s = sc->out;
    size_t keep = sc->body_els;

    for (size_t i = sc->body_els; i < s->nels; i++)
        if (s->els[i].tag == HTMLSCAN_HTML) {
            s->els[keep++] = s->els[i];
            break;
        }
    s->nels = keep;
}

/* A <template> on the table stack (one opened outside foreign content). */
static int template_open(const struct scan *sc)
{
    for (size_t i = 0; i < sc->nts; i++)
        if (sc->ts[i].template)
            return 1;
    return 0;
}

/* Inside a <template> (its content is not the document's <html>). */
static int in_template(const struct scan *sc)
{
    for (size_t i = 0; i < sc->nts; i++)
        if (sc->ts[i].template)
            return 1;
    /* one opened in an integration point is on the foreign stack */
    for (size_t i = 0; i < sc->nfs; i++)
        if (sc->fs[i].ns == NS_HTML && sc->fs[i].len == 8 &&
            memcmp(sc->fs[i].name, "template", 8) == 0)
            return 1;
    return 0;
}

/* The table or template whose own level the tree builder is at (no
 * foreign element open inside it), or NULL. */
static struct table_ctx *table_level(struct scan *sc)
{
    if (sc->nts == 0 || sc->ts_over > 0 || sc->nfs > 0 || sc->fs_over > 0)
        return NULL;
    return &sc->ts[sc->nts - 1];
}

/* A template in one of the table modes: a <select> there is a select in
 * a table. */
static int template_in_table(const struct table_ctx *c)
{
    return c->mode >= TM_TABLE && c->mode <= TM_CAPTION;
}

/* The tags that end a cell or a caption when they start. */
static int closes_cell(enum tag_id id)
{
    switch (id) {
    case TAG_CAPTION:
    case TAG_COL:
    case TAG_COLGROUP:
    case TAG_TBODY:
    case TAG_TD:
    case TAG_TFOOT:
    case TAG_TH:
    case TAG_THEAD:
    case TAG_TR:
        return 1;
    default:
        return 0;
    }
}

static int is_sect(enum tag_id id)
{
    return id == TAG_TBODY || id == TAG_THEAD || id == TAG_TFOOT;
}

/* A start tag at c's own level: the mode it moves to (the standard's
 * table modes; "reprocess" is the loop). Returns 1 when the tree builder
 * ignores the tag. A <table> outside a cell closes a table (html_start()
 * does that) and is ignored in a template (no table in scope). */
static int table_start(struct table_ctx *c, enum tag_id id, unsigned props)
{
    for (;;) {
        switch (c->mode) {
        case TM_TEMPLATE:
            if (props & T_TMPL_HEAD)
                return 0;
            if (id == TAG_CAPTION || id == TAG_COLGROUP || is_sect(id))
                c->tmode = TM_TABLE;
            else if (id == TAG_COL)
                c->tmode = TM_COLS;
            else if (id == TAG_TR)
                c->tmode = TM_TBODY;
            else if (id == TAG_TD || id == TAG_TH)
                c->tmode = TM_ROW;
            else
                c->tmode = TM_BODY;
            c->mode = c->tmode;
            continue;
        case TM_TABLE:
            if (id == TAG_CAPTION) {
                c->mode = TM_CAPTION;
            } else if (id == TAG_COLGROUP || id == TAG_COL) {
                c->mode = TM_COLGROUP;
            } else if (is_sect(id)) {
                c->sect = (unsigned char)id;
                c->mode = TM_TBODY;
            } else if (id == TAG_TR || id == TAG_TD || id == TAG_TH) {
                c->sect = TAG_TBODY; /* one is made for it */
                c->mode = TM_TBODY;
                continue;
            }
            return id == TAG_TABLE && c->template;
        case TM_TBODY:
            if (id == TAG_TR || id == TAG_TD || id == TAG_TH) {
                c->tr = 1;
                c->mode = TM_ROW;
                if (id == TAG_TR)
                    return 0;
                continue;
            }
            if (closes_cell(id)) { /* caption, col, colgroup, sections */
                if (!c->sect)
                    return 1;
                c->sect = 0;
                c->mode = TM_TABLE;
                continue;
            }
            return id == TAG_TABLE && c->template;
        case TM_ROW:
            if (id == TAG_TD || id == TAG_TH) {
                c->cell = (unsigned char)id;
                c->mode = TM_CELL;
                return 0;
            }
            if (closes_cell(id)) {
                if (!c->tr)
                    return 1;
                c->tr = 0;
                c->mode = TM_TBODY;
                continue;
            }
            return id == TAG_TABLE && c->template;
        case TM_CELL:
            if (!closes_cell(id))
                return 0;
            c->cell = 0;
            c->mode = TM_ROW;
            continue;
        case TM_CAPTION:
            if (!closes_cell(id))
                return 0;
            c->mode = TM_TABLE;
            continue;
        case TM_COLGROUP:
            if (id == TAG_COL || id == TAG_TEMPLATE || id == TAG_HTML)
                return 0;
            c->mode = TM_TABLE;
            continue;
        case TM_COLS:
            return id != TAG_COL && id != TAG_TEMPLATE;
        default: /* TM_BODY */
            return 0;
        }
    }
}

/* An end tag at c's own level (</template> and a table's </table>
 * aside): what it closes. The rest are ignored or change nothing read. */
static void table_end(struct table_ctx *c, enum tag_id id)
{
    for (;;) {
        switch (c->mode) {
        case TM_TBODY:
            if ((is_sect(id) && c->sect == id) ||
                (id == TAG_TABLE && c->sect)) {
                c->sect = 0;
                c->mode = TM_TABLE;
            }
            return;
        case TM_ROW:
            if (!c->tr ||
                !(id == TAG_TR || id == TAG_TABLE ||
                  (is_sect(id) && c->sect == id)))
                return;
            c->tr = 0;
            c->mode = TM_TBODY;
            if (id == TAG_TR)
                return;
            continue;
        case TM_CELL:
            if ((id == TAG_TD || id == TAG_TH) && c->cell == id) {
                c->cell = 0;
                c->mode = TM_ROW;
                return;
            }
            if (!((id == TAG_TR && c->tr) || (is_sect(id) && c->sect == id)))
                return;
            c->cell = 0;
            c->mode = TM_ROW;
            continue;
        case TM_CAPTION:
            if (id == TAG_CAPTION || id == TAG_TABLE)
                c->mode = TM_TABLE;
            return;
        case TM_COLGROUP:
            if (id == TAG_COLGROUP)
                c->mode = TM_TABLE;
            return;
        default:
            return;
        }
    }
}

/* Text d[a..b) in the data state: does it start the body? Only
 * non-whitespace characters do; a character reference counts as what it
 * stands for (&#32; is a space). A NUL starts the body too (before the
 * body it is "anything else" in every insertion mode) but leaves the
 * frameset-ok flag alone (the body ignores it): a later <frameset> then
 * drops the body, and a <base> or link put in it. */
static void text_read(struct scan *sc, size_t a, size_t b)
{
    struct htmlscan *s = sc->out;
    const struct table_ctx *tc;

    for (; a < b; a++) {
        char c = sc->doc[a];
        if (c == '&') {
            size_t mark = s->nstrs, k, i;
            int ws = 1;
            k = char_ref(s, sc->doc + a, b - a, 0);
            for (i = mark; i < s->nstrs; i++)
                ws = ws && cf_is_space((unsigned char)s->strs[i]);
            s->nstrs = mark;
            if (k > 0 && ws) {
                a += k - 1;
                continue;
            }
        }
        if (c == '\0') {
            if (!in_template(sc))
                body_starts(sc);
        } else if (!cf_is_space((unsigned char)c)) {
            if (!in_template(sc)) {
                body_starts(sc);
            } else {
                /* a template's content is no body; text is ignored
                   where only <col> is taken */
                tc = table_level(sc);
                if (tc != NULL && tc->mode == TM_COLS)
                    continue;
            }
            sc->fs_ok = 0;
            return;
        }
    }
}

/* Text is read only until it can change nothing: the body started and
 * frameset-ok cleared (cleared with no body, a <template> did it), or a
 * frameset taken. Most pages get there at their first text. */
static inline void text(struct scan *sc, size_t a, size_t b)
{
    if ((sc->fs_ok || !sc->body) && !sc->frameset)
        text_read(sc, a, b);
}

/* An HTML <table> opened in an integration point is open, and no
 * template after it: the mode is a table mode the scanner does not
 * follow there. */
static int fs_table(const struct scan *sc)
{
    for (size_t k = sc->nfs; k > 0; k--) {
        const struct open_el *e = &sc->fs[k - 1];
        if (e->ns != NS_HTML)
            continue;
        if (e->len == 5 && memcmp(e->name, "table", 5) == 0)
            return 1;
        if (e->len == 8 && memcmp(e->name, "template", 8) == 0)
            return 0;
    }
    return 0;
}

/* Does the body ignore this start tag (it opens no element)? A table
 * part in a <template> in a table mode, or as the first tag of a
 * template opened in an integration point, changes the insertion mode
 * instead: flagged. */
static int body_ignores(struct scan *sc, enum tag_id id, unsigned props)
{
    const struct open_el *e = fs_top(sc);

    if (id == TAG_HTML || id == TAG_HEAD || id == TAG_BODY)
        return 1;
    if (!(props & (T_CELL | T_TABLE_PART)) || sc->ts_over > 0)
        return 0;
    if ((e != NULL && e->ns == NS_HTML && e->len == 8 &&
         memcmp(e->name, "template", 8) == 0) ||
        fs_table(sc)) {
        /* a template or a table opened here: their modes are not
           followed */
        sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
        return 0;
    }
    if (sc->nts == 0)
        return 1;
    if (sc->ts[sc->nts - 1].template) {
        if (sc->ts[sc->nts - 1].mode == TM_BODY)
            return 1;
        sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
    }
    return 0;
}

/* The tree builder resets its insertion mode from the open elements
 * (a select, a table or a template closed): gumbo 0.10.1 compares their
 * tags without their namespace, so an svg or math element named like a
 * table part, select, template, head, frameset or html
 * (<svg><select><desc><select></select>) sets the mode for it; the
 * standard takes only HTML ones. Flagged. */
static void mode_reset(struct scan *sc)
{
    for (size_t k = 0; k < sc->nfs; k++) {
        const struct open_el *e = &sc->fs[k];
        if (e->ns == NS_HTML)
            continue;
        switch (gumbo_tagn_enum(e->name, e->len)) {
        case GUMBO_TAG_SELECT: /* also HTMLSCAN_GUMBO_ABORT (fs_push) */
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH:
        case GUMBO_TAG_TR:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_COLGROUP:
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_HEAD:
        case GUMBO_TAG_FRAMESET:
        case GUMBO_TAG_HTML:
            sc->out->approx |= HTMLSCAN_APPROX_RESET;
            return;
        default:
            break;
        }
    }
}

/* The open <select> closes. */
static void select_closes(struct scan *sc)
{
    sc->in_select = 0;
    mode_reset(sc);
}

/* A start tag before the body, outside a template: does it start the
 * body? A <noscript> in the head takes only link, meta, style, noframes,
 * basefont and bgsound (the rest close it); after </head> a <noscript>
 * is no head element and starts the body. */
static void head_start(struct scan *sc, enum tag_id id, unsigned props)
{
    if (sc->head_noscript &&
        (!(props & T_HEAD) || id == TAG_BASE || id == TAG_TITLE ||
         id == TAG_FRAMESET || id == TAG_TEMPLATE || id == TAG_SCRIPT))
        sc->head_noscript = 0;
    if (!(props & T_HEAD) || (id == TAG_NOSCRIPT && sc->head_done))
        body_starts(sc);
    else if (id == TAG_NOSCRIPT)
        sc->head_noscript = 1;
}

/* A table part (td, tr, caption, ...) in an integration point opened in
 * a table: the table's mode takes it, and closes the cell or clears the
 * table's content back to the table, foreign content with it. An HTML
 * table or template opened in the integration point is not followed:
 * flagged. */
static void table_part_in_foreign(struct scan *sc)
{
    if (sc->ts_over > 0 || sc->fs_over > 0 || sc->ts[sc->nts - 1].template)
        return;
    for (size_t k = 0; k < sc->nfs; k++) {
        const struct open_el *e = &sc->fs[k];
        if (e->ns == NS_HTML &&
            ((e->len == 5 && memcmp(e->name, "table", 5) == 0) ||
             (e->len == 8 && memcmp(e->name, "template", 8) == 0))) {
            sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
            return;
        }
    }
    fs_pop_to(sc, 0);
}

/* The foreign content open was put before a table, out of its cells:
 * its integration points' HTML tags go to that table's mode (a template
 * in a table mode there is not followed: flagged). */
static int foreign_in_table(struct scan *sc)
{
    const struct table_ctx *c;

    if (sc->nts == 0 || sc->ts_over > 0 || sc->fs_over > 0)
        return 0;
    c = &sc->ts[sc->nts - 1];
    if (c->mode == TM_CELL || c->mode == TM_CAPTION)
        return 0; /* in a cell: a table there is in the cell */
    if (c->template) {
        if (template_in_table(c))
            sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
        return 0;
    }
    return 1;
}

/* What an HTML start tag the tree builder takes does. Returns the
 * tokenizer content kind for what follows (T_RCDATA, T_RAWTEXT,
 * T_SCRIPT, T_PLAINTEXT or 0). */
static unsigned html_start(struct scan *sc, const struct tag *t)
{
    struct htmlscan *s = sc->out;
    unsigned props = t->def ? t->def->props : 0;
    enum tag_id id = t->def ? t->def->id : TAG_OTHER;

    if (sc->frameset) {
        if (id == TAG_FRAMESET && sc->frameset > 1) {
            sc->frameset++;
        } else if (id == TAG_FRAME && sc->frameset > 1) {
            add_el(sc, HTMLSCAN_FRAME, t);
        } else if (id == TAG_NOFRAMES) {
            return T_RAWTEXT;
        } else if (id == TAG_HTML && !sc->have_lang &&
                   (t->has & (1u << HTMLSCAN_LANG))) {
            add_el(sc, HTMLSCAN_HTML, t);
            sc->have_lang = 1;
        }
        return 0;
    }
    if (sc->in_select) {
        switch (id) {
        case TAG_SELECT:
            select_closes(sc);
            return 0;
        case TAG_INPUT:
        case TAG_KEYGEN:
        case TAG_TEXTAREA:
            select_closes(sc);
            break; /* and the tag as in the body */
        case TAG_SCRIPT:
            return T_SCRIPT;
        case TAG_HTML:
            break; /* its attributes still go to <html> */
        case TAG_TEMPLATE:
            s->approx |= HTMLSCAN_APPROX_SELECT;
            return 0;
        case TAG_CAPTION:
        case TAG_TABLE:
        case TAG_TBODY:
        case TAG_TFOOT:
        case TAG_THEAD:
        case TAG_TR:
        case TAG_TD:
        case TAG_TH:
            if (!sc->select_table)
                return 0;
            select_closes(sc);
            break;
        default:
            return 0;
        }
    }
    if (sc->nts > 0) {
        struct table_ctx *c;
        if (sc->nfs > 0 && (props & (T_CELL | T_TABLE_PART)))
            table_part_in_foreign(sc);
        c = table_level(sc);
        if (c != NULL && table_start(c, id, props))
            return 0;
    }
    if (!sc->body && !in_template(sc))
        head_start(sc, id, props);
    if (id == TAG_BODY || (props & T_FS_NOT_OK))
        sc->fs_ok = 0;
    /* A table moves what it may not hold before itself: only the order
     * of what parse.c reads matters. */
    if (fostered(sc) &&
        (id == TAG_A || id == TAG_AREA || id == TAG_IFRAME ||
         id == TAG_LINK || id == TAG_BASE || id == TAG_META ||
         id == TAG_TITLE))
        s->approx |= HTMLSCAN_APPROX_FOSTER;

    switch (id) {
    case TAG_A:
        add_el(sc, HTMLSCAN_A, t);
        break;
    case TAG_AREA:
        add_el(sc, HTMLSCAN_AREA, t);
        break;
    case TAG_IFRAME:
        add_el(sc, HTMLSCAN_IFRAME, t);
        break;
    case TAG_LINK:
        add_el(sc, HTMLSCAN_LINK, t);
        break;
    case TAG_BASE:
        add_el(sc, HTMLSCAN_BASE, t);
        break;
    case TAG_META:
        add_el(sc, HTMLSCAN_META, t);
        break;
    case TAG_HTML:
        if (!sc->have_lang && (t->has & (1u << HTMLSCAN_LANG)) &&
            !in_template(sc)) {
            add_el(sc, HTMLSCAN_HTML, t);
            sc->have_lang = 1;
        }
        break;
    case TAG_FRAMESET:
        if (in_template(sc)) {
            /* in the head (no body), or frameset-ok cleared by the
               <template>: ignored */
        } else if (!sc->body) {
            sc->frameset = 2;
        } else if (sc->fs_ok) {
            /* The tree builder drops the body for it. */
            s->approx |= HTMLSCAN_APPROX_FRAMESET;
            drop_body(sc);
            sc->frameset = 2;
        }
        return 0;
    case TAG_SELECT:
        sc->in_select = 1;
        sc->select_table = sc->nts > 0 && (!sc->ts[sc->nts - 1].template ||
                                           template_in_table(
                                               &sc->ts[sc->nts - 1]));
        if (sc->nfs > 0 && fs_table(sc)) {
            /* in a table opened in an integration point: a select in a
               table, in a table the scanner does not follow */
            sc->select_table = 1;
            s->approx |= HTMLSCAN_APPROX_FOREIGN;
        }
        return 0;
    case TAG_SVG:
    case TAG_MATH:
        fs_push(sc, id == TAG_SVG ? NS_SVG : NS_MATH, IP_NONE, t);
        if (t->self_closing)
            fs_pop_to(sc, sc->nfs > 0 ? sc->nfs - 1 : 0);
        return 0;
    case TAG_TABLE:
        if (sc->nfs > 0) {
            /* in a table opened here (not in its cell) a <table> closes
               it and the mode resets; not followed, but what the reset
               may take from a foreign element is flagged */
            if (fs_table(sc)) {
                mode_reset(sc);
                break;
            }
            if (!foreign_in_table(sc))
                break;
            /* foreign content put before a table (not in its cell): the
               table's mode still takes the integration point's HTML tags,
               and a <table> closes that table, the foreign content with
               it (<table><math><mi><table>) */
            fs_pop_to(sc, 0);
        }
        if (fostered(sc))
            table_pop(sc); /* a table in a table closes it */
        table_push(sc, 0);
        return 0;
    case TAG_TEMPLATE:
        if (sc->nfs == 0)
            table_push(sc, 1);
        break;
    default:
        break;
    }
    /* Inside an integration point, HTML elements are open foreign-stack
     * entries too, so that end tags find them; but not those the body
     * ignores (<html>, <head>, <body>, table parts outside a table): an
     * end tag after them still closes the integration point. */
    if (sc->nfs > 0 && !body_ignores(sc, id, props) && !(props & T_VOID))
        fs_push(sc, NS_HTML, IP_NONE, t);
    return props & (T_RCDATA | T_RAWTEXT | T_SCRIPT | T_PLAINTEXT);
}

/* A start tag that leaves foreign content (an HTML element after all). */
static int breaks_out(const struct tag *t)
{
    unsigned props = t->def ? t->def->props : 0;

    return (props & T_BREAKOUT) ||
           (t->def && t->def->id == TAG_FONT &&
            (t->has & ((1u << A_COLOR) | (1u << A_FACE) | (1u << A_SIZE))));
}

/* A start tag that goes to the foreign rules: breakout, or a new foreign
 * element. Returns 1 when it must be handled as HTML after all. */
static int foreign_start(struct scan *sc, const struct tag *t)
{
    const struct open_el *top = fs_top(sc);
    int ns = top->ns;

    if (breaks_out(t)) {
        while (sc->nfs > 0) {
            const struct open_el *e = &sc->fs[sc->nfs - 1];
            if (e->ns == NS_HTML || e->ip == IP_HTML || e->ip == IP_MTEXT)
                break;
            sc->nfs--;
        }
        sc->fs_over = 0;
        return 1;
    }
    fs_push(sc, ns, ip_kind(ns, t), t);
    if (t->self_closing)
        fs_pop_to(sc, sc->nfs > 0 ? sc->nfs - 1 : 0);
    return 0;
}

static int el_is(const struct open_el *e, const struct tag *t)
{
    return t->nlen > 0 && e->len == t->nlen &&
           memcmp(e->name, t->low, t->nlen) == 0;
}

/* A tag name gumbo has no GumboTag for. */
static int gumbo_unknown(const char *name, size_t n)
{
    return gumbo_tagn_enum(name, (unsigned)n) == GUMBO_TAG_UNKNOWN;
}

static void html_end_read(struct scan *sc, const struct tag *t);

/* An end tag the HTML rules take inside foreign content: a </template>
 * closes the nearest template and all that is open in it (the in-head
 * rules know no scope). Returns 1 when it did. */
static int foreign_template_end(struct scan *sc, const struct tag *t)
{
    if (t->def == NULL || t->def->id != TAG_TEMPLATE)
        return 0;
    for (size_t k = sc->nfs; k > 0; k--) {
        if (sc->fs[k - 1].ns == NS_HTML && el_is(&sc->fs[k - 1], t)) {
            fs_pop_to(sc, k - 1);
            return 1;
        }
    }
    if (!template_open(sc))
        return 0;
    fs_pop_to(sc, 0);
    html_end_read(sc, t);
    return 1;
}

/* Take open element k out of the foreign stack, leaving the ones after
 * it open. */
static void fs_remove(struct scan *sc, size_t k)
{
    memmove(&sc->fs[k], &sc->fs[k + 1], (sc->nfs - k - 1) * sizeof(sc->fs[0]));
    sc->nfs--;
}

static int fs_table(const struct scan *sc);

/* The open elements (their props) that stop an end tag of this kind
 * taken by the in-body rules in an integration point: it is then
 * ignored. A table part's or a table's end tag in a table mode (a table
 * or template open around the foreign root or in the integration point)
 * goes to that mode's rules instead, which look in table scope: past
 * the integration point (the cell it is in closes) too. */
static unsigned end_stop(const struct scan *sc, const struct tag *t,
                         int kind)
{
    if (t->def && ((t->def->props & (T_CELL | T_TABLE_PART)) ||
                   t->def->id == TAG_TABLE) &&
        (sc->nts > 0 || sc->ts_over > 0 || fs_table(sc)))
        return T_TSCOPE;
    switch (kind) {
    case E_OTHER:
        return T_SPECIAL;
    case E_BUTTON:
        return T_SCOPE | T_BSCOPE;
    case E_LIST:
        return T_SCOPE | T_LSCOPE;
    case E_TABLE_SCOPE:
        return T_TSCOPE;
    default: /* E_SCOPE, E_HEADING, E_FORMAT, E_FORM */
        return T_SCOPE;
    }
}

/* An end tag while the foreign stack is open. */
static void foreign_end(struct scan *sc, const struct tag *t)
{
    size_t k = sc->nfs;
    unsigned stop, special = 0;
    int kind;

    if (sc->fs_over > 0) {
        sc->fs_over--;
        return;
    }
    if (sc->fs[sc->nfs - 1].ns != NS_HTML) {
        /* Foreign rules: the nearest foreign element of that name closes;
         * an HTML element on the way hands the tag to the HTML rules. */
        for (; k > 0 && sc->fs[k - 1].ns != NS_HTML; k--) {
            if (el_is(&sc->fs[k - 1], t)) {
                /* gumbo 0.10.1 compares the end tag's whole text here, so
                 * "</svg >", "</mi/>" or "</mi x>" close nothing there;
                 * the standard compares names (a documented difference) */
                if (t->tail)
                    sc->out->approx |= HTMLSCAN_APPROX_END_TAIL;
                fs_pop_to(sc, k - 1);
                return;
            }
        }
        if (k == 0)
            goto outside;
    }
    /* HTML rules, from the current node: the nearest HTML element of that
     * name closes, unless an element on the way stops the tag first (it
     * is then ignored): end_stop() says which. gumbo 0.10.1 matches by
     * its tag enum, so there an end tag of a name it does not know closes
     * any open element it does not know either (</y> closes <d>); the
     * standard compares names, and so does the scanner, which flags where
     * the two part (a documented difference). */
    if (foreign_template_end(sc, t))
        return;
    kind = t->def ? t->def->end : E_OTHER;
    stop = end_stop(sc, t, kind);
    for (k = sc->nfs; k > 0; k--) {
        const struct open_el *e = &sc->fs[k - 1];
        if (e->ns == NS_HTML &&
            (el_is(e, t) || (kind == E_HEADING && (e->props & T_HEADING)))) {
            if (kind == E_FORMAT && special) {
                /* the adoption agency with a furthest block: it moves
                 * elements and keeps the current node; not followed */
                sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
                fs_remove(sc, k - 1);
            } else if (kind == E_FORM && !in_template(sc)) {
                fs_remove(sc, k - 1); /* the form alone */
            } else {
                fs_pop_to(sc, k - 1);
            }
            return;
        }
        if (e->ns == NS_HTML && !t->def && !(sc->out->approx &
                                             HTMLSCAN_APPROX_UNKNOWN_END) &&
            gumbo_unknown(e->name, e->len) &&
            (t->nlen == 0 || gumbo_unknown(t->low, t->nlen)))
            sc->out->approx |= HTMLSCAN_APPROX_UNKNOWN_END;
        if (e->props & stop)
            return;
        special |= e->props & T_SPECIAL;
    }
outside:
    /* The tag is for an HTML element around the foreign root. */
    if ((t->def && t->def->id == TAG_BR) || foreign_template_end(sc, t))
        return;
    sc->out->approx |= HTMLSCAN_APPROX_FOREIGN;
    fs_pop_to(sc, 0);
}

/* In a select opened in a table, does this end tag close the select
 * (the element it names is in table scope)? */
static int table_end_closes(const struct scan *sc, enum tag_id id)
{
    const struct table_ctx *c;

    if (sc->nts == 0 || sc->ts_over > 0)
        return 0;
    c = &sc->ts[sc->nts - 1];
    if (id == TAG_TABLE)
        return !c->template;
    if (id == TAG_TD || id == TAG_TH)
        return c->cell == id;
    if (is_sect(id))
        return c->sect == id;
    return (id == TAG_TR && c->tr) ||
           (id == TAG_CAPTION && c->mode == TM_CAPTION);
}

/* An end tag outside foreign content: the cases that change something
 * (html_end() has the common one inline). */
static void html_end_read(struct scan *sc, const struct tag *t)
{
    enum tag_id id = t->def ? t->def->id : TAG_OTHER;

    if (sc->frameset) {
        if (id == TAG_FRAMESET && sc->frameset > 1)
            sc->frameset--; /* back to 1: after the frameset */
        return;
    }
    if (sc->in_select) {
        if (id == TAG_SELECT) {
            select_closes(sc);
        } else if ((sc->select_table && table_end_closes(sc, id)) ||
                   (id == TAG_TEMPLATE && template_open(sc))) {
            select_closes(sc);
            html_end_read(sc, t);
        }
        return;
    }
    if (!sc->body && (id == TAG_BODY || id == TAG_HTML || id == TAG_BR) &&
        !in_template(sc))
        body_starts(sc); /* the head modes open the body for these */
    else if (!sc->body && id == TAG_NOSCRIPT)
        sc->head_noscript = 0;
    else if (!sc->body && id == TAG_HEAD && !sc->head_noscript &&
             !in_template(sc))
        sc->head_done = 1; /* in the head's <noscript> it is ignored */

    if (sc->nts == 0 && sc->ts_over == 0)
        return;
    if (id == TAG_TEMPLATE) {
        if (sc->ts_over == 0 && !in_template(sc))
            return; /* none open: ignored (it closed the table) */
        while (sc->nts > 0 && sc->ts_over == 0 &&
               !sc->ts[sc->nts - 1].template)
            table_pop(sc);
        table_pop(sc);
    } else if (id == TAG_TABLE &&
               (sc->ts_over > 0 || !sc->ts[sc->nts - 1].template)) {
        table_pop(sc);
    } else if (sc->ts_over == 0) {
        table_end(&sc->ts[sc->nts - 1], id);
    }
}

/* An end tag outside foreign content. Most come with the body started
 * and no table, select or frameset open: nothing to do. */
static inline void html_end(struct scan *sc, const struct tag *t)
{
    if (sc->frameset || sc->in_select || !sc->body || sc->nts > 0 ||
        sc->ts_over > 0)
        html_end_read(sc, t);
}

/* Does the element a start tag with "/>" opens close at once (the depth
 * cut counts it for nothing)? Only a foreign one: an <svg> or <math>, or
 * a tag the foreign rules take. In HTML "/>" is ignored: <div/> opens a
 * div that stays open, and 20,000 of them cost gumbo 3 s when they were
 * not counted. Reads the state before the tag, as the main loop does
 * next. */
static int self_closes(const struct scan *sc, const struct tag *t)
{
    enum tag_id id = t->def ? t->def->id : TAG_OTHER;

    if (id == TAG_SVG || id == TAG_MATH)
        return 1;
    return sc->nfs > 0 && !start_is_html(sc, t) && !breaks_out(t);
}

/* The document from p on is text of the given kind, after a start tag
 * named by t; returns where the data state resumes (at the end tag's
 * "<"), or n. */
static size_t skip_content(struct scan *sc, size_t p, unsigned kind,
                           const struct tag *t)
{
    const char *d = sc->doc;
    size_t n = sc->n, e;

    if (kind == T_PLAINTEXT)
        return n;
    if (kind == T_SCRIPT)
        return script_end(d, p, n);
    e = raw_end(d, p, n, t->low, t->nlen);
    if (t->def && t->def->id == TAG_TITLE && !sc->have_title) {
        struct htmlscan_el *el = add_el(sc, HTMLSCAN_TITLE, t);
        el->text = (long)decode_value(sc->out, d + p, e - p, 0);
        sc->have_title = 1;
    }
    return e;
}

/* Markup declaration at d[p] == '!' (after '<'): where the data state
 * resumes. */
static size_t declaration(struct scan *sc, size_t p)
{
    const char *d = sc->doc, *q;
    size_t n = sc->n;
    const struct open_el *top = fs_top(sc);

    if (p + 2 < n && d[p + 1] == '-' && d[p + 2] == '-')
        return comment_end(d, p + 3, n);
    if (top != NULL && top->ns != NS_HTML && p + 7 < n &&
        memcmp(d + p + 1, "[CDATA[", 7) == 0) {
        size_t s = p + 8;
        while (s + 2 < n) {
            q = memchr(d + s, ']', n - s);
            if (q == NULL)
                return n;
            s = (size_t)(q - d);
            if (s + 2 < n && d[s + 1] == ']' && d[s + 2] == '>')
                return s + 3;
            s++;
        }
        return n;
    }
    /* DOCTYPE (a '>' ends it even inside quotes) or a bogus comment. */
    q = memchr(d + p, '>', n - p);
    return q ? (size_t)(q - d) + 1 : n;
}

/* The offset of the first start tag named name (lower case, len
 * bytes) in d[from..n), as the tokenizer reads one ("<" and the name in
 * any case, then white space, '/' or '>'), wherever it is (in text, raw
 * text, a comment, ...); or n. */
static size_t find_start_tag(const char *d, size_t from, size_t n,
                             const char *name, size_t len)
{
    for (size_t p = from; p + len + 1 < n; p++) {
        const char *q = memchr(d + p, '<', n - p);
        size_t k;
        if (q == NULL)
            break;
        p = (size_t)(q - d);
        if (p + len + 1 >= n)
            break;
        for (k = 0; k < len; k++)
            if (((unsigned char)d[p + 1 + k] | 0x20) != (unsigned char)name[k])
                break;
        if (k < len)
            continue;
        switch (d[p + 1 + len]) {
        case '\t': case '\n': case '\f': case '\r': case ' ': case '/':
        case '>':
            return p;
        default:
            break;
        }
    }
    return n;
}

/* HTMLSCAN_GUMBO_ABORT (htmlscan.h). Gumbo 0.10.1 resets its insertion
 * mode from the open elements by tag alone (mode_reset), and two of the
 * modes it can then pick from an svg or math element abort the process
 * in its own assertions: "in select" (in a table, a table tag closes the
 * select "it" found: gumbo pops every element looking for an HTML one,
 * <table><math><select><mtext><select><td>) and, from one named html, a
 * head mode with a template open
 * (<template><math><html><mtext><select><input></body>). So a page on
 * which an svg or math element named select or html opens is flagged,
 * whatever is open around it (fs_push): real pages have none. Where the
 * scanner may not have followed the tree (any other flag: it stopped
 * following foreign content past a long tag name or the stack cap, or
 * closed it where gumbo does not, "</math >"), it cannot tell which
 * namespace a tag went to, nor whether raw text really was: the page is
 * flagged if a select or html start tag appears anywhere after an svg
 * or math start tag, by the bytes. */
static void gumbo_abort_risk(struct scan *sc)
{
    struct htmlscan *out = sc->out;
    const char *d = sc->doc;
    size_t n = out->end, first;

    if (out->approx == 0 || (out->approx & HTMLSCAN_GUMBO_ABORT))
        return;
    first = find_start_tag(d, 0, n, "svg", 3);
    first = find_start_tag(d, 0, first, "math", 4); /* or the svg's */
    if (first < n && (find_start_tag(d, first, n, "select", 6) < n ||
                      find_start_tag(d, first, n, "html", 4) < n))
        out->approx |= HTMLSCAN_GUMBO_ABORT;
}

void htmlscan_run(const char *doc, size_t n, size_t max_depth,
                  struct htmlscan *out)
{
    struct scan *sc = cf_malloc(sizeof(*sc));
    struct tag t;
    size_t p = 0, depth = 0;

    if (!tag_hash_ready)
        tag_hash_init();
    /* all but the two stacks, which are written before they are read:
     * zeroing their 28 KB (a calloc) cost 9,000 instructions a page */
    memset(sc, 0, offsetof(struct scan, fs));
    memset(&sc->nfs, 0, offsetof(struct scan, ts) - offsetof(struct scan, nfs));
    memset(&sc->nts, 0, sizeof(*sc) - offsetof(struct scan, nts));
    memset(out, 0, sizeof(*out));
    out->end = n;
    sc->out = out;
    sc->doc = doc;
    sc->n = n;
    sc->fs_ok = 1;
    while (p < n) {
        /* inline: the text between two tags is mostly short */
        size_t lt = cf_find_byte(doc, p, n, '<'), next;
        const char *q;
        int c;
        if (lt >= n) {
            text(sc, p, n);
            break;
        }
        text(sc, p, lt);
        p = lt + 1;
        if (p >= n) {
            text(sc, lt, n);
            break;
        }
        c = (unsigned char)doc[p];
        if (c == '!') {
            p = declaration(sc, p);
            continue;
        }
        if (c == '?') {
            q = memchr(doc + p, '>', n - p);
            p = q ? (size_t)(q - doc) + 1 : n;
            continue;
        }
        if (c == '/') {
            if (p + 1 >= n) {
                text(sc, lt, n);
                break;
            }
            c = (unsigned char)doc[p + 1];
            if (c == '>') {
                p += 2;
                continue;
            }
            if (!cf_is_alpha(c)) {
                q = memchr(doc + p, '>', n - p);
                p = q ? (size_t)(q - doc) + 1 : n;
                continue;
            }
            t.end = 1;
            next = read_tag(sc, p + 1, &t);
            if (next == 0)
                break;
            p = next;
            if (depth > 0 && !(t.def && (t.def->props & T_FLAT)))
                depth--;
            if (sc->in_select || sc->frameset ||
                (sc->nfs == 0 && sc->fs_over == 0))
                html_end(sc, &t);
            else
                foreign_end(sc, &t);
            continue;
        }
        if (!cf_is_alpha(c)) {
            text(sc, lt, lt + 1); /* a '<' that is text */
            continue;
        }
        t.end = 0;
        next = read_tag(sc, p, &t);
        if (next == 0)
            break;
        /* The depth cut (htmlscan.h): read_tag() changed nothing but t,
         * so stopping here leaves all as the end of the document at lt
         * would (the text before the tag was taken above). */
        if (!(t.def && (t.def->props & T_FLAT)) &&
            !(t.self_closing && self_closes(sc, &t)) &&
            ++depth > max_depth) {
            out->end = lt;
            break;
        }
        p = next;
        if (!start_is_html(sc, &t) && !foreign_start(sc, &t))
            continue;
        {
            unsigned kind = html_start(sc, &t);
            if (kind != 0) {
                p = skip_content(sc, p, kind, &t);
                if (kind == T_PLAINTEXT)
                    break;
            }
        }
    }
    gumbo_abort_risk(sc);
    free(sc);
}

void htmlscan_cleanup(struct htmlscan *s)
{
    if (s == NULL)
        return;
    free(s->strs);
    free(s->els);
    memset(s, 0, sizeof(*s));
}
