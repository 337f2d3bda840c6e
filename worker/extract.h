/* extract.h - what the crawl asks to take out of a page: readable text,
 * the --extract fields and JSON-LD blocks.
 *
 * A plan is made once per crawl config (extract_plan_new) and run on the
 * gumbo tree of each HTML page (parse.h's tree_cb: the page stage asks
 * for the whole tree only when a plan exists, so a crawl that asks for
 * nothing keeps the squeezed fast path). */
#ifndef WORKER_EXTRACT_H
#define WORKER_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "record.h"

struct extract_plan;

/* What one page gave. Strings are heap; extract_out_cleanup frees. */
struct extract_out {
    char *text;               /* readable text, or NULL when not asked */
    struct cf_field *fields;  /* one per rule, in rule order */
    size_t nfields;
    char **jsonld;            /* blocks that parse as JSON, as written */
    size_t njsonld;
    uint32_t flags;           /* CF_RES_TEXT_TRUNCATED,
                               * CF_RES_FIELDS_TRUNCATED */
    char *error;              /* why a field could not be evaluated
                               * ("price: XPath step limit"), or NULL */
};

/* The plan for cfg: NULL when cfg asks for no text, field or JSON-LD
 * (errstr ""), or when a rule does not compile (errstr says which; the
 * seed and crawl commands refuse such configs, so a worker sees this
 * only for a config written by other means). */
struct extract_plan *extract_plan_new(const struct cf_config *cfg,
                                      char *errstr);
void extract_plan_free(struct extract_plan *p);

/* Run p over doc (the GumboNode * of a parsed document) whose base URL
 * is base (may be NULL). Fills *out (zeroed first). Never fails as a
 * whole: a field whose evaluation fails is left empty and named in
 * out->error. */
void extract_run(const struct extract_plan *p, const void *doc,
                 const char *base, struct extract_out *out);
void extract_out_cleanup(struct extract_out *o);

#endif
