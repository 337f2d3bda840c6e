/* extract.c - run a crawl's extraction plan over one page's tree.
 *
 * Fields: the rules' XPath (selector.h) is compiled once per plan and
 * evaluated per page on a libxml2 copy of gumbo's tree (xdoc.h), with
 * libxml2's operation limit so that an expression that explodes on a
 * deep or wide page (three nested descendant steps) stops with an error instead of running
 * for minutes. Values are what parsel gives: an element's outer HTML, a
 * text node's text, an attribute's value as written, a string, number
 * or boolean result as its XPath string. */
#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>
#include <jansson.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "alloc.h"
#include "err.h"
#include "gwalk.h"
#include "selector.h"
#include "text.h"
#include "xdoc.h"

/* XPath operations one field may take on one page. libxml2 counts every
 * step and every node a step visits: a plain rule costs about the nodes
 * it walks (//a on a 20,000-element page: 20,000). What the count does
 * not see is the merging of node sets, quadratic where contexts nest:
 * three "any descendant" steps on 1000 nested elements (parse.h's depth
 * cap) take 1.0 M operations and 1.8-2.9 s here, 2 M operations 5.6 s;
 * so the limit is
 * 1 M, a runaway rule stops within about 3 s of CPU and the field is
 * left empty with the reason (tests/unit/test_extract.c, hostile). */
#define EXTRACT_OP_LIMIT 1000000UL
#define JSONLD_MAX_BLOCKS 32            /* blocks kept per page */
#define JSONLD_MAX_BYTES (256 * 1024)   /* a larger block is skipped */
#define ERROR_MAX 256                   /* bytes of the error message */

struct rule {
    char *name;                /* the field */
    xmlXPathCompExprPtr comp;  /* its compiled XPath */
};

struct extract_plan {
    enum cf_text_mode text; /* CF_TEXT_OFF: no text */
    size_t text_max;        /* cap on the text */
    struct rule *rules;     /* --extract, in order */
    size_t nrules;
    size_t max_values;      /* values per field */
    size_t max_bytes;       /* bytes of values per field */
    int jsonld;             /* keep JSON-LD blocks */
};

static void quiet(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

/* Compile one stored rule into r. 0, or CF_EINVAL with errstr. */
static int rule_compile(struct rule *r, const char *text, char *errstr)
{
    struct cf_selector sel;
    xmlXPathContextPtr ctx;
    char *paren;

    if (cf_selector_parse(text, &sel, errstr) != CF_OK)
        return CF_EINVAL;
    /* In parentheses: libxml2 runs a plain location path (no '[', '('
     * or '@') through its pattern streamer, which neither counts
     * operations nor stops (three "any descendant" steps on 400 nested
     * elements: 8.5 s streamed, 0.06 s evaluated). The value is the
     * same. */
    paren = cf_asprintf("(%s)", sel.xpath);
    ctx = xmlXPathNewContext(NULL);
    ctx->error = quiet;
    r->comp = xmlXPathCtxtCompile(ctx, BAD_CAST paren);
    xmlXPathFreeContext(ctx);
    free(paren);
    if (r->comp == NULL) { /* cf_selector_parse compiled it already */
        snprintf(errstr, CF_ERRSTR_LEN, "'%.80s': does not compile", text);
        cf_selector_cleanup(&sel);
        return CF_EINVAL;
    }
    r->name = sel.name;
    sel.name = NULL;
    cf_selector_cleanup(&sel);
    return CF_OK;
}

struct extract_plan *extract_plan_new(const struct cf_config *cfg,
                                      char *errstr)
{
    struct extract_plan *p;
    enum cf_text_mode tm = cf_config_text_mode(cfg);
    const char *s = cfg->extract;

    errstr[0] = '\0';
    if (tm == CF_TEXT_OFF && (s == NULL || *s == '\0') &&
        !cfg->extract_jsonld)
        return NULL;
    p = cf_calloc(1, sizeof(*p));
    p->text = tm;
    p->text_max = (size_t)cfg->text_max;
    p->max_values = (size_t)cfg->extract_max_values;
    p->max_bytes = (size_t)cfg->extract_max_bytes;
    p->jsonld = (int)cfg->extract_jsonld;
    while (s != NULL && *s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char *line = cf_strndup(s, n);
        int rc;

        p->rules = cf_realloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
        memset(&p->rules[p->nrules], 0, sizeof(*p->rules));
        rc = rule_compile(&p->rules[p->nrules], line, errstr);
        free(line);
        if (rc != CF_OK) {
            extract_plan_free(p);
            return NULL;
        }
        p->nrules++;
        s = nl ? nl + 1 : NULL;
    }
    return p;
}

void extract_plan_free(struct extract_plan *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nrules; i++) {
        free(p->rules[i].name);
        xmlXPathFreeCompExpr(p->rules[i].comp);
    }
    free(p->rules);
    free(p);
}

/* Values of one field while they are collected. */
struct values {
    struct cf_field *f;   /* filled */
    size_t bytes;         /* bytes taken so far */
    size_t max_values, max_bytes;
    int cut;              /* a cap was hit */
};

/* Take s[0..n) (heap, owned) as the next value, within the caps. */
static void add_value(struct values *v, char *s, size_t n)
{
    if (v->f->nvalues >= v->max_values || v->bytes >= v->max_bytes) {
        v->cut = 1;
        free(s);
        return;
    }
    if (v->bytes + n > v->max_bytes) {
        n = v->max_bytes - v->bytes;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        s[n] = '\0';
        v->cut = 1;
    }
    v->bytes += n;
    v->f->values = cf_realloc(v->f->values,
                              (v->f->nvalues + 1) * sizeof(*v->f->values));
    v->f->values[v->f->nvalues++] = s;
}

static void add_xml(struct values *v, xmlChar *s)
{
    char *c = cf_strdup(s ? (const char *)s : "");

    xmlFree(s);
    add_value(v, c, strlen(c));
}

/* One node of a result set as parsel gives it. */
static void node_value(struct values *v, xmlDocPtr doc, xmlNodePtr n)
{
    xmlOutputBufferPtr b;

    switch (n->type) {
    case XML_ELEMENT_NODE:
    case XML_COMMENT_NODE:
        /* outer HTML without added line breaks, as parsel's tostring */
        b = xmlAllocOutputBuffer(NULL);
        htmlNodeDumpFormatOutput(b, doc, n, NULL, 0);
        xmlOutputBufferFlush(b);
        add_value(v,
                  cf_strndup((const char *)xmlOutputBufferGetContent(b),
                             xmlOutputBufferGetSize(b)),
                  xmlOutputBufferGetSize(b));
        xmlOutputBufferClose(b);
        break;
    default: /* text, attribute, document: the string value */
        add_xml(v, xmlNodeGetContent(n));
        break;
    }
}

/* Evaluate rule r into field f. 0, or -1 with msg. */
static int eval_rule(const struct extract_plan *p, const struct rule *r,
                     xmlXPathContextPtr ctx, xmlDocPtr doc,
                     struct cf_field *f, int *cut, char *msg, size_t n)
{
    struct values v = {f, 0, p->max_values, p->max_bytes, 0};
    xmlXPathObjectPtr res;

    ctx->node = (xmlNodePtr)doc;
    ctx->opCount = 0;
    ctx->lastError.code = 0;
    res = xmlXPathCompiledEval(r->comp, ctx);
    if (res == NULL) {
        snprintf(msg, n, "%s: %s", r->name,
                 cf_selector_xpath_error(ctx->lastError.code));
        return -1;
    }
    if (res->type == XPATH_NODESET) {
        xmlNodeSetPtr ns = res->nodesetval;
        for (int i = 0; ns != NULL && i < ns->nodeNr && !v.cut; i++)
            node_value(&v, doc, ns->nodeTab[i]);
    } else {
        add_xml(&v, xmlXPathCastToString(res));
    }
    xmlXPathFreeObject(res);
    *cut |= v.cut;
    return 0;
}

static void run_fields(const struct extract_plan *p, const GumboNode *doc,
                       struct extract_out *out)
{
    xmlDocPtr xd = xdoc_from_gumbo(doc);
    xmlXPathContextPtr ctx = xmlXPathNewContext(xd);
    char msg[ERROR_MAX];
    int cut = 0;

    ctx->error = quiet;
    ctx->opLimit = EXTRACT_OP_LIMIT;
    out->fields = cf_calloc(p->nrules, sizeof(*out->fields));
    out->nfields = p->nrules;
    for (size_t i = 0; i < p->nrules; i++) {
        out->fields[i].name = cf_strdup(p->rules[i].name);
        if (eval_rule(p, &p->rules[i], ctx, xd, &out->fields[i], &cut, msg,
                      sizeof(msg)) != 0 &&
            out->error == NULL)
            out->error = cf_strdup(msg);
    }
    if (cut)
        out->flags |= CF_RES_FIELDS_TRUNCATED;
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(xd);
}

/* <script type="application/ld+json"> (type trimmed, any case). */
static int is_jsonld(const GumboElement *e)
{
    GumboAttribute *a;
    const char *t;
    size_t n;

    if (e->tag != GUMBO_TAG_SCRIPT || e->tag_namespace != GUMBO_NAMESPACE_HTML)
        return 0;
    a = gumbo_get_attribute(&e->attributes, "type");
    if (a == NULL)
        return 0;
    t = a->value;
    while (*t == ' ' || *t == '\t' || *t == '\n')
        t++;
    n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n'))
        n--;
    return n == 19 && strncasecmp(t, "application/ld+json", 19) == 0;
}

/* The block's text, trimmed, if it parses as JSON and fits. */
static void take_jsonld(struct extract_out *out, const GumboElement *e,
                        int *cut)
{
    const GumboNode *c;
    const char *s;
    size_t n;
    json_t *j;

    if (e->children.length != 1)
        return;
    c = e->children.data[0];
    if (c->type != GUMBO_NODE_TEXT && c->type != GUMBO_NODE_WHITESPACE)
        return;
    s = c->v.text.text;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
                     s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n == 0)
        return;
    if (n > JSONLD_MAX_BYTES || out->njsonld >= JSONLD_MAX_BLOCKS) {
        *cut = 1;
        return;
    }
    j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    if (j == NULL)
        return;
    json_decref(j);
    out->jsonld = cf_realloc(out->jsonld,
                             (out->njsonld + 1) * sizeof(*out->jsonld));
    out->jsonld[out->njsonld++] = cf_strndup(s, n);
}

static void run_jsonld(const GumboNode *root, struct extract_out *out)
{
    const GumboNode *n = root;
    int cut = 0;

    while (n != NULL) {
        int down = 1;

        if (n->type == GUMBO_NODE_ELEMENT && is_jsonld(&n->v.element)) {
            take_jsonld(out, &n->v.element, &cut);
            down = 0;
        }
        n = gwalk_next(root, n, down, NULL, NULL);
    }
    if (cut)
        out->flags |= CF_RES_FIELDS_TRUNCATED;
}

void extract_run(const struct extract_plan *p, const void *doc,
                 const char *base, struct extract_out *out)
{
    size_t len;
    int cut = 0;

    (void)base;
    memset(out, 0, sizeof(*out));
    if (p->text != CF_TEXT_OFF) {
        out->text = text_extract(doc, p->text, p->text_max, &len, &cut);
        if (cut)
            out->flags |= CF_RES_TEXT_TRUNCATED;
    }
    if (p->nrules > 0)
        run_fields(p, doc, out);
    if (p->jsonld)
        run_jsonld(doc, out);
}

void extract_out_cleanup(struct extract_out *o)
{
    if (o == NULL)
        return;
    free(o->text);
    for (size_t i = 0; i < o->nfields; i++) {
        free(o->fields[i].name);
        for (size_t j = 0; j < o->fields[i].nvalues; j++)
            free(o->fields[i].values[j]);
        free(o->fields[i].values);
    }
    free(o->fields);
    for (size_t i = 0; i < o->njsonld; i++)
        free(o->jsonld[i]);
    free(o->jsonld);
    free(o->error);
    memset(o, 0, sizeof(*o));
}
