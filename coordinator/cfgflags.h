/* cfgflags.h - command-line flags for every crawl config field.
 *
 * The flags come from common/config.h's field table, not from a list
 * here: field max_depth is --max-depth N; a field in milliseconds also
 * answers without its unit (--delay 500 for delay_ms); a 0/1 field is a
 * switch (--obey-robots, --obey-robots=0, --no-obey-robots), and
 * --no-robots is --obey-robots=0. --config FILE loads a config file
 * first; the flags then override it, in command-line order. */
#ifndef CFGFLAGS_H
#define CFGFLAGS_H

#include <getopt.h>
#include <stdio.h>

#include "config.h"

/* getopt_long values of generated options start here. */
#define CFGFLAGS_VAL_BASE 1000
#define CFGFLAGS_VAL_CONFIG 999

/* One generated flag. */
struct cfgflag {
    char *name;             /* flag without "--", heap */
    size_t field;           /* index into the config table */
    int is_bool;            /* 1: optional value, default value below */
    const char *bool_value; /* "1" or "0" for switches */
};

/* A parsed setting, applied after the config file. */
struct cfgset {
    size_t flag; /* index into flags */
    char *value; /* heap */
};

struct cfgflags {
    struct option *opts;   /* command options + generated + {0} */
    struct cfgflag *flags; /* generated flags */
    size_t nflags;
    struct cfgset *sets; /* settings seen so far */
    size_t nsets;
    char *config_file; /* --config FILE, or NULL */
};

/* Build the option array: the command's own options (cmd_opts,
 * terminated by a zero entry, copied) followed by --config and the
 * config flags. */
void cfgflags_init(struct cfgflags *f, const struct option *cmd_opts);
void cfgflags_cleanup(struct cfgflags *f);

/* Handle getopt_long's return c (with optarg). A flag with an optional
 * word value given without one ("--text markdown") takes argv[optind]
 * when it is a lower-case word (and advances optind); argv may be NULL.
 * Returns 1 if c was a config flag (recorded), 0 if it is the command's
 * own. */
int cfgflags_take(struct cfgflags *f, int c, const char *arg, char **argv);

/* 1 if any config flag or --config was given. */
int cfgflags_given(const struct cfgflags *f);

/* Fill cfg: defaults, then the config file, then the flags. On a bad
 * value returns CF_EINVAL with errstr naming the flag. */
int cfgflags_apply(const struct cfgflags *f, struct cf_config *cfg,
                   char *errstr);

/* Print the flags with their help and defaults. */
void cfgflags_print_help(FILE *out);

#endif
