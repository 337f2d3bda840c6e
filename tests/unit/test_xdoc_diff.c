/* test_xdoc_diff.c - --extract values against libxml2's own HTML parser.
 *
 * Fields are XPath run on a libxml2 copy of gumbo's tree (worker/xdoc.c);
 * parsel and `xmllint --html --xpath` run the same XPath on the tree
 * libxml2's HTML parser builds (htmlReadMemory with xmllint's options).
 * For every page, generated (GEN_PAGES from a seeded generator) and the
 * fixture pages of tests/extract-site, both trees are built and written
 * out node by node. Where they are the same, every rule of rules[] must
 * give the same values through the crawl's extraction (extract_run) as
 * through the reference below on libxml2's tree. Where they differ, the
 * page must show one of the differences of HTML5 parsing from libxml2's
 * HTML parser that docs/cli.md lists (--extract): diffs[], each a test on
 * the page's source with its reason, or trees that are the same without
 * their whitespace-only text nodes; a difference nothing explains fails.
 * The pages each difference leaves out are counted and printed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>

#include "alloc.h"
#include "config.h"
#include "err.h"
#include "extract.h"
#include "parse.h"
#include "selector.h"
#include "test.h"
#include "xdoc.h"

#define GEN_PAGES 400
#define SITE_DIR "tests/extract-site"
#define PAGE_MAX (64 * 1024)

/* The rules: CSS (translated by common/css.c) and XPath, as a user gives
 * them. */
static const char *const rules[] = {
    "a=xpath://a/@href",
    "b=xpath://h1/text()",
    "c=xpath:count(//p)",
    "d=xpath:normalize-space(//title)",
    "e=xpath://ul/li[2]",
    "f=xpath://*[@class]/@class",
    "g=xpath:string(//table//td[last()])",
    "h=xpath://div[@id]/span/text()",
    "i=xpath:count(//*)",
    "j=xpath://p[contains(., 'price')]",
    "k=xpath://comment()",
    "l=xpath:sum(//td[@data-n]/@data-n)",
    "m=css:div.card > span.name::text",
    "n=css:ul li:first-child",
    "o=css:a[href^=http]::attr(href)",
    "p=css:td:nth-child(2n+1)::text",
    "q=css:p:not(.note)::text",
    "r=css:h2 + p::text",
    "s=css:li ~ li::text",
    "t=css:[data-sku]::attr(data-sku)",
    "u=css:#main .price::text",
    "v=xpath://body//text()",
    "w=xpath:name(//*[last()])",
    "x=xpath://select/option[@selected]/text()",
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

/* Where HTML5 parsing (gumbo) and libxml2's HTML parser build different
 * trees from the same source; docs/cli.md (--extract) says each. A page
 * whose trees differ is left out when one of these matches its source. */
static int has(const char *page, const char *s)
{
    return strstr(page, s) != NULL;
}

/* a <tr> straight in a <table>: HTML5 puts it in an implied <tbody> */
static int d_tbody(const char *p)
{
    const char *t = p;

    while ((t = strstr(t, "<table")) != NULL) {
        const char *gt = strchr(t, '>');
        if (gt == NULL)
            return 0;
        gt++;
        while (*gt == ' ' || *gt == '\n')
            gt++;
        if (strncmp(gt, "<tr", 3) == 0)
            return 1;
        t = gt;
    }
    return 0;
}

/* misnested formatting elements: HTML5's adoption agency reopens them */
static int d_misnest(const char *p)
{
    return has(p, "</b></i>") || has(p, "</i></b>") || has(p, "<b><p>") ||
           has(p, "<a href=\"#in\"><a");
}

/* content straight in a table, outside its cells: HTML5 moves it before
 * the table (foster parenting) */
static int d_foster(const char *p)
{
    return has(p, "<table>text") || has(p, "<tr>stray") ||
           has(p, "</td>stray");
}

/* a <p> left open before a <table> or a block: HTML5 (no quirks) keeps
 * the table inside the p only in quirks mode; libxml2's end-tag rules
 * close p for other elements than HTML5's */
static int d_p_close(const char *p)
{
    return has(p, "<p>open");
}

/* references HTML5 knows and HTML 4 (libxml2's table) does not, or
 * written without their ';' */
static int d_refs(const char *p)
{
    return has(p, "&apos;") || has(p, "&nbsp ") || has(p, "&amp ") ||
           has(p, "&#128;") || has(p, "&NotEqualTilde;");
}

/* a self-closing non-void element: HTML5 ignores the '/', libxml2 closes
 * the element */
static int d_selfclose(const char *p)
{
    return has(p, "<div/>") || has(p, "<span/>");
}

/* an end tag with nothing open to end: HTML5 makes </p> an empty <p>,
 * </br> a <br> */
static int d_stray_end(const char *p)
{
    return has(p, "</br>") || has(p, "<div></p>");
}

/* an attribute without a value among HTML 4's boolean ones: HTML5 gives
 * it the value "", libxml2 its name (<option selected>: "selected") */
static int d_boolean(const char *p)
{
    static const char *const names[] = {
        "checked", "compact", "declare", "defer",    "disabled", "ismap",
        "multiple", "nohref", "noresize", "noshade", "nowrap",   "readonly",
        "selected", NULL};

    for (int i = 0; names[i] != NULL; i++) {
        const char *t = p;
        size_t k = strlen(names[i]);

        while ((t = strstr(t, names[i])) != NULL) {
            if (t > p && t[-1] == ' ' &&
                (t[k] == '>' || t[k] == ' ' || t[k] == '/'))
                return 1;
            t += k;
        }
    }
    return 0;
}

/* no <body> tag: HTML5 always makes a body element, libxml2 only when
 * content comes that needs one */
static int d_nobody(const char *p)
{
    return !has(p, "<body");
}

static const struct {
    const char *name;
    int (*match)(const char *page); /* 1: the page shows it */
} diffs[] = {
    {"implied tbody", d_tbody},
    {"misnested formatting", d_misnest},
    {"foster parenting", d_foster},
    {"p closed by other elements", d_p_close},
    {"HTML5-only references", d_refs},
    {"self-closing non-void", d_selfclose},
    {"stray end tags", d_stray_end},
    {"valueless boolean attributes", d_boolean},
    {"no body tag, no body content", d_nobody},
};
#define NDIFFS (sizeof(diffs) / sizeof(diffs[0]))
static int diff_pages[NDIFFS + 1]; /* the last: whitespace-only text */

/* ---- the generator ---------------------------------------------------- */

static unsigned long long rng = 0x2545F4914F6CDD1DULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)((rng >> 20) % n);
}

static const char *const words[] = {
    "tea",   "price", "green", "black", "leaf", "cup",  "caf\xc3\xa9",
    "na\xc3\xafve", "&amp;", "&lt;x&gt;", "&eacute;t&eacute;", "&#233;",
    "&#x263A;", "note", "10.50", "EUR", "\xe2\x80\x94", "a&quot;b",
};

static const char *const blocks[] = {
    /* well-formed pieces both parsers agree on */
    "<div class=\"card\"><span class=\"name\">%w</span> <span>%w</span></div>",
    "<p>%w %w <b>%w</b> <i>%w</i>.</p>",
    "<p class=\"note\">%w price %w</p>",
    "<h2>%w</h2><p>%w %w</p>",
    "<ul><li>%w</li><li>%w %w</li>"
    "<li><a href=\"http://x.example/%w\">%w</a></li></ul>",
    "<ol><li>%w<li>%w<li>%w</ol>",
    "<table><tbody><tr><th>%w</th><td data-n=\"3\">%w</td><td>%w</td></tr>"
    "<tr><td>%w</td><td data-sku=\"SKU-%w\">%w</td></tr></tbody></table>",
    "<div id=\"main\"><span class=\"price\">%w</span><span>%w</span></div>",
    "<!-- %w -->",
    "<a href=\"/rel/%w\">%w</a>",
    "<div id=\"d%w\"><span>%w</span><em>%w</em></div>",
    "<dl><dt>%w<dd>%w</dl>",
    "<form><select name=\"s\"><option>%w<option selected=\"selected\">%w"
    "</select><input type=\"text\" value=\"%w\" disabled=\"\"></form>",
    "<p>%w<br>%w<img src=\"/i/%w.png\" alt=\"%w\"></p>",
    "<blockquote><p>%w</p></blockquote>",
    "<pre>%w   %w</pre>",
    "<section><h2>%w</h2><p>%w</p></section>",
};

/* Pieces where the parsers may differ (DIFFS), one block in DIFF_ONE_IN. */
#define DIFF_ONE_IN 8
static const char *const diff_blocks[] = {
    "<select><option>%w<option selected>%w</select><input disabled>",
    "<table><tr><td>%w</td></tr></table>",
    "<p><b><i>%w</b></i></p>",
    "<b><p>%w</p></b>",
    "<table>text<tr><td>%w</td></tr></table>",
    "<p>open %w<table><tbody><tr><td>%w</td></tr></tbody></table>",
    "<p>it&apos;s %w</p>",
    "<p>a&nbsp b %w</p>",
    "<div/><span>%w</span>",
    "<p>%w</br>%w</p>",
    "<div></p>%w</div>",
    "<ul>\n  <li>%w</li>\n</ul>",
    "<table>\n<tbody><tr><td>%w</td></tr></tbody>\n</table>",
    "<p>%w</p>\n<p>%w</p>",
};
#define NBLOCKS (sizeof(blocks) / sizeof(blocks[0]))
#define NDIFF_BLOCKS (sizeof(diff_blocks) / sizeof(diff_blocks[0]))
#define NWORDS (sizeof(words) / sizeof(words[0]))

static size_t put(char *o, size_t n, const char *s)
{
    size_t k = strlen(s);

    if (n + k >= PAGE_MAX)
        return n;
    memcpy(o + n, s, k);
    o[n + k] = '\0';
    return n + k;
}

/* One generated page in out (PAGE_MAX bytes); returns its length. */
static size_t gen_page(char *out)
{
    size_t n = 0;
    unsigned nb = 1 + rnd(12);

    out[0] = '\0';
    n = put(out, n, "<!DOCTYPE html><html lang=\"en\"><head>"
                    "<meta charset=\"utf-8\"><title>");
    n = put(out, n, words[rnd(NWORDS)]);
    n = put(out, n, "</title></head><body>");
    if (rnd(2))
        n = put(out, n, "<h1>Page</h1>");
    for (unsigned i = 0; i < nb; i++) {
        const char *b = rnd(DIFF_ONE_IN) == 0
                            ? diff_blocks[rnd(NDIFF_BLOCKS)]
                            : blocks[rnd(NBLOCKS)];

        for (; *b; b++) {
            char c[2] = {*b, '\0'};
            if (b[0] == '%' && b[1] == 'w') {
                n = put(out, n, words[rnd(NWORDS)]);
                b++;
            } else {
                n = put(out, n, c);
            }
        }
    }
    n = put(out, n, "</body></html>");
    return n;
}

/* ---- the two trees ---------------------------------------------------- */

struct sbuf {
    char *s;
    size_t n, alloc;
};

static void sb_put(struct sbuf *b, const char *s)
{
    size_t k = strlen(s);

    if (b->n + k + 1 > b->alloc) {
        b->alloc = (b->n + k + 1) * 2;
        b->s = cf_realloc(b->s, b->alloc);
    }
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

/* 1 when s is whitespace only. */
static int blank(const xmlChar *s)
{
    for (; s != NULL && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f')
            return 0;
    return 1;
}

/* Every node of doc: elements with their attributes, text (whitespace-only
 * text left out with no_blanks), comments. */
static void tree_text(xmlNodePtr n, struct sbuf *b, int no_blanks)
{
    for (; n != NULL; n = n->next) {
        xmlChar *c;

        switch (n->type) {
        case XML_ELEMENT_NODE:
            sb_put(b, "<");
            sb_put(b, (const char *)n->name);
            for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
                c = xmlNodeGetContent((xmlNodePtr)a);
                sb_put(b, " ");
                sb_put(b, (const char *)a->name);
                sb_put(b, "=");
                sb_put(b, c ? (const char *)c : "");
                xmlFree(c);
            }
            sb_put(b, ">");
            tree_text(n->children, b, no_blanks);
            sb_put(b, "</>");
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (no_blanks && blank(n->content))
                break;
            sb_put(b, "[");
            sb_put(b, n->content ? (const char *)n->content : "");
            sb_put(b, "]");
            break;
        case XML_COMMENT_NODE:
            sb_put(b, "{");
            sb_put(b, n->content ? (const char *)n->content : "");
            sb_put(b, "}");
            break;
        default:
            break;
        }
    }
}

static char *doc_text(xmlDocPtr d, int no_blanks)
{
    struct sbuf b = {0};

    sb_put(&b, "");
    tree_text(d->children, &b, no_blanks);
    return b.s;
}

struct gumbo_side {
    const struct extract_plan *plan;
    struct extract_out out; /* the crawl's values */
    char *tree;             /* the copy, as text */
    char *tree_nb;          /* the same without whitespace-only text */
};

static void on_tree(const void *doc, const char *base, void *arg)
{
    struct gumbo_side *g = arg;
    xmlDocPtr d = xdoc_from_gumbo(doc);

    g->tree = doc_text(d, 0);
    g->tree_nb = doc_text(d, 1);
    xmlFreeDoc(d);
    extract_run(g->plan, doc, base, &g->out);
}

/* The reference: rule i's XPath on libxml2's tree, values as parsel
 * gives them (element and comment: outer HTML; other nodes: their
 * string value; a number, string or boolean: its XPath string). */
static char **ref_values(xmlDocPtr d, const char *xpath, size_t *n)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(d);
    xmlXPathObjectPtr r;
    char **v = NULL;

    ctx->node = (xmlNodePtr)d; /* relative paths start at the document */
    r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);

    *n = 0;
    if (r != NULL && r->type == XPATH_NODESET) {
        for (int i = 0; r->nodesetval && i < r->nodesetval->nodeNr; i++) {
            xmlNodePtr x = r->nodesetval->nodeTab[i];
            char *s;

            if (x->type == XML_ELEMENT_NODE || x->type == XML_COMMENT_NODE) {
                xmlOutputBufferPtr b = xmlAllocOutputBuffer(NULL);
                htmlNodeDumpFormatOutput(b, d, x, NULL, 0);
                xmlOutputBufferFlush(b);
                s = cf_strndup((const char *)xmlOutputBufferGetContent(b),
                               xmlOutputBufferGetSize(b));
                xmlOutputBufferClose(b);
            } else {
                xmlChar *c = xmlNodeGetContent(x);
                s = cf_strdup(c ? (const char *)c : "");
                xmlFree(c);
            }
            v = cf_realloc(v, (*n + 1) * sizeof(*v));
            v[(*n)++] = s;
        }
    } else if (r != NULL) {
        xmlChar *c = xmlXPathCastToString(r);
        v = cf_realloc(v, sizeof(*v));
        v[(*n)++] = cf_strdup((const char *)c);
        xmlFree(c);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    return v;
}

static struct extract_plan *plan;
static char *xpaths[NRULES]; /* each rule's XPath (CSS translated) */
static int pages_same, pages_excluded, values_compared;
static int site_same; /* fixture pages compared */

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Check one page; returns 0 when something is wrong. */
static int check_page(const char *html, size_t len, const char *what)
{
    struct parse_opts o = {.mode = PARSE_TREE, .max_links = 1000,
                           .tree_cb = on_tree};
    struct gumbo_side g = {plan, {0}, NULL, NULL};
    struct parse_result pr;
    xmlDocPtr d;
    char *ref;
    int ok = 1;

    o.tree_arg = &g;
    parse_page(html, len, "http://h.example/p.html", "text/html", &o, &pr);
    parse_result_cleanup(&pr);
    /* xmllint --html's options: recover, keep blanks */
    d = htmlReadMemory(html, (int)len, "p.html", NULL,
                       HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                           HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    ref = d ? doc_text(d, 0) : cf_strdup("(no document)");
    if (g.tree == NULL || strcmp(g.tree, ref) != 0) {
        int why = -1;
        char *ref_nb = d ? doc_text(d, 1) : cf_strdup("");

        for (size_t k = 0; k < NDIFFS && why < 0; k++)
            if (diffs[k].match(html))
                why = (int)k;
        /* Whitespace-only text nodes libxml2 drops where HTML5 keeps
         * them (its areBlanks(): a line break and indentation between
         * tags where the element holds no other text, as between <ul>
         * and <li>, or after </head>): the trees are the same without
         * them. */
        if (why < 0 && g.tree_nb != NULL && strcmp(g.tree_nb, ref_nb) == 0)
            why = (int)NDIFFS;
        free(ref_nb);
        if (why >= 0) {
            diff_pages[why]++;
            pages_excluded++;
        } else {
            ok = 0;
            fprintf(stderr, "%s: the trees differ, and no listed "
                            "difference says why:\n  page:    %.*s\n"
                            "  gumbo:   %s\n  libxml2: %s\n",
                    what, (int)len, html, g.tree, ref);
        }
        goto out;
    }
    pages_same++;
    for (size_t i = 0; i < NRULES && ok; i++) {
        size_t n;
        char **v = ref_values(d, xpaths[i], &n);
        const struct cf_field *f = &g.out.fields[i];

        ok = f->nvalues == n;
        for (size_t k = 0; k < n; k++) {
            if (ok && strcmp(f->values[k], v[k]) != 0)
                ok = 0;
            values_compared++;
        }
        if (!ok)
            fprintf(stderr, "%s: rule %s: %zu values, libxml2 %zu; "
                            "first: [%s] [%s]\n  page: %.*s\n",
                    what, rules[i], f->nvalues, n,
                    f->nvalues ? f->values[0] : "-", n ? v[0] : "-",
                    (int)len, html);
        for (size_t k = 0; k < n; k++)
            free(v[k]);
        free(v);
    }
out:
    CHECKF(ok, "%s", what);
    extract_out_cleanup(&g.out);
    free(g.tree);
    free(g.tree_nb);
    free(ref);
    xmlFreeDoc(d);
    return ok;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = cf_malloc(PAGE_MAX);

    *len = f ? fread(p, 1, PAGE_MAX - 1, f) : 0;
    p[*len] = '\0';
    if (f)
        fclose(f);
    return p;
}

int main(void)
{
    struct cf_config cfg;
    char err[CF_ERRSTR_LEN], name[64], *page = cf_malloc(PAGE_MAX);
    DIR *dir;
    struct dirent *de;
    int site_pages = 0;

    xmlSetGenericErrorFunc(NULL, quiet);
    cf_config_init(&cfg);
    cfg.extract_max_values = 100000;
    cfg.extract_max_bytes = 1 << 20;
    for (size_t i = 0; i < NRULES; i++) {
        struct cf_selector sel;

        CHECKF(cf_config_set(&cfg, "extract", rules[i], err) == 0, "%s",
               err);
        CHECKF(cf_selector_parse(rules[i], &sel, err) == CF_OK, "%s", err);
        xpaths[i] = cf_strdup(sel.xpath);
        cf_selector_cleanup(&sel);
    }
    plan = extract_plan_new(&cfg, err);
    CHECKF(plan != NULL, "plan: %s", err);
    if (plan == NULL)
        return test_summary("test_xdoc_diff");
    for (int i = 0; i < GEN_PAGES; i++) {
        size_t len = gen_page(page);

        snprintf(name, sizeof(name), "generated page %d", i);
        check_page(page, len, name);
    }
    dir = opendir(SITE_DIR);
    CHECKF(dir != NULL, "%s: not found (run from the tree's top)", SITE_DIR);
    while (dir != NULL && (de = readdir(dir)) != NULL) {
        size_t len, nl = strlen(de->d_name);
        char path[512];
        int before = pages_same;

        if (nl < 6 || strcmp(de->d_name + nl - 5, ".html") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", SITE_DIR, de->d_name);
        free(page);
        page = slurp(path, &len);
        site_same += check_page(page, len, path) && pages_same > before;
        site_pages++;
    }
    if (dir != NULL)
        closedir(dir);
    CHECK(site_pages >= 10);
    printf("fixture pages: %d, %d of them compared\n", site_pages, site_same);
    printf("%d pages with the same tree, %d values compared; %d left out:\n",
           pages_same, values_compared, pages_excluded);
    for (size_t k = 0; k < NDIFFS; k++)
        printf("  %s: %d\n", diffs[k].name, diff_pages[k]);
    printf("  whitespace-only text: %d\n", diff_pages[NDIFFS]);
    /* most pages are compared, and values were */
    CHECK(pages_same >= (GEN_PAGES + site_pages) / 2);
    CHECK(values_compared > 10 * GEN_PAGES);
    free(page);
    for (size_t i = 0; i < NRULES; i++)
        free(xpaths[i]);
    extract_plan_free(plan);
    cf_config_cleanup(&cfg);
    return test_summary("test_xdoc_diff");
}
