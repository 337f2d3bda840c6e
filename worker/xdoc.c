/* xdoc.c - copy gumbo's tree into a libxml2 document, without recursion. */
#include "xdoc.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "gwalk.h"

#define NAME_MAX_LEN 256 /* longer element names are cut */

/* Lower-case element name of e. */
static void element_name(const GumboElement *e, char *out, size_t n)
{
    const char *name = NULL;
    size_t len, i;

    if (e->tag != GUMBO_TAG_UNKNOWN) {
        name = gumbo_normalized_tagname(e->tag);
        len = strlen(name);
    } else {
        GumboStringPiece p = e->original_tag;
        gumbo_tag_from_original_text(&p);
        name = p.data;
        len = p.length;
    }
    if (len >= n)
        len = n - 1;
    for (i = 0; i < len; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20
                                                         : name[i]);
    out[len] = '\0';
    if (len == 0)
        memcpy(out, "unknown", 8);
}

static void add_attrs(xmlNodePtr node, const GumboElement *e)
{
    char name[NAME_MAX_LEN];

    for (unsigned i = 0; i < e->attributes.length; i++) {
        const GumboAttribute *a = e->attributes.data[i];
        const char *prefix = a->attr_namespace == GUMBO_ATTR_NAMESPACE_XLINK
                                 ? "xlink:"
                             : a->attr_namespace == GUMBO_ATTR_NAMESPACE_XML
                                 ? "xml:"
                             : a->attr_namespace == GUMBO_ATTR_NAMESPACE_XMLNS
                                 ? "xmlns:"
                                 : "";

        if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XMLNS &&
            strcmp(a->name, "xmlns") == 0)
            prefix = "";
        snprintf(name, sizeof(name), "%s%s", prefix, a->name);
        if (name[0] == '\0')
            continue;
        xmlNewProp(node, BAD_CAST name, BAD_CAST a->value);
    }
}

/* Where the copy is: the libxml2 node that gets the next children. */
struct xwalk {
    const GumboNode *root; /* the document */
    xmlNodePtr parent;     /* the copy of the node gone into last */
};

/* gwalk_next's up: out of a node whose children were copied, the copy's
 * parent is the parent again. */
static void up_parent(const GumboNode *n, void *arg)
{
    struct xwalk *x = arg;
    const GumboVector *kids = gwalk_kids(n);

    if (n != x->root && kids != NULL && kids->length > 0)
        x->parent = x->parent->parent;
}

xmlDocPtr xdoc_from_gumbo(const GumboNode *root)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    struct xwalk x = {root, (xmlNodePtr)doc};
    const GumboNode *n = root;
    char name[NAME_MAX_LEN];

    doc->type = XML_HTML_DOCUMENT_NODE; /* as htmlReadMemory gives */
    while (n != NULL) {
        const GumboVector *kids;
        xmlNodePtr made;
        int down = n == root;

        switch (n->type) {
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
            element_name(&n->v.element, name, sizeof(name));
            made = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
            add_attrs(made, &n->v.element);
            xmlAddChild(x.parent, made);
            kids = gwalk_kids(n);
            if (kids->length > 0)
                x.parent = made;
            down = 1;
            break;
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA:
            /* may be merged into the text before it (and freed) */
            xmlAddChild(x.parent, xmlNewDocText(doc, BAD_CAST n->v.text.text));
            break;
        case GUMBO_NODE_COMMENT:
            xmlAddChild(x.parent,
                        xmlNewDocComment(doc, BAD_CAST n->v.text.text));
            break;
        default:
            break;
        }
        n = gwalk_next(root, n, down, up_parent, &x);
    }
    return doc;
}
