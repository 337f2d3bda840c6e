/* selector.c - --extract rules: name, syntax, translation, libxml2 check. */
#include "selector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "alloc.h"
#include "css.h"
#include "err.h"

#define SHOW_MAX 80          /* bytes of a rule quoted in an error */
#define CHECK_OP_LIMIT 100000 /* XPath steps allowed on the check document */

static void quiet(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n > CF_SEL_NAME_MAX)
        return 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
          s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

/* The functions an expression may call: XPath 1.0's core library and
 * what libxml2 adds to every context (escape-uri). */
static const char *const functions[] = {
    "last", "position", "count", "id", "local-name", "namespace-uri",
    "name", "string", "concat", "starts-with", "contains",
    "substring-before", "substring-after", "substring", "string-length",
    "normalize-space", "translate", "boolean", "not", "true", "false",
    "lang", "number", "sum", "floor", "ceiling", "round", "escape-uri",
    NULL};

/* Names followed by '(' that are not calls: node tests and operators. */
static const char *const not_calls[] = {
    "node", "text", "comment", "processing-instruction", "and", "or",
    "div", "mod", NULL};

static int in_words(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return 1;
    return 0;
}

static int xname_start(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '_' || ch >= 0x80;
}

/* libxml2 finds an unknown function, a variable or a namespace prefix
 * only when it evaluates the step that holds it, which a small document
 * may never reach: look for them in the text (outside literals). 0, or
 * -1 with *pos and msg. */
static int xpath_names(const char *x, size_t *pos, char *msg, size_t n)
{
    size_t i = 0;

    while (x[i]) {
        char ch = x[i];
        size_t start = i, len;

        if (ch == '\'' || ch == '"') {
            const char *end = strchr(x + i + 1, ch);
            i = end ? (size_t)(end - x) + 1 : strlen(x);
            continue;
        }
        if (ch == '$') {
            *pos = i;
            snprintf(msg, n, "variables are not supported");
            return -1;
        }
        if (!xname_start((unsigned char)ch)) {
            i++;
            continue;
        }
        while (xname_start((unsigned char)x[i]) ||
               (x[i] >= '0' && x[i] <= '9') || x[i] == '-' || x[i] == '.')
            i++;
        len = i - start;
        if (x[i] == ':' && x[i + 1] != ':') {
            *pos = start;
            snprintf(msg, n, "namespace prefixes are not supported");
            return -1;
        }
        while (x[i] == ' ' || x[i] == '\t' || x[i] == '\n' || x[i] == '\r')
            i++;
        if (x[i] == '(' && !in_words(not_calls, x + start, len) &&
            !in_words(functions, x + start, len)) {
            *pos = start;
            snprintf(msg, n, "unknown function %.*s()", (int)len, x + start);
            return -1;
        }
    }
    return 0;
}

/* libxml2's XPath error codes (XML_XPATH_EXPRESSION_OK + i) in words;
 * its own messages are not kept in lastError. */
static const char *const xpath_errors[] = {
    "ok", "number error", "unfinished literal", "start of literal",
    "expected variable reference", "undefined variable",
    "invalid predicate", "invalid expression", "missing closing bracket",
    "unregistered function", "invalid operand", "invalid type",
    "invalid number of arguments", "invalid context size",
    "invalid context position", "memory allocation error", "syntax error",
    "resource error", "sub resource error", "undefined namespace prefix",
    "encoding error", "character out of range", "invalid context",
    "stack usage error", "forbidden variable", "operation limit exceeded",
    "recursion limit exceeded"};

const char *cf_selector_xpath_error(int code)
{
    int i = code - XML_XPATH_EXPRESSION_OK;

    if (i > 0 && i < (int)(sizeof(xpath_errors) / sizeof(xpath_errors[0])))
        return xpath_errors[i];
    return "invalid XPath expression";
}

/* Compile xpath and run it on a one-element document. 0, or -1 with
 * *pos (0-based, in xpath) and msg. */
static int xpath_check(const char *xpath, size_t *pos, char *msg, size_t n)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathCompExprPtr comp;
    xmlXPathObjectPtr res = NULL;
    int rc = 0;

    xmlDocSetRootElement(doc, root);
    ctx->error = quiet;
    ctx->opLimit = CHECK_OP_LIMIT;
    ctx->node = (xmlNodePtr)doc;
    comp = xmlXPathCtxtCompile(ctx, BAD_CAST xpath);
    if (comp != NULL)
        res = xmlXPathCompiledEval(comp, ctx);
    if (comp != NULL && res != NULL && xpath_names(xpath, pos, msg, n) != 0) {
        rc = -1;
    } else if (comp == NULL || res == NULL) {
        snprintf(msg, n, "%s",
                 cf_selector_xpath_error(ctx->lastError.code));
        *pos = ctx->lastError.int1 > 0 ? (size_t)ctx->lastError.int1 : 0;
        rc = -1;
    }
    xmlXPathFreeObject(res);
    xmlXPathFreeCompExpr(comp);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return rc;
}

int cf_selector_parse(const char *rule, struct cf_selector *out,
                      char *errstr)
{
    const char *eq = strchr(rule, '='), *sel;
    char msg[160];
    size_t pos = 0;
    const char *reason = NULL;
    int shown = (int)(strlen(rule) < SHOW_MAX ? strlen(rule) : SHOW_MAX);

    memset(out, 0, sizeof(*out));
    xmlInitParser();
    if (eq == NULL || !name_ok(rule, (size_t)(eq - rule))) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "'%.*s': expected NAME=SELECTOR, NAME a letter or '_' "
                 "then letters, digits, '_' or '-' (at most %d)",
                 shown, rule, CF_SEL_NAME_MAX);
        return CF_EINVAL;
    }
    sel = eq + 1;
    out->name = cf_strndup(rule, (size_t)(eq - rule));
    if (strncmp(sel, "xpath:", 6) == 0) {
        out->syntax = CF_SEL_XPATH;
        out->source = cf_strdup(sel + 6);
        out->xpath = cf_strdup(sel + 6);
    } else {
        out->syntax = CF_SEL_CSS;
        out->source = cf_strdup(strncmp(sel, "css:", 4) == 0 ? sel + 4 : sel);
        if (cf_css_to_xpath(out->source, &out->xpath, &pos, &reason) != 0) {
            /* unprefixed and looks like XPath: say how to write one */
            int hint = strncmp(sel, "css:", 4) != 0 &&
                       (sel[0] == '/' || sel[0] == '(' ||
                        strncmp(sel, "./", 2) == 0);
            snprintf(errstr, CF_ERRSTR_LEN, "'%.*s': column %zu: %s%s",
                     shown, rule, pos + 1, reason,
                     hint ? " (an unprefixed selector is CSS; write "
                            "xpath: before an XPath)"
                          : "");
            cf_selector_cleanup(out);
            return CF_EINVAL;
        }
    }
    if (out->source[0] == '\0') {
        snprintf(errstr, CF_ERRSTR_LEN, "'%.*s': empty selector", shown,
                 rule);
        cf_selector_cleanup(out);
        return CF_EINVAL;
    }
    if (xpath_check(out->xpath, &pos, msg, sizeof(msg)) != 0) {
        if (out->syntax == CF_SEL_XPATH)
            snprintf(errstr, CF_ERRSTR_LEN, "'%.*s': column %zu: %s", shown,
                     rule, pos + 1, msg);
        else /* cannot happen for a translation; say so if it does */
            snprintf(errstr, CF_ERRSTR_LEN,
                     "'%.*s': its XPath translation does not compile: %s",
                     shown, rule, msg);
        cf_selector_cleanup(out);
        return CF_EINVAL;
    }
    return CF_OK;
}

void cf_selector_cleanup(struct cf_selector *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->source);
    free(s->xpath);
    memset(s, 0, sizeof(*s));
}
