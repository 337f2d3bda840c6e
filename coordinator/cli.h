/* cli.h - what every crawlfleet subcommand shares: the command table
 * entry, exit codes, one-line errors, Redis connection and small Redis
 * helpers for the synchronous CLI. */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "config.h"

#define CLI_PROG "crawlfleet"
#define CLI_VERSION CF_VERSION

/* Exit codes (docs/cli.md). */
enum cli_exit {
    CLI_OK = 0,
    CLI_FAIL = 1,
    CLI_USAGE = 2,
    CLI_NOPAGES = 3, /* crawl: done, but not one page succeeded */
    CLI_INTERRUPTED = 130,
};

/* One subcommand. */
struct command {
    const char *name;                  /* "seed" */
    int (*run)(int argc, char **argv); /* argv[0] is the name */
    const char *summary;               /* one line for the overview */
    const char *help;                  /* full text for --help */
    int config_flags;                  /* 1: also takes the config flags */
};

/* The command table (main.c). */
const struct command *cli_command_find(const char *name);

/* The overview of all commands (crawlfleet --help). */
void cli_print_overview(FILE *out);

/* Print `--help` for cmd on stdout (with the config flags if it takes
 * them). */
void cli_print_help(const struct command *cmd);

/* "crawlfleet <cmd>: <msg>" on stderr; return CLI_USAGE / CLI_FAIL. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_warn(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Report a getopt_long error ('?' or ':') for argv at optind; returns
 * CLI_USAGE. */
int cli_bad_option(const char *cmd, int c, char **argv);

/* Parse a non-negative integer flag value within [min, max]; 0 or -1. */
int cli_parse_int(const char *s, long long min, long long max, long long *out);

/* Connect to the Redis named by flag (or CRAWLFLEET_REDIS, or the
 * default); on failure prints one line and returns NULL. */
redisContext *cli_connect(const char *cmd, const char *flag);
/* Why the last cli_connect() failed: CLI_USAGE (bad address) or
 * CLI_FAIL (unreachable). */
extern int cli_connect_err;

/* Run a command; on an I/O or error reply print one line for cmd and
 * return NULL (the reply is freed). */
redisReply *cli_redis(const char *cmd, redisContext *rc, const char *fmt, ...);

/* The crawl's state ("running", ...) into state (len bytes). 0, or
 * CF_ENOTFOUND when the crawl does not exist, or CF_EREDIS (printed). */
int cli_crawl_state(const char *cmd, redisContext *rc, const char *crawl,
                    char *state, size_t len);

/* Resolve an optional crawl name: name if given (checked to exist),
 * else the only crawl in cf:crawls. Prints the error; returns a heap
 * name or NULL with *rc_exit set. */
char *cli_pick_crawl(const char *cmd, redisContext *rc, const char *name,
                     int *rc_exit);

/* Check a crawl name; prints the error. 0 or CLI_USAGE. */
int cli_check_name(const char *cmd, const char *name);
/* The one crawl NAME left in argv after the options (argv[optind], none
 * after it), checked; *name points into argv. 0 or CLI_USAGE (printed). */
int cli_name_arg(const char *cmd, int argc, char **argv, int optind,
                 const char **name);

/* Set by the SIGINT/SIGTERM handler installed by cli_catch_signals(). */
extern volatile int cli_interrupted;
void cli_catch_signals(void);

/* Sleep up to ms, returning early when interrupted. */
void cli_nap(int ms);

/* Where a command's -o output goes. A regular file (or a name that does
 * not exist yet) is written as NAME.tmp beside it and renamed over it
 * when complete, so a reader never sees half of it; a symlink is followed
 * first (the link stays, its target is replaced). Anything else that can
 * be opened for writing (a device such as /dev/null, a FIFO, a terminal)
 * and "-" or NULL (stdout) is written in place. */
struct cli_out {
    FILE *f;    /* where to write */
    char *name; /* the name given, for messages; NULL for stdout */
    char *path; /* the file renamed into; NULL when written in place */
    char *tmp;  /* path.tmp while it is being written, else NULL */
};
/* Open path (see above). A directory, an empty name, a symlink loop or a
 * file that cannot be created is refused with one line: CLI_USAGE for
 * the empty name, else CLI_FAIL; nothing is left behind then. */
int cli_out_open(const char *cmd, struct cli_out *o, const char *path);
/* The same, but a NAME.tmp left by an earlier run is kept (not emptied):
 * a writer that checkpoints (gexport.h) cuts it back itself. */
int cli_out_open_keep(const char *cmd, struct cli_out *o, const char *path);
/* CLI_FAIL (printed) when a write to o has failed so far (disk full,
 * a closed pipe), else CLI_OK: lets a long writer stop early. */
int cli_out_check(const char *cmd, struct cli_out *o);
/* Flush and close; for a tmp file also fsync and rename into place. 0 or
 * CLI_FAIL (printed); on failure the tmp file is removed. */
int cli_out_commit(const char *cmd, struct cli_out *o);
/* Close without renaming; remove the tmp file unless keep is set (an
 * interrupted crawl keeps what it wrote so far in NAME.tmp). */
void cli_out_abort(struct cli_out *o, int keep);

#endif
