/* test_css.c - cf_css_to_xpath(): each selector translated, then run by
 * libxml2 on one document; the ids (or values) it selects are checked,
 * not the XPath's spelling. The W3C Selectors Level 3 examples that fall
 * in the subset are marked "W3C". Then refusals with their position,
 * and cf_selector_parse() on whole rules. */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "alloc.h"
#include "css.h"
#include "err.h"
#include "selector.h"
#include "test.h"

static const char doc_html[] =
    "<html><head><title>T</title></head><body>"
    "<div id=d1 class='a b' title='hello world' lang='en-US'>"
    "<p id=p1 class=a>one</p>"
    "<p id=p2 data-x=abc>two</p>"
    "<span id=s1 class='b c'>three</span>"
    "<p id=p3>four</p>"
    "</div>"
    "<ul id=u1><li id=l1>1</li><li id=l2 class=odd>2</li><li id=l3>3</li>"
    "<li id=l4>4</li><li id=l5>5</li><li id=l6>6</li></ul>"
    "<a id=a1 href='http://x.example/page.html' rel='nofollow noopener' "
    "hreflang=en-GB>x</a>"
    "<a id=a2 href='/local.pdf' hreflang=en>y</a>"
    "<input id=i1 type=text name=q value=\"it's\">"
    "<em id=e1></em>"
    "<h1 id=h1 title='a\"b'>Head</h1><h2 id=h2>Sub</h2><p id=p4>after</p>"
    "<div id=d2 class='x-y'><div id=d3><p id=p5 class=A>deep</p></div></div>"
    "</body></html>";

static const struct {
    const char *css;
    const char *want; /* ids (or values) in document order, space joined */
} cases[] = {
    /* type and universal */
    {"p", "p1 p2 p3 p4 p5"},
    {"P", "p1 p2 p3 p4 p5"}, /* names are case-insensitive in HTML */
    {"li", "l1 l2 l3 l4 l5 l6"},
    {"body > *", "d1 u1 a1 a2 i1 e1 h1 h2 p4 d2"},
    {"nosuch", ""},
    /* id and class */
    {"#p2", "p2"},
    {"p#p2", "p2"},
    {"span#p2", ""},
    {".a", "d1 p1"},
    {".b", "d1 s1"},
    {".a.b", "d1"},                /* W3C: p.pastoral.marine */
    {"p.a", "p1"},
    {".A", "p5"},                  /* class values are case-sensitive */
    {".x-y", "d2"},
    {".odd", "l2"},
    {"#nosuch", ""},
    /* attributes */
    {"[title]", "d1 h1"},          /* W3C: h1[title] */
    {"a[href]", "a1 a2"},
    {"[id=p2]", "p2"},
    {"[id='p2']", "p2"},
    {"[id=\"p2\"]", "p2"},
    {"[ID=p2]", "p2"},             /* attribute names too */
    {"[class~=b]", "d1 s1"},       /* W3C: a[rel~="copyright"] */
    {"[rel~=noopener]", "a1"},
    {"[rel~='nofollow noopener']", ""}, /* a word never holds a space */
    {"[class~='']", ""},
    {"[hreflang|=en]", "a1 a2"},   /* W3C: a[hreflang|="en"] */
    {"[lang|=en]", "d1"},
    {"[href^='http://']", "a1"},   /* W3C: a[href^="http://"] */
    {"[href$='.pdf']", "a2"},      /* W3C: a[href$=".pdf"] */
    {"[href$='.html']", "a1"},
    {"[href*='example']", "a1"},   /* W3C: p[title*="hello"] */
    {"[title*=hello]", "d1"},
    {"[href^='']", ""},            /* empty values match nothing */
    {"[href$='']", ""},
    {"[href*='']", ""},
    {"[value=\"it's\"]", "i1"},
    {"[title='a\"b']", "h1"},
    {"[data-x=abc]", "p2"},
    {"[ data-x = abc ]", "p2"},
    {"p[id=p1][class=a]", "p1"},
    /* combinators */
    {"div p", "p1 p2 p3 p5"},      /* W3C: h1 em */
    {"div > p", "p1 p2 p3 p5"},    /* W3C: body > p */
    {"body > p", "p4"},
    {"div div p", "p5"},
    {"div * p", "p5"},             /* W3C: div * p */
    {"#d2 > p", ""},
    {"#d2 p", "p5"},
    {"h1 + h2", "h2"},             /* W3C: math + p */
    {"h1 + p", ""},
    {"h1 ~ p", "p4"},              /* W3C: h1 ~ pre */
    {"#p1 ~ p", "p2 p3"},
    {"#p1 + *", "p2"},
    {"#p1 ~ *", "p2 s1 p3"},
    {"span + p", "p3"},
    {"ul>li", "l1 l2 l3 l4 l5 l6"},
    {"ul  >  li + li", "l2 l3 l4 l5 l6"},
    {"div>p~span", "s1"},
    /* pseudo-classes */
    {"li:first-child", "l1"},
    {"p:first-child", "p1 p5"},
    {"li:last-child", "l6"},
    {"p:only-child", "p5"},
    {"em:empty", "e1"},
    {"p:empty", ""},
    {"li:nth-child(2)", "l2"},
    {"li:nth-child(odd)", "l1 l3 l5"},   /* W3C: tr:nth-child(odd) */
    {"li:nth-child(even)", "l2 l4 l6"},  /* W3C: tr:nth-child(even) */
    {"li:nth-child(2n+1)", "l1 l3 l5"},  /* W3C: tr:nth-child(2n+1) */
    {"li:nth-child(2n)", "l2 l4 l6"},
    {"li:nth-child(3n+2)", "l2 l5"},
    {"li:nth-child(n+4)", "l4 l5 l6"},
    {"li:nth-child(-n+3)", "l1 l2 l3"},
    {"li:nth-child(-2n+5)", "l1 l3 l5"},
    {"li:nth-child( 2n - 1 )", "l1 l3 l5"},
    {"li:nth-child(0n+1)", "l1"},        /* W3C: foo:nth-child(0n+1) */
    {"li:nth-child(+3)", "l3"},
    {"li:nth-child(0)", ""},
    {"li:nth-child(-1)", ""},
    {"li:nth-child(n)", "l1 l2 l3 l4 l5 l6"},
    {"li:nth-child(-n+0)", ""},
    {"li:nth-last-child(2)", "l5"},
    {"li:nth-last-child(-n+2)", "l5 l6"},
    {"li:not(.odd)", "l1 l3 l4 l5 l6"},
    {"p:not(#p1):not(#p2)", "p3 p4 p5"},
    {"body > :not(div):not(ul):not(a)", "i1 e1 h1 h2 p4"},
    {"li:not(:nth-child(odd))", "l2 l4 l6"},
    {"div :not(p)", "s1 d3"},
    {"*:not(*)", ""},
    {"li:not(li.odd)", "l1 l3 l4 l5 l6"},
    /* groups */
    {"h1, h2", "h1 h2"},
    {"h2 , #p1,h1", "p1 h1 h2"},         /* document order */
    {"#a1, #a1", "a1"},
    /* pseudo-elements: values */
    {"#p1::text", "=one"},
    {"li:nth-child(odd)::text", "=1 =3 =5"},
    {"a::attr(href)", "=http://x.example/page.html =/local.pdf"},
    {"#i1::attr(value)", "=it's"},
    {"#d2 ::text", "=deep"},
    {"h1::text, h2::text", "=Head =Sub"},
    {"#e1::text", ""},
    {"title::text", "=T"},
    {"#p2::attr(nosuch)", ""},
    /* escapes */
    {"#p\\31", "p1"},      /* \31 is the digit 1: "#p1" */
    {"#\\70 1", "p1"},     /* \70 is 'p' */
    {".x\\-y", "d2"},
};

/* What a node contributes to the "got" string. */
static void describe(xmlNodePtr n, char *got, size_t cap)
{
    xmlChar *s;
    size_t k = strlen(got);

    if (n->type == XML_ELEMENT_NODE)
        s = xmlGetProp(n, BAD_CAST "id");
    else
        s = xmlNodeGetContent(n);
    snprintf(got + k, cap - k, "%s%s%s", k ? " " : "",
             n->type == XML_ELEMENT_NODE ? "" : "=", s ? (char *)s : "?");
    xmlFree(s);
}

static void test_select(void)
{
    htmlDocPtr doc = htmlReadMemory(doc_html, (int)strlen(doc_html), "t.html",
                                    "utf-8",
                                    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *x = NULL, got[512] = "";
        size_t pos;
        const char *why;
        xmlXPathObjectPtr r;
        int rc = cf_css_to_xpath(cases[i].css, &x, &pos, &why);

        CHECKF(rc == CF_OK, "'%s': refused at %zu: %s", cases[i].css, pos,
               why ? why : "");
        if (rc != CF_OK)
            continue;
        ctx->node = (xmlNodePtr)doc;
        r = xmlXPathEvalExpression(BAD_CAST x, ctx);
        CHECKF(r != NULL, "'%s': XPath %s does not run", cases[i].css, x);
        if (r != NULL && r->type == XPATH_NODESET && r->nodesetval)
            for (int k = 0; k < r->nodesetval->nodeNr; k++)
                describe(r->nodesetval->nodeTab[k], got, sizeof(got));
        CHECKF(strcmp(got, cases[i].want) == 0,
               "'%s' -> %s: got '%s', want '%s'", cases[i].css, x, got,
               cases[i].want);
        xmlXPathFreeObject(r);
        free(x);
    }
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
}

/* The shape parsel gives, for a few. */
static const struct {
    const char *css, *xpath;
} shapes[] = {
    {"div", "descendant-or-self::div"},
    {"p::text", "descendant-or-self::p/text()"},
    {"a::attr(href)", "descendant-or-self::a/@href"},
    {"::text", "descendant-or-self::text()"},
    {"a b", "descendant-or-self::a/descendant::b"},
    {"a > b", "descendant-or-self::a/b"},
    {"#x", "descendant-or-self::*[@id = 'x']"},
    {"a, b", "descendant-or-self::a | descendant-or-self::b"},
};

static void test_shapes(void)
{
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *x = NULL;
        size_t pos;
        const char *why;

        cf_css_to_xpath(shapes[i].css, &x, &pos, &why);
        CHECKF(x && strcmp(x, shapes[i].xpath) == 0, "'%s' -> '%s'",
               shapes[i].css, x ? x : "(null)");
        free(x);
    }
}

/* Refused, with where and why. */
static const struct {
    const char *css;
    size_t pos;
    const char *why; /* a part of the reason */
} bad[] = {
    {"", 0, "selector expected"},
    {"   ", 3, "selector expected"},
    {"div >", 5, "selector expected after combinator"},
    {"> p", 0, "unexpected character"},
    {"a,,b", 2, "selector expected"},
    {"a,", 2, "selector expected"},
    {"p:hover", 1, "unsupported pseudo-class"},
    {"p:nth-child(x)", 12, "an+b"},
    {"p:nth-child(2n+)", 15, "number expected"},
    {"p:nth-child(2", 13, "')' expected"},
    {"p:nth-child(99999999999)", 12, "too large"},
    {"p:not(a b)", 8, "')' expected"},
    {"p:not()", 6, "selector expected"},
    {"[", 1, "attribute name expected"},
    {"[a", 2, "operator expected"},
    {"[a=]", 3, "attribute value expected"},
    {"[a='x]", 3, "unterminated string"},
    {"[a=x i]", 5, "flags"},
    {"[a!=x]", 2, "operator expected"},
    {"ns|p", 2, "namespaces"},
    {"[ns|a]", 0, "namespaces"},
    {"p::before", 1, "unsupported pseudo-element"},
    {"p::text span", 8, "must end the selector"},
    {"p::attr(x", 9, "')' expected"},
    {"#", 1, "id expected"},
    {".", 1, "class name expected"},
    {".1a", 1, "class name expected"},
    {"p!", 1, "unexpected character"},
    {"//div", 0, "unexpected character"},
    {"-p", 0, "start with a letter"},
    {"d\xc3\xa9v", 0, "ASCII"},
    {"\xf2not", 0, "invalid UTF-8"},
    {"p\x01", 1, "control character"},
    {"a\\", 1, "backslash"},
    {":not(:not(:not(:not(:not(:not(:not(:not(:not(a)))))))))", 40,
     "nested too deep"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *x = (char *)1;
        size_t pos = 999;
        const char *why = NULL;
        int rc = cf_css_to_xpath(bad[i].css, &x, &pos, &why);

        CHECKF(rc == CF_EINVAL && x == NULL, "'%s' accepted", bad[i].css);
        CHECKF(why && strstr(why, bad[i].why), "'%s': reason '%s'",
               bad[i].css, why ? why : "(null)");
        CHECKF(pos == bad[i].pos, "'%s': position %zu, want %zu", bad[i].css,
               pos, bad[i].pos);
    }
}

/* Whole rules: name, prefix, errors with column and reason. */
static const struct {
    const char *rule;
    int ok;
    const char *xpath_or_err; /* the XPath, or a part of the error */
} rules[] = {
    {"price=.price::text", 1, "descendant-or-self::*[@class and contains("
                              "concat(' ', normalize-space(@class), ' '), "
                              "' price ')]/text()"},
    {"price=css:.price::text", 1, NULL},
    {"t=xpath://title/text()", 1, "//title/text()"},
    {"n=xpath:count(//a)", 1, "count(//a)"},
    {"_a-1=p", 1, "descendant-or-self::p"},
    {"p=css:div[", 0, "'p=css:div[': column 5: attribute name expected"},
    {"p=//div", 0, "write xpath: before an XPath"},
    {"p=css://div", 0, "column 1: unexpected character"},
    {"p=xpath://div[", 0, "column"},
    {"p=xpath://a[nofunc()]", 0, "column 5: unknown function nofunc()"},
    {"p=xpath://a[$v]", 0, "variables are not supported"},
    {"p=xpath://x:a", 0, "undefined namespace prefix"},
    {"p=xpath:", 0, "empty selector"},
    {"p=", 0, "selector expected"},
    {"=p", 0, "expected NAME=SELECTOR"},
    {"p", 0, "expected NAME=SELECTOR"},
    {"1p=p", 0, "expected NAME=SELECTOR"},
    {"a b=p", 0, "expected NAME=SELECTOR"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=p",
     0, "expected NAME=SELECTOR"},
    {"p=xpath:string(//title) and (1)", 1, NULL},
    {"p=xpath://a[contains(@href, 'x(')]", 1, NULL},
};

static void test_rules(void)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        struct cf_selector s;
        char err[CF_ERRSTR_LEN] = "";
        int rc = cf_selector_parse(rules[i].rule, &s, err);

        CHECKF((rc == CF_OK) == rules[i].ok, "'%s': rc %d (%s)",
               rules[i].rule, rc, err);
        if (rc == CF_OK && rules[i].xpath_or_err)
            CHECKF(strcmp(s.xpath, rules[i].xpath_or_err) == 0,
                   "'%s': xpath %s", rules[i].rule, s.xpath);
        if (rc != CF_OK)
            CHECKF(strstr(err, rules[i].xpath_or_err) != NULL,
                   "'%s': error '%s'", rules[i].rule, err);
        cf_selector_cleanup(&s);
    }
}

int main(void)
{
    test_select();
    test_shapes();
    test_bad();
    test_rules();
    return test_summary("test_css");
}
