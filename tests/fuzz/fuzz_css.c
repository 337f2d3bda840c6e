/* fuzz_css.c - libFuzzer target for the CSS-to-XPath translator and the
 * --extract rule check: any input is refused with a position inside it
 * or translated to an XPath that libxml2 compiles (a translation that
 * does not compile is a bug in css.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "alloc.h"
#include "css.h"
#include "err.h"
#include "selector.h"

static void quiet(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *css, *x = NULL, *rule, err[CF_ERRSTR_LEN];
    size_t pos;
    const char *why;
    struct cf_selector sel;

    if (size > CF_CSS_MAX + 16)
        return 0;
    css = cf_strndup((const char *)data, size); /* stops at a NUL */
    if (cf_css_to_xpath(css, &x, &pos, &why) == CF_OK) {
        xmlXPathContextPtr ctx = xmlXPathNewContext(NULL);
        xmlXPathCompExprPtr comp;

        ctx->error = quiet;
        comp = xmlXPathCtxtCompile(ctx, BAD_CAST x);
        if (comp == NULL)
            __builtin_trap();
        xmlXPathFreeCompExpr(comp);
        xmlXPathFreeContext(ctx);
        free(x);
    } else if (x != NULL || why == NULL || pos > strlen(css)) {
        __builtin_trap();
    }
    rule = cf_asprintf("f=%s", css);
    if (cf_selector_parse(rule, &sel, err) == CF_OK)
        cf_selector_cleanup(&sel);
    free(rule);
    free(css);
    return 0;
}
