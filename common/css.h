/* css.h - CSS selectors translated to XPath 1.0, as parsel does it.
 *
 * The subset: type selectors and '*', #id, .class, attribute tests [a],
 * [a=v], [a~=v], [a|=v], [a^=v], [a$=v], [a*=v] (v an identifier or a
 * quoted string), the descendant (space), child (>), next-sibling (+)
 * and subsequent-sibling (~) combinators, groups (a, b), the
 * pseudo-classes :first-child, :last-child, :only-child, :empty,
 * :nth-child(an+b) (odd, even, 3, 2n+1, -n+3, ...), :nth-last-child()
 * and :not(compound), and parsel's pseudo-elements at the end of a
 * selector: ::text (the text nodes that are children of the match) and
 * ::attr(name) (the attribute itself, its value as written). Type and
 * attribute names match case-insensitively, as in HTML (the document's
 * names are lower case); values match case-sensitively. CSS escapes
 * (\\: and \\31 ) are taken in names and strings.
 *
 * The XPath is cssselect's shape: "descendant-or-self::div[@id = 'a']
 * /descendant::p", groups joined by " | ". Anything outside the subset
 * (namespaces, other pseudo-classes, a pseudo-element not at the end) is
 * refused with the byte offset where it starts and a reason. */
#ifndef CF_CSS_H
#define CF_CSS_H

#include <stddef.h>

#define CF_CSS_MAX 4096       /* longest selector, bytes */
#define CF_CSS_XPATH_MAX 65536 /* longest translation, bytes */

/* Translate css (NUL-terminated). Returns 0 with *xpath a heap string
 * (caller frees), or CF_EINVAL with *xpath NULL, *pos the 0-based byte
 * offset of the problem and *reason a static message. */
int cf_css_to_xpath(const char *css, char **xpath, size_t *pos,
                    const char **reason);

#endif
