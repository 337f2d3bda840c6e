/* gwalk.h - the walk of a gumbo tree in document order, without a stack.
 *
 * A page's tree nests as deep as the page says (parse.h cuts it at
 * PARSE_MAX_DEPTH, still too deep for a recursion per level on a
 * worker's stack), so every walk goes through the parent and index
 * links gumbo keeps on each node: first child, else next sibling, else
 * climb. The parse walk, the held text, the readable text, the libxml2
 * copy and the JSON-LD scan all take their steps here.
 *
 * Inline, with the callback known where it is called: the compiler
 * folds it into each walker (callgrind: bench/README.md, s1x). */
#ifndef WORKER_GWALK_H
#define WORKER_GWALK_H

#include <stddef.h>

#include <gumbo.h>

/* The children of n (a document, element or template node), or NULL. */
static inline GumboVector *gwalk_kids(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return (GumboVector *)&n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return (GumboVector *)&n->v.element.children;
    return NULL;
}

/* The node after n in document order in root's tree, or NULL at its end.
 * down: go into n's children (a node without children is simply done).
 * up(node, arg), when not NULL, is called once for every node the walk
 * went down into, when the walk leaves it for good: n itself at once
 * when it has no children, and each node the walk climbs out of,
 * innermost first (root last, before NULL). */
static inline GumboNode *gwalk_next(const GumboNode *root, const GumboNode *n,
                                    int down,
                                    void (*up)(const GumboNode *, void *),
                                    void *arg)
{
    const GumboVector *kids = down ? gwalk_kids(n) : NULL;

    if (kids != NULL && kids->length > 0)
        return kids->data[0];
    if (down && up != NULL)
        up(n, arg);
    for (;;) {
        const GumboVector *sib;
        size_t i;

        if (n == root)
            return NULL;
        sib = gwalk_kids(n->parent);
        i = n->index_within_parent + 1;
        if (i < sib->length)
            return sib->data[i];
        n = n->parent;
        if (up != NULL)
            up(n, arg);
    }
}

#endif
