/* xdoc.h - gumbo's tree as a libxml2 document, for XPath.
 *
 * The page is parsed once, by gumbo (HTML5 rules); this copies the tree
 * into the shape libxml2's own HTML parser gives (what parsel and xmllint
 * --html query): elements without a namespace and with lower-case names
 * (svg and math elements too), attributes as written (names lower case;
 * xlink:, xml: and xmlns: prefixes kept in the name), text (CDATA as
 * text), comments; no doctype node. <template> contents are the
 * template's children. The copy is iterative (any depth) and costs one
 * allocation per node and string, bounded by the page. */
#ifndef WORKER_XDOC_H
#define WORKER_XDOC_H

#include <gumbo.h>
#include <libxml/tree.h>

/* A new document holding root's tree (root a document node). The caller
 * frees it with xmlFreeDoc(). */
xmlDocPtr xdoc_from_gumbo(const GumboNode *root);

#endif
