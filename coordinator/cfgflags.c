/* cfgflags.c - config flags generated from the config field table. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cfgflags.h"
#include "err.h"

static int field_is_bool(size_t i)
{
    return cf_config_field_is_bool(i);
}

static char *dashed(const char *name)
{
    char *s = cf_strdup(name);

    for (char *p = s; *p; p++)
        if (*p == '_')
            *p = '-';
    return s;
}

static void add_flag(struct cfgflags *f, size_t *cap, char *name, size_t field,
                     int is_bool, const char *bool_value)
{
    if (f->nflags == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        f->flags = cf_realloc(f->flags, *cap * sizeof(*f->flags));
    }
    f->flags[f->nflags].name = name;
    f->flags[f->nflags].field = field;
    f->flags[f->nflags].is_bool = is_bool;
    f->flags[f->nflags].bool_value = bool_value;
    f->nflags++;
}

static void build_flags(struct cfgflags *f)
{
    size_t cap = 0;
    size_t n = cf_config_nfields();

    for (size_t i = 0; i < n; i++) {
        char *name = dashed(cf_config_field_name(i));
        size_t len = strlen(name);
        int is_bool = field_is_bool(i);
        const char *bare = cf_config_field_bare(i);

        add_flag(f, &cap, name, i, bare != NULL, bare ? bare : "1");
        if (len > 3 && strcmp(name + len - 3, "-ms") == 0)
            add_flag(f, &cap, cf_strndup(name, len - 3), i, 0, NULL);
        if (is_bool)
            add_flag(f, &cap, cf_asprintf("no-%s", name), i, 1, "0");
        if (strcmp(name, "obey-robots") == 0)
            add_flag(f, &cap, cf_strdup("no-robots"), i, 1, "0");
    }
}

void cfgflags_init(struct cfgflags *f, const struct option *cmd_opts)
{
    size_t ncmd = 0, k = 0;

    memset(f, 0, sizeof(*f));
    build_flags(f);
    while (cmd_opts && cmd_opts[ncmd].name)
        ncmd++;
    f->opts = cf_calloc(ncmd + f->nflags + 2, sizeof(*f->opts));
    for (size_t i = 0; i < ncmd; i++)
        f->opts[k++] = cmd_opts[i];
    f->opts[k].name = "config";
    f->opts[k].has_arg = required_argument;
    f->opts[k].val = CFGFLAGS_VAL_CONFIG;
    k++;
    for (size_t i = 0; i < f->nflags; i++) {
        f->opts[k].name = f->flags[i].name;
        f->opts[k].has_arg =
            f->flags[i].is_bool ? optional_argument : required_argument;
        f->opts[k].val = CFGFLAGS_VAL_BASE + (int)i;
        k++;
    }
}

void cfgflags_cleanup(struct cfgflags *f)
{
    for (size_t i = 0; i < f->nflags; i++)
        free(f->flags[i].name);
    for (size_t i = 0; i < f->nsets; i++)
        free(f->sets[i].value);
    free(f->flags);
    free(f->sets);
    free(f->opts);
    free(f->config_file);
    memset(f, 0, sizeof(*f));
}

/* 1 if s (may be NULL) is a value a word flag may take from the next
 * argument ("--text markdown"): a lower-case word, not an option or a
 * URL. */
static int word_value(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if (!(*s >= 'a' && *s <= 'z'))
            return 0;
    return 1;
}

int cfgflags_take(struct cfgflags *f, int c, const char *arg, char **argv)
{
    size_t i;

    if (c == CFGFLAGS_VAL_CONFIG) {
        free(f->config_file);
        f->config_file = cf_strdup(arg);
        return 1;
    }
    if (c < CFGFLAGS_VAL_BASE || c >= CFGFLAGS_VAL_BASE + (int)f->nflags)
        return 0;
    i = (size_t)(c - CFGFLAGS_VAL_BASE);
    f->sets = cf_realloc(f->sets, (f->nsets + 1) * sizeof(*f->sets));
    f->sets[f->nsets].flag = i;
    if (f->flags[i].is_bool && !arg && argv != NULL &&
        !cf_config_field_is_bool(f->flags[i].field) &&
        word_value(argv[optind])) {
        /* "--text markdown": a word field takes the next argument when it
         * is a word; a seed URL never is */
        arg = argv[optind++];
    }
    if (f->flags[i].is_bool && !arg)
        f->sets[f->nsets].value = cf_strdup(f->flags[i].bool_value);
    else if (f->flags[i].is_bool && /* --no-x=1 means x=0 */
             strcmp(f->flags[i].bool_value, "0") == 0 &&
             (strcmp(arg, "0") == 0 || strcmp(arg, "1") == 0))
        f->sets[f->nsets].value = cf_strdup(arg[0] == '1' ? "0" : "1");
    else
        f->sets[f->nsets].value = cf_strdup(arg ? arg : "");
    f->nsets++;
    return 1;
}

int cfgflags_given(const struct cfgflags *f)
{
    return f->nsets > 0 || f->config_file != NULL;
}

int cfgflags_apply(const struct cfgflags *f, struct cf_config *cfg,
                   char *errstr)
{
    char err[CF_ERRSTR_LEN];

    if (f->config_file &&
        cf_config_load_file(cfg, f->config_file, err) != CF_OK) {
        snprintf(errstr, CF_ERRSTR_LEN, "--config: %.200s", err);
        return CF_EINVAL;
    }
    for (size_t i = 0; i < f->nsets; i++) {
        const struct cfgflag *fl = &f->flags[f->sets[i].flag];
        const char *v = f->sets[i].value;

        if (cf_config_set(cfg, cf_config_field_name(fl->field), v, err) !=
            CF_OK) {
            snprintf(errstr, CF_ERRSTR_LEN, "bad value for --%.40s: %.180s",
                     fl->name, err);
            return CF_EINVAL;
        }
    }
    if (cf_config_check(cfg, err) != CF_OK) {
        snprintf(errstr, CF_ERRSTR_LEN, "%.250s", err);
        return CF_EINVAL;
    }
    return CF_OK;
}

void cfgflags_print_help(FILE *out)
{
    struct cf_config def;
    size_t n = cf_config_nfields();

    cf_config_init(&def);
    fprintf(out, "\nCrawl config flags (a new crawl's settings):\n");
    fprintf(out, "  --config FILE            read \"name = value\" lines "
                 "first; flags override them\n");
    for (size_t i = 0; i < n; i++) {
        char *name = dashed(cf_config_field_name(i));
        char *val = cf_config_field_value(&def, i);
        char left[64];
        size_t len = strlen(name);

        if (field_is_bool(i))
            snprintf(left, sizeof(left), "--[no-]%s", name);
        else if (cf_config_field_bare(i) != NULL)
            snprintf(left, sizeof(left), "--%s [V]", name);
        else if (len > 3 && strcmp(name + len - 3, "-ms") == 0)
            snprintf(left, sizeof(left), "--%.*s[-ms] MS", (int)(len - 3),
                     name);
        else
            snprintf(left, sizeof(left), "--%s V", name);
        fprintf(out, "  %-24s %s (default: %s)\n", left,
                cf_config_field_help(i), val ? val : "unset");
        free(val);
        free(name);
    }
    fprintf(out, "  %-24s same as --no-obey-robots\n", "--no-robots");
    cf_config_cleanup(&def);
}
