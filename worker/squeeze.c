/* squeeze.c - drop the text gumbo would only turn into text nodes.
 *
 * The scanner follows the HTML5 tokenizer's data state closely enough to
 * know where each tag, comment and declaration ends (a '>' inside a
 * quoted attribute value does not end a tag). Everything it is not sure
 * about is copied unchanged: squeezing can only ever remove text. */
#define _GNU_SOURCE /* memmem */
#include "squeeze.h"

#include <string.h>
#include <strings.h>

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
} raw_tags[] = {{"script", 0, 1},
                {"style", 0, 0},
                {"textarea", 0, 0},
                {"title", 1, 0},
                {NULL, 0, 0}};

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* The end of the tag whose name starts at p (after "<" or "</"), i.e. the
 * position after its '>', or NULL when the input ends first. *nlen gets
 * the name's length. Attribute values in quotes may hold '>'. */
static const char *tag_end(const char *p, const char *end, size_t *nlen)
{
    const char *name = p;

    while (p < end && !is_space((unsigned char)*p) && *p != '/' && *p != '>')
        p++;
    *nlen = (size_t)(p - name);
    for (;;) {
        while (p < end && (is_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '>')
            return p + 1;
        /* attribute name: its first character is taken whatever it is */
        p++;
        while (p < end && !is_space((unsigned char)*p) && *p != '/' &&
               *p != '>' && *p != '=')
            p++;
        while (p < end && is_space((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p != '=')
            continue;
        p++;
        while (p < end && is_space((unsigned char)*p))
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
        while (p < end && !is_space((unsigned char)*p) && *p != '>')
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
            (is_space((unsigned char)p[2 + nl]) || p[2 + nl] == '/' ||
             p[2 + nl] == '>'))
            return p;
        p++;
    }
    return NULL;
}

/* The end of the construct starting with the '<' at p, or p + 1 when
 * that '<' is text; NULL when the input ends inside it. *tag is set to
 * the name of a start tag (else NULL). */
static const char *construct_end(const char *p, const char *end,
                                 const char **tag, size_t *nlen)
{
    const char *q;

    *tag = NULL;
    *nlen = 0;
    if (end - p < 2)
        return p + 1;
    if (is_alpha((unsigned char)p[1])) {
        *tag = p + 1;
        return tag_end(p + 1, end, nlen);
    }
    if (p[1] == '/') {
        if (end - p < 3)
            return p + 1;
        if (is_alpha((unsigned char)p[2]))
            return tag_end(p + 2, end, nlen);
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

    while (k < n && is_space((unsigned char)t[k]))
        k++;
    if (k < n && (unsigned char)t[k] > 0x20 && (unsigned char)t[k] < 0x7f &&
        t[k] != '&')
        n = k + 1;
    memmove(o, t, n);
    return n;
}

size_t squeeze_html(const char *in, size_t n, char *out)
{
    const char *p = in, *end = in + n, *run = in;
    char *o = out;

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p)), *e, *tag, *re;
        size_t nl, i;

        if (lt == NULL)
            break;
        e = construct_end(lt, end, &tag, &nl);
        if (e == lt + 1) {
            /* a '<' that is text: the run goes on */
            p = lt + 1;
            continue;
        }
        o += put_run(o, run, (size_t)(lt - run));
        if (e == NULL) {
            run = lt;
            goto rest;
        }
        memmove(o, lt, (size_t)(e - lt));
        o += e - lt;
        p = run = e;
        if (tag == NULL)
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
        }
        p = run = re;
    }
    o += put_run(o, run, (size_t)(end - run));
    return (size_t)(o - out);
rest:
    memmove(o, run, (size_t)(end - run));
    o += end - run;
    return (size_t)(o - out);
}
