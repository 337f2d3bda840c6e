/* css.c - a recursive-descent reader of the CSS subset in css.h that
 * writes XPath as it goes. Recursion is only through :not(), capped at
 * NOT_DEPTH_MAX. */
#include "css.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ascii.h"
#include "buf.h"
#include "err.h"

#define NAME_MAX_LEN 256 /* longest type or attribute name, bytes */
#define NOT_DEPTH_MAX 8  /* :not(:not(...)) nesting */
#define NTH_MAX 1000000  /* |a| and |b| of an+b */
/* Working buffers: far above what CF_CSS_MAX bytes can expand to (about
 * 100 bytes of XPath per input byte at worst), so they never cut; the
 * result is checked against CF_CSS_XPATH_MAX at the end. */
#define WORK_MAX (8 * 1024 * 1024)

struct css {
    const char *s;      /* the selector */
    size_t i;           /* read position */
    size_t errpos;      /* where the first error is */
    const char *reason; /* the first error, or NULL */
    int depth;          /* :not() nesting */
};

static int fail(struct css *c, size_t at, const char *why)
{
    if (c->reason == NULL) {
        c->reason = why;
        c->errpos = at;
    }
    return -1;
}

static int is_name_start(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '_' || ch >= 0x80 || ch == '\\';
}

static int is_name_char(int ch)
{
    return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-';
}

static void skip_ws(struct css *c)
{
    while (cf_is_space((unsigned char)c->s[c->i]))
        c->i++;
}

/* Append code point cp as UTF-8 (U+FFFD for what is not a scalar). */
static void put_utf8(struct cf_buf *b, uint32_t cp)
{
    char u[4];

    /* what XML (and so an XPath literal) may not hold becomes U+FFFD */
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        cf_buf_add(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        cf_buf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        cf_buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        cf_buf_add(b, u, 4);
    }
}

/* A backslash escape at c->i (the backslash): hex digits and one
 * optional space, or any other character as itself. */
static int escape(struct css *c, struct cf_buf *b)
{
    size_t at = c->i++;
    uint32_t cp = 0;
    int n = 0;

    if (c->s[c->i] == '\0' || c->s[c->i] == '\n')
        return fail(c, at, "backslash at the end");
    while (n < 6 && (cf_hexval((unsigned char)c->s[c->i]) >= 0)) {
        int ch = (unsigned char)c->s[c->i++];
        cp = cp * 16 + (uint32_t)(ch <= '9'   ? ch - '0'
                                  : ch <= 'F' ? ch - 'A' + 10
                                              : ch - 'a' + 10);
        n++;
    }
    if (n > 0) {
        if (cf_is_space((unsigned char)c->s[c->i]))
            c->i++;
        put_utf8(b, cp);
        return 0;
    }
    cf_buf_add(b, c->s + c->i, 1);
    c->i++;
    return 0;
}

/* An identifier into b (lower-cased if lower). */
static int ident(struct css *c, struct cf_buf *b, int lower, const char *what)
{
    size_t start = c->i;

    if (c->s[c->i] == '-')
        cf_buf_add(b, c->s + c->i++, 1);
    if (!is_name_start((unsigned char)c->s[c->i]))
        return fail(c, start, what);
    while (is_name_char((unsigned char)c->s[c->i])) {
        char ch = c->s[c->i];
        if (ch == '\\') {
            if (escape(c, b) != 0)
                return -1;
            continue;
        }
        if (lower && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch | 0x20);
        cf_buf_add(b, &ch, 1);
        c->i++;
    }
    if (b->len > NAME_MAX_LEN)
        return fail(c, start, "name too long");
    /* element and attribute names become XPath names: ASCII only, and
     * not starting with '-' or a digit */
    if (lower && b->len > 0 && !(b->data[0] == '_' || (b->data[0] >= 'a' &&
                                                      b->data[0] <= 'z')))
        return fail(c, start, "names must start with a letter or '_'");
    for (size_t k = 0; lower && k < b->len; k++)
        if ((unsigned char)b->data[k] >= 0x80 ||
            !is_name_char((unsigned char)b->data[k]) || b->data[k] == '\\')
            return fail(c, start, "names must be ASCII letters, digits, "
                                  "'-' or '_'");
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF && (s[1] & 0xC0) == 0x80)
        return 2;
    if (s[0] >= 0xE0 && s[0] <= 0xEF && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80) {
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
            return 0; /* overlong, surrogate */
        if (s[0] == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF */
        return 3;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4 && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* The selector holds only valid UTF-8 and no control characters but
 * white space. 0, or -1 with the position. */
static int check_text(struct css *c)
{
    const unsigned char *p = (const unsigned char *)c->s;
    size_t i = 0;

    while (p[i]) {
        size_t n = utf8_len(p + i);
        if (n == 0)
            return fail(c, i, "invalid UTF-8");
        if (p[i] < 0x20 && !cf_is_space(p[i]))
            return fail(c, i, "control character");
        i += n;
    }
    return 0;
}

/* A quoted string (the quote at c->i) into b. */
static int string(struct css *c, struct cf_buf *b)
{
    size_t start = c->i;
    char q = c->s[c->i++];

    for (;;) {
        char ch = c->s[c->i];
        if (ch == '\0' || ch == '\n')
            return fail(c, start, "unterminated string");
        if (ch == q) {
            c->i++;
            return 0;
        }
        if (ch == '\\') {
            if (c->s[c->i + 1] == '\n') {
                c->i += 2;
                continue;
            }
            if (escape(c, b) != 0)
                return -1;
            continue;
        }
        cf_buf_add(b, &ch, 1);
        c->i++;
    }
}

/* Write s as an XPath literal: 'x', "x", or concat() of both kinds. */
static void literal(struct cf_buf *o, const char *s)
{
    if (strchr(s, '\'') == NULL) {
        cf_buf_addf(o, "'%s'", s);
    } else if (strchr(s, '"') == NULL) {
        cf_buf_addf(o, "\"%s\"", s);
    } else {
        cf_buf_addstr(o, "concat(");
        for (const char *p = s; *p;) {
            size_t n = strcspn(p, "'");
            if (p != s)
                cf_buf_addstr(o, ", ");
            if (n > 0) {
                cf_buf_addstr(o, "'");
                cf_buf_add(o, p, n);
                cf_buf_addstr(o, "'");
                p += n;
            } else {
                size_t k = strspn(p, "'");
                cf_buf_addstr(o, "\"");
                cf_buf_add(o, p, k);
                cf_buf_addstr(o, "\"");
                p += k;
            }
        }
        cf_buf_addstr(o, ")");
    }
}

/* Conditions of one compound are joined by " and ". */
static void and(struct cf_buf *cond)
{
    if (cond->len > 0)
        cf_buf_addstr(cond, " and ");
}

/* [attr op value] with c->i after '['. */
static int attrib(struct css *c, struct cf_buf *cond)
{
    struct cf_buf name, val;
    size_t at = c->i - 1;
    char op[3] = "";
    char *word;
    int rc = -1;

    cf_buf_init(&name, NAME_MAX_LEN * 4);
    cf_buf_init(&val, CF_CSS_MAX * 4);
    skip_ws(c);
    if (c->s[c->i] == '|' || c->s[c->i] == '*')
        goto ns;
    if (ident(c, &name, 1, "attribute name expected") != 0)
        goto out;
    if (c->s[c->i] == '|' && c->s[c->i + 1] != '=')
        goto ns;
    skip_ws(c);
    if (c->s[c->i] == ']') {
        c->i++;
        and(cond);
        cf_buf_addf(cond, "@%s", name.data);
        rc = 0;
        goto out;
    }
    if (c->s[c->i] == '=') {
        op[0] = '=';
        c->i++;
    } else if (strchr("~|^$*", c->s[c->i]) != NULL && c->s[c->i] != '\0' &&
               c->s[c->i + 1] == '=') {
        op[0] = c->s[c->i];
        op[1] = '=';
        c->i += 2;
    } else {
        fail(c, c->i, "attribute operator expected (=, ~=, |=, ^=, $=, *=)");
        goto out;
    }
    skip_ws(c);
    if (c->s[c->i] == '"' || c->s[c->i] == '\'') {
        if (string(c, &val) != 0)
            goto out;
    } else if (ident(c, &val, 0, "attribute value expected") != 0) {
        goto out;
    }
    cf_buf_addstr(&val, ""); /* data non-NULL even when empty */
    skip_ws(c);
    if (c->s[c->i] == 'i' || c->s[c->i] == 'I' || c->s[c->i] == 's' ||
        c->s[c->i] == 'S') {
        fail(c, c->i, "attribute flags (i, s) are not supported");
        goto out;
    }
    if (c->s[c->i] != ']') {
        fail(c, c->i, "']' expected");
        goto out;
    }
    c->i++;
    and(cond);
    switch (op[0]) {
    case '=':
        cf_buf_addf(cond, "@%s = ", name.data);
        literal(cond, val.data);
        break;
    case '~':
        if (val.len == 0 || strpbrk(val.data, " \t\n\r\f") != NULL) {
            cf_buf_addstr(cond, "false()"); /* never a whole word */
            break;
        }
        word = cf_asprintf(" %s ", val.data);
        cf_buf_addf(cond,
                    "@%s and contains(concat(' ', normalize-space(@%s), "
                    "' '), ",
                    name.data, name.data);
        literal(cond, word);
        cf_buf_addstr(cond, ")");
        free(word);
        break;
    case '|':
        cf_buf_addf(cond, "(@%s = ", name.data);
        literal(cond, val.data);
        cf_buf_addf(cond, " or starts-with(@%s, concat(", name.data);
        literal(cond, val.data);
        cf_buf_addstr(cond, ", '-')))");
        break;
    case '^':
        if (val.len == 0) {
            cf_buf_addstr(cond, "false()");
            break;
        }
        cf_buf_addf(cond, "@%s and starts-with(@%s, ", name.data, name.data);
        literal(cond, val.data);
        cf_buf_addstr(cond, ")");
        break;
    case '$':
        if (val.len == 0) {
            cf_buf_addstr(cond, "false()");
            break;
        }
        cf_buf_addf(cond, "@%s and substring(@%s, string-length(@%s) - "
                          "string-length(",
                    name.data, name.data, name.data);
        literal(cond, val.data);
        cf_buf_addstr(cond, ") + 1) = ");
        literal(cond, val.data);
        break;
    case '*':
        if (val.len == 0) {
            cf_buf_addstr(cond, "false()");
            break;
        }
        cf_buf_addf(cond, "@%s and contains(@%s, ", name.data, name.data);
        literal(cond, val.data);
        cf_buf_addstr(cond, ")");
        break;
    }
    rc = 0;
    goto out;
ns:
    fail(c, at, "namespaces are not supported");
out:
    cf_buf_cleanup(&name);
    cf_buf_cleanup(&val);
    return rc;
}

/* A whole number of at most NTH_MAX at c->i; -1 if none. */
static long number(struct css *c)
{
    long v = 0;

    if (!(c->s[c->i] >= '0' && c->s[c->i] <= '9'))
        return -1;
    while (c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        v = v * 10 + (c->s[c->i++] - '0');
        if (v > NTH_MAX)
            return -2;
    }
    return v;
}

/* an+b inside :nth-child( ... ), c->i after '('. */
static int nth(struct css *c, long *a, long *b)
{
    size_t at = c->i;
    long sign = 1, n;

    skip_ws(c);
    if (strncasecmp(c->s + c->i, "odd", 3) == 0) {
        *a = 2;
        *b = 1;
        c->i += 3;
        goto close;
    }
    if (strncasecmp(c->s + c->i, "even", 4) == 0) {
        *a = 2;
        *b = 0;
        c->i += 4;
        goto close;
    }
    if (c->s[c->i] == '+' || c->s[c->i] == '-')
        sign = c->s[c->i++] == '-' ? -1 : 1;
    n = number(c);
    if (n == -2)
        return fail(c, at, "number too large in an+b");
    if (c->s[c->i] == 'n' || c->s[c->i] == 'N') {
        c->i++;
        *a = sign * (n < 0 ? 1 : n);
        *b = 0;
        skip_ws(c);
        if (c->s[c->i] == '+' || c->s[c->i] == '-') {
            sign = c->s[c->i++] == '-' ? -1 : 1;
            skip_ws(c);
            n = number(c);
            if (n < 0)
                return fail(c, c->i, n == -2 ? "number too large in an+b"
                                             : "number expected in an+b");
            *b = sign * n;
        }
    } else {
        if (n < 0)
            return fail(c, at, "an+b, odd or even expected");
        *a = 0;
        *b = sign * n;
    }
close:
    skip_ws(c);
    if (c->s[c->i] != ')')
        return fail(c, c->i, "')' expected after an+b");
    c->i++;
    return 0;
}

/* The position test of :nth-child (axis preceding) or :nth-last-child
 * (following): the element is the (a*n + b)-th for some n >= 0. */
static void nth_cond(struct cf_buf *cond, const char *axis, long a, long b)
{
    long b1 = b - 1; /* siblings before it */

    and(cond);
    if (a == 0) {
        if (b1 < 0)
            cf_buf_addstr(cond, "false()");
        else
            cf_buf_addf(cond, "count(%s-sibling::*) = %ld", axis, b1);
    } else if (a > 0) {
        if (b1 > 0)
            cf_buf_addf(cond,
                        "count(%s-sibling::*) >= %ld and "
                        "(count(%s-sibling::*) - %ld) mod %ld = 0",
                        axis, b1, axis, b1, a);
        else
            cf_buf_addf(cond, "(count(%s-sibling::*) + %ld) mod %ld = 0",
                        axis, -b1, a);
    } else {
        if (b1 < 0)
            cf_buf_addstr(cond, "false()");
        else
            cf_buf_addf(cond,
                        "count(%s-sibling::*) <= %ld and "
                        "(%ld - count(%s-sibling::*)) mod %ld = 0",
                        axis, b1, b1, axis, -a);
    }
}

static int compound(struct css *c, struct cf_buf *name, struct cf_buf *cond);

/* A pseudo-class, c->i after ':'. */
static int pseudo(struct css *c, struct cf_buf *cond)
{
    struct cf_buf id;
    size_t at = c->i - 1;
    long a, b;
    int rc = -1;

    cf_buf_init(&id, NAME_MAX_LEN * 4);
    if (ident(c, &id, 1, "pseudo-class name expected") != 0)
        goto out;
    if (strcmp(id.data, "first-child") == 0) {
        and(cond);
        cf_buf_addstr(cond, "count(preceding-sibling::*) = 0");
    } else if (strcmp(id.data, "last-child") == 0) {
        and(cond);
        cf_buf_addstr(cond, "count(following-sibling::*) = 0");
    } else if (strcmp(id.data, "only-child") == 0) {
        and(cond);
        cf_buf_addstr(cond, "count(preceding-sibling::*) = 0 and "
                            "count(following-sibling::*) = 0");
    } else if (strcmp(id.data, "empty") == 0) {
        and(cond);
        cf_buf_addstr(cond, "not(*) and not(string-length())");
    } else if ((strcmp(id.data, "nth-child") == 0 ||
                strcmp(id.data, "nth-last-child") == 0) &&
               c->s[c->i] == '(') {
        c->i++;
        if (nth(c, &a, &b) != 0)
            goto out;
        nth_cond(cond, id.data[4] == 'l' ? "following" : "preceding", a, b);
    } else if (strcmp(id.data, "not") == 0 && c->s[c->i] == '(') {
        struct cf_buf n2, c2;
        size_t in = ++c->i;

        if (++c->depth > NOT_DEPTH_MAX) {
            fail(c, at, ":not() nested too deep");
            goto out;
        }
        cf_buf_init(&n2, NAME_MAX_LEN * 4);
        cf_buf_init(&c2, WORK_MAX);
        skip_ws(c);
        rc = compound(c, &n2, &c2);
        skip_ws(c);
        if (rc == 0 && c->s[c->i] != ')')
            rc = fail(c, c->i, "')' expected: :not() takes one compound "
                               "selector");
        if (rc == 0 && n2.len == 0 && c2.len == 0)
            rc = fail(c, in, "selector expected in :not()");
        if (rc == 0) {
            c->i++;
            and(cond);
            cf_buf_addstr(cond, "not(");
            if (n2.len > 0 && strcmp(n2.data, "*") != 0)
                cf_buf_addf(cond, "self::%s%s", n2.data,
                            c2.len ? " and " : "");
            else if (c2.len == 0)
                cf_buf_addstr(cond, "self::*");
            if (c2.len)
                cf_buf_addf(cond, "(%s)", c2.data);
            cf_buf_addstr(cond, ")");
        }
        c->depth--;
        cf_buf_cleanup(&n2);
        cf_buf_cleanup(&c2);
        goto out;
    } else {
        fail(c, at, "unsupported pseudo-class");
        goto out;
    }
    rc = 0;
out:
    cf_buf_cleanup(&id);
    return rc;
}

/* A compound selector: an optional type (into name, lower case, "*" for
 * the universal one, empty when not given) and its tests (into cond,
 * joined by " and "). Stops at a combinator, ',', ')', '::' or the end. */
static int compound(struct css *c, struct cf_buf *name, struct cf_buf *cond)
{
    struct cf_buf v;
    int rc = 0;

    if (c->s[c->i] == '*') {
        c->i++;
        cf_buf_addstr(name, "*");
        if (c->s[c->i] == '|')
            return fail(c, c->i, "namespaces are not supported");
    } else if (is_name_start((unsigned char)c->s[c->i]) ||
               (c->s[c->i] == '-' &&
                is_name_start((unsigned char)c->s[c->i + 1]))) {
        if (ident(c, name, 1, "element name expected") != 0)
            return -1;
        if (c->s[c->i] == '|')
            return fail(c, c->i, "namespaces are not supported");
    }
    cf_buf_init(&v, CF_CSS_MAX * 4);
    for (; rc == 0;) {
        char ch = c->s[c->i];

        cf_buf_reset(&v);
        if (ch == '#') {
            c->i++;
            rc = ident(c, &v, 0, "id expected after '#'");
            if (rc == 0) {
                and(cond);
                cf_buf_addstr(cond, "@id = ");
                literal(cond, v.data);
            }
        } else if (ch == '.') {
            c->i++;
            rc = ident(c, &v, 0, "class name expected after '.'");
            if (rc == 0) {
                char *word = cf_asprintf(" %s ", v.data);

                and(cond);
                cf_buf_addstr(cond, "@class and contains(concat(' ', "
                                    "normalize-space(@class), ' '), ");
                literal(cond, word);
                cf_buf_addstr(cond, ")");
                free(word);
            }
        } else if (ch == '[') {
            c->i++;
            rc = attrib(c, cond);
        } else if (ch == ':' && c->s[c->i + 1] != ':') {
            c->i++;
            rc = pseudo(c, cond);
        } else {
            break;
        }
    }
    cf_buf_cleanup(&v);
    return rc;
}

/* One complex selector into o (c->i at its first compound); stops at ','
 * or the end. */
static int selector(struct css *c, struct cf_buf *o)
{
    struct cf_buf name, cond;
    int first = 1, rc = 0, bare = 0;
    char comb = ' ';

    cf_buf_init(&name, NAME_MAX_LEN * 4);
    cf_buf_init(&cond, WORK_MAX);
    for (;;) {
        size_t at = c->i;

        cf_buf_reset(&name);
        cf_buf_reset(&cond);
        if (c->s[c->i] == ':' && c->s[c->i + 1] == ':') {
            /* a pseudo-element with no compound before it: any node */
            if (comb != ' ') {
                rc = fail(c, at, "selector expected after combinator");
                break;
            }
            cf_buf_addstr(o, first ? "descendant-or-self::"
                                   : "/descendant-or-self::");
            bare = 1;
            first = 0;
        } else {
            rc = compound(c, &name, &cond);
            if (rc != 0)
                break;
            if (name.len == 0 && cond.len == 0) {
                rc = fail(c, at, c->s[at] == '\0' || c->s[at] == ','
                                     ? "selector expected"
                                     : "unexpected character");
                break;
            }
            if (name.len == 0)
                cf_buf_addstr(&name, "*");
            if (first)
                cf_buf_addstr(o, "descendant-or-self::");
            else if (comb == ' ')
                cf_buf_addstr(o, "/descendant::");
            else if (comb == '>')
                cf_buf_addstr(o, "/");
            else if (comb == '~')
                cf_buf_addstr(o, "/following-sibling::");
            if (comb == '+' && !first) {
                cf_buf_addstr(o, "/following-sibling::*[1]");
                if (strcmp(name.data, "*") != 0)
                    cf_buf_addf(o, "[self::%s]", name.data);
            } else {
                cf_buf_addstr(o, name.data);
            }
            if (cond.len > 0)
                cf_buf_addf(o, "[%s]", cond.data);
            first = 0;
        }
        /* what follows: a pseudo-element, a combinator, ',' or the end */
        if (c->s[c->i] == ':' && c->s[c->i + 1] == ':') {
            size_t pat = c->i;

            c->i += 2;
            cf_buf_reset(&name);
            if (ident(c, &name, 1, "pseudo-element name expected") != 0) {
                rc = -1;
                break;
            }
            if (strcmp(name.data, "text") == 0) {
                /* a bare "::text" is any text node, not text under any
                 * element */
                cf_buf_addstr(o, bare ? "text()" : "/text()");
            } else if (strcmp(name.data, "attr") == 0 && c->s[c->i] == '(') {
                c->i++;
                skip_ws(c);
                cf_buf_reset(&name);
                if (ident(c, &name, 1, "attribute name expected") != 0) {
                    rc = -1;
                    break;
                }
                skip_ws(c);
                if (c->s[c->i] != ')') {
                    rc = fail(c, c->i, "')' expected");
                    break;
                }
                c->i++;
                cf_buf_addf(o, bare ? "*/@%s" : "/@%s", name.data);
            } else {
                rc = fail(c, pat, "unsupported pseudo-element (::text and "
                                  "::attr(name) are)");
                break;
            }
            skip_ws(c);
            if (c->s[c->i] != ',' && c->s[c->i] != '\0')
                rc = fail(c, c->i, "a pseudo-element must end the selector");
            break;
        }
        comb = ' ';
        if (cf_is_space((unsigned char)c->s[c->i])) {
            skip_ws(c);
        } else if (c->s[c->i] != '>' && c->s[c->i] != '+' &&
                   c->s[c->i] != '~' && c->s[c->i] != ',' &&
                   c->s[c->i] != '\0') {
            rc = fail(c, c->i, "unexpected character");
            break;
        }
        if (c->s[c->i] == ',' || c->s[c->i] == '\0')
            break;
        if (c->s[c->i] == '>' || c->s[c->i] == '+' || c->s[c->i] == '~') {
            comb = c->s[c->i++];
            skip_ws(c);
            if (c->s[c->i] == ',' || c->s[c->i] == '\0') {
                rc = fail(c, c->i, "selector expected after combinator");
                break;
            }
        }
    }
    cf_buf_cleanup(&name);
    cf_buf_cleanup(&cond);
    return rc;
}

int cf_css_to_xpath(const char *css, char **xpath, size_t *pos,
                    const char **reason)
{
    struct css c = {css, 0, 0, NULL, 0};
    struct cf_buf o;
    int rc = 0;

    *xpath = NULL;
    *pos = 0;
    *reason = NULL;
    if (strlen(css) > CF_CSS_MAX) {
        *pos = CF_CSS_MAX;
        *reason = "selector too long";
        return CF_EINVAL;
    }
    cf_buf_init(&o, WORK_MAX);
    if (check_text(&c) != 0)
        rc = -1;
    skip_ws(&c);
    for (; rc == 0;) {
        if (selector(&c, &o) != 0) {
            rc = -1;
            break;
        }
        if (c.s[c.i] != ',')
            break;
        c.i++;
        skip_ws(&c);
        cf_buf_addstr(&o, " | ");
    }
    if (rc == 0 && o.len > CF_CSS_XPATH_MAX)
        fail(&c, 0, "translation too long");
    if (c.reason != NULL) {
        *pos = c.errpos;
        *reason = c.reason;
        cf_buf_cleanup(&o);
        return CF_EINVAL;
    }
    *xpath = cf_buf_take(&o, NULL);
    return CF_OK;
}
