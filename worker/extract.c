/* extract.c - run a crawl's extraction plan over one page's tree. */
#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "alloc.h"
#include "err.h"
#include "text.h"

struct extract_plan {
    enum cf_text_mode text; /* CF_TEXT_OFF: no text */
    size_t text_max;        /* cap on the text */
};

struct extract_plan *extract_plan_new(const struct cf_config *cfg,
                                      char *errstr)
{
    struct extract_plan *p;
    enum cf_text_mode tm = cf_config_text_mode(cfg);

    errstr[0] = '\0';
    if (tm == CF_TEXT_OFF)
        return NULL;
    p = cf_calloc(1, sizeof(*p));
    p->text = tm;
    p->text_max = (size_t)cfg->text_max;
    return p;
}

void extract_plan_free(struct extract_plan *p)
{
    free(p);
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
