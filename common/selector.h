/* selector.h - an --extract rule "NAME=SELECTOR", checked and made XPath.
 *
 * NAME is a field name: a letter or '_', then letters, digits, '_' or
 * '-', at most CF_SEL_NAME_MAX bytes. SELECTOR is "xpath:" and an XPath
 * 1.0 expression, or "css:" and a CSS selector (css.h), or, without a
 * prefix, a CSS selector: an unprefixed selector is always CSS, never
 * guessed from its look (one that only parses as XPath is refused, with
 * a hint to write xpath:). A rule is accepted only when its XPath
 * compiles in libxml2 and evaluates on a small document (which catches
 * unknown functions, variables and namespace prefixes), so a rule that
 * passes here never fails to compile in a worker. */
#ifndef CF_SELECTOR_H
#define CF_SELECTOR_H

#define CF_SEL_NAME_MAX 64 /* bytes of a field name */

enum cf_sel_syntax {
    CF_SEL_CSS,   /* css: or no prefix */
    CF_SEL_XPATH, /* xpath: */
};

struct cf_selector {
    char *name;                /* the field's NAME */
    enum cf_sel_syntax syntax; /* what SELECTOR was written in */
    char *source;              /* SELECTOR without its prefix */
    char *xpath;               /* what is evaluated */
};

/* Parse and check rule. Returns 0 (out filled, heap strings), or
 * CF_EINVAL with out zeroed and errstr (CF_ERRSTR_LEN) naming the rule,
 * the position (1-based column in SELECTOR) and the reason:
 *   "price=css:div[: column 5: attribute name expected". */
int cf_selector_parse(const char *rule, struct cf_selector *out,
                      char *errstr);
void cf_selector_cleanup(struct cf_selector *s);

/* libxml2's XPath error code (xmlError.code, XML_XPATH_*) in words. */
const char *cf_selector_xpath_error(int code);

#endif
