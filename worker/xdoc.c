/* xdoc.c - copy gumbo's tree into a libxml2 document, without recursion. */
#include "xdoc.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

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

static const GumboVector *kids_of(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return NULL;
}

xmlDocPtr xdoc_from_gumbo(const GumboNode *root)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr parent = (xmlNodePtr)doc, made;
    const GumboNode *n = root;
    char name[NAME_MAX_LEN];

    doc->type = XML_HTML_DOCUMENT_NODE; /* as htmlReadMemory gives */
    while (n != NULL) {
        const GumboVector *kids = kids_of(n);

        made = NULL;
        switch (n->type) {
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
            element_name(&n->v.element, name, sizeof(name));
            made = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
            add_attrs(made, &n->v.element);
            break;
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA:
            made = xmlNewDocText(doc, BAD_CAST n->v.text.text);
            break;
        case GUMBO_NODE_COMMENT:
            made = xmlNewDocComment(doc, BAD_CAST n->v.text.text);
            break;
        default:
            break;
        }
        /* a text node may be merged into the one before it (and freed) */
        if (made != NULL && made->type != XML_ELEMENT_NODE) {
            xmlAddChild(parent, made);
            made = NULL;
        } else if (made != NULL) {
            xmlAddChild(parent, made);
        }
        if (n != root && made == NULL)
            kids = NULL;
        if (kids != NULL && kids->length > 0) {
            if (n != root)
                parent = made;
            n = kids->data[0];
            continue;
        }
        /* next sibling, else climb */
        for (;;) {
            const GumboVector *sib;
            size_t i;

            if (n == root) {
                n = NULL;
                break;
            }
            sib = kids_of(n->parent);
            i = n->index_within_parent + 1;
            if (i < sib->length) {
                n = sib->data[i];
                break;
            }
            n = n->parent;
            if (n != root)
                parent = parent->parent;
        }
    }
    return doc;
}
