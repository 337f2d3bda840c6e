/* treedump.h - a gumbo tree as text, node for node, for tests that
 * compare two trees whole (test_squeeze, test_parse_corpus): every node,
 * element names with their namespace, attributes and every text node's
 * text. Pass treedump_cb as parse.h's tree_cb with a zeroed struct
 * treedump as its argument; free .s after. */
#ifndef CF_TEST_TREEDUMP_H
#define CF_TEST_TREEDUMP_H

#include <stdio.h>
#include <string.h>

#include <gumbo.h>

#include "alloc.h"

static const GumboVector *treedump_kids(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return NULL;
}

struct treedump {
    char *s;          /* the text, '\0'-terminated */
    size_t n, alloc;  /* used, allocated */
};

static void treedump_put(struct treedump *d, const char *s, size_t n)
{
    if (d->n + n + 1 > d->alloc) {
        d->alloc = (d->n + n + 1) * 2;
        d->s = cf_realloc(d->s, d->alloc);
    }
    memcpy(d->s + d->n, s, n);
    d->n += n;
    d->s[d->n] = '\0';
}

static void treedump_str(struct treedump *d, const char *s)
{
    treedump_put(d, s, strlen(s));
}

static void treedump_node(struct treedump *d, const GumboNode *n)
{
    static const char *const types[] = {"D", "E", "T", "C", "M", "W", "P"};
    const GumboVector *k = treedump_kids(n);
    char num[32];

    treedump_str(d, types[n->type]);
    if (n->type == GUMBO_NODE_DOCUMENT) {
        snprintf(num, sizeof(num), "%d%d", n->v.document.has_doctype,
                 (int)n->v.document.doc_type_quirks_mode);
        treedump_str(d, num);
    } else if (n->type == GUMBO_NODE_ELEMENT ||
               n->type == GUMBO_NODE_TEMPLATE) {
        const GumboElement *e = &n->v.element;

        snprintf(num, sizeof(num), "%d:", (int)e->tag_namespace);
        treedump_str(d, num);
        if (e->tag == GUMBO_TAG_UNKNOWN)
            treedump_put(d, e->original_tag.data, e->original_tag.length);
        else
            treedump_str(d, gumbo_normalized_tagname(e->tag));
        for (unsigned i = 0; i < e->attributes.length; i++) {
            const GumboAttribute *a = e->attributes.data[i];
            treedump_str(d, " ");
            treedump_str(d, a->name);
            treedump_str(d, "=");
            treedump_str(d, a->value);
        }
    } else {
        treedump_str(d, "[");
        treedump_str(d, n->v.text.text);
        treedump_str(d, "]");
    }
    if (k != NULL) {
        treedump_str(d, "{");
        for (unsigned i = 0; i < k->length; i++)
            treedump_node(d, k->data[i]);
        treedump_str(d, "}");
    }
}

static inline void treedump_cb(const void *doc, const char *base,
                               void *arg)
{
    (void)base;
    treedump_node(arg, doc);
}

#endif
