/* commands.c - the table of crawlfleet subcommands with their help. */
#include <stdio.h>
#include <string.h>

#include "cfgflags.h"
#include "cli.h"
#include "commands.h"

#define REDIS_HELP                                                             \
    "  --redis URL            Redis address (redis://[user:pass@]host:port"    \
    "/db,\n"                                                                   \
    "                         unix:///path); default $CRAWLFLEET_REDIS, "      \
    "else\n"                                                                   \
    "                         redis://127.0.0.1:6379\n"                        \
    "  -h, --help             this help\n"

static const struct command commands[] = {
    {"crawl", cmd_crawl, "crawl URLs on this machine, results as JSON Lines",
     "Usage: crawlfleet crawl URL... [options] [-o FILE]\n"
     "\n"
     "Crawl on this machine: starts a private redis-server (state in\n"
     "--state-dir), local workers and the coordinator loop; writes every\n"
     "result as one JSON line to FILE (via FILE.tmp, renamed when done) or\n"
     "stdout; shows progress on stderr when it is a terminal; exits 0 when\n"
     "the crawl is done. Ctrl-C stops cleanly (exit 130); the same command\n"
     "with --resume continues it.\n"
     "\n"
     "  -o, --output FILE      write results to FILE (default stdout)\n"
     "  --sitemap URL          a sitemap (or index) to read as a seed; "
     "repeatable\n"
     "  --workers N            local worker processes (default: one per "
     "core)\n"
     "  --concurrency N        fetches in flight per worker\n"
     "  --name NAME            crawl name (default: from the first URL's "
     "host)\n"
     "  --state-dir DIR        default ./.crawlfleet/NAME\n"
     "  --resume               continue the crawl kept in the state dir\n"
     "  --fresh                delete the state dir first and start over\n"
     "  --keep-state           keep the state dir after a crawl that is "
     "done\n"
     "  -q, --quiet            no progress line\n"
     "  --redis URL            use this Redis instead of a private one\n"
     "  -h, --help             this help\n",
     1},
    {"seed", cmd_seed, "create a crawl and/or add seed URLs",
     "Usage: crawlfleet seed [--crawl NAME] [config flags] URL... | -f FILE "
     "| -\n"
     "\n"
     "Creates the crawl if it is new (with the config from the flags or\n"
     "--config FILE) and adds the seeds (from arguments, FILE or stdin for\n"
     "'-', one per line, '#' comments). Every URL and flag is checked\n"
     "before anything is written. Prints 'N new, N duplicate, N rejected'.\n"
     "\n"
     "  --crawl NAME           crawl name (default: default)\n"
     "  -f, --file FILE        read seed URLs from FILE\n"
     "  --sitemap URL          a sitemap (or sitemap index) to read as a "
     "seed;\n"
     "                         repeatable\n" REDIS_HELP,
     1},
    {"status", cmd_status, "show a crawl's progress",
     "Usage: crawlfleet status [NAME] [--json]\n"
     "\n"
     "State, counters, pages/s over the last minute, ETA and live workers.\n"
     "NAME may be left out when there is only one crawl.\n"
     "\n"
     "  --json                 one JSON object\n" REDIS_HELP,
     0},
    {"watch", cmd_watch, "show status refreshed live until done",
     "Usage: crawlfleet watch [NAME] [--interval MS]\n"
     "\n"
     "The status, redrawn every second with a progress bar, until the crawl\n"
     "is done (exit 0) or Ctrl-C (exit 130).\n"
     "\n"
     "  --interval MS          refresh period (default 1000)\n" REDIS_HELP,
     0},
    {"pause", cmd_control, "pause a crawl (workers take nothing new)",
     "Usage: crawlfleet pause NAME\n\n" REDIS_HELP, 0},
    {"resume", cmd_control, "resume a paused crawl",
     "Usage: crawlfleet resume NAME\n\n" REDIS_HELP, 0},
    {"cancel", cmd_control, "cancel a crawl for good",
     "Usage: crawlfleet cancel NAME\n\n" REDIS_HELP, 0},
    {"delete", cmd_delete, "remove every key of a crawl",
     "Usage: crawlfleet delete NAME [--yes] [--force]\n"
     "\n"
     "Removes every cf:{NAME}:* key and NAME from cf:crawls, after a\n"
     "confirmation on the terminal. A running or paused crawl is refused\n"
     "unless --force, which cancels it first (its workers drop what they\n"
     "hold for it).\n"
     "\n"
     "  -y, --yes              do not ask (needed when stdin is not a "
     "terminal)\n"
     "  -f, --force            also a running or paused crawl\n" REDIS_HELP,
     0},
    {"list", cmd_list, "list crawls",
     "Usage: crawlfleet list [--json]\n\n"
     "  --json                 one JSON object per line\n" REDIS_HELP,
     0},
    {"workers", cmd_workers, "list live workers",
     "Usage: crawlfleet workers [--json]\n\n"
     "Workers that sent a heartbeat recently (cf:worker:* keys).\n\n"
     "  --json                 one JSON object per line\n" REDIS_HELP,
     0},
    {"dead", cmd_dead, "show dead letters, or requeue them",
     "Usage: crawlfleet dead NAME [--requeue] [--limit N]\n"
     "\n"
     "Requests that failed max_attempts times, as JSON Lines.\n"
     "\n"
     "  --requeue              put them back in the frontier\n"
     "  --limit N              show at most N (default 1000)\n" REDIS_HELP,
     0},
    {"export", cmd_export,
     "write a crawl's results as JSON Lines, CSV or a CDXJ index",
     "Usage: crawlfleet export NAME [--format jsonl|csv|cdxj] [--follow]\n"
     "       [--group G] [--consumer C] [--claim-idle MS] [-o FILE]\n"
     "\n"
     "Reads the results stream from the start. With --follow, reads it\n"
     "through consumer group G until the crawl is done: writes durably\n"
     "(fsync at least every second, a checkpoint in FILE.tmp.cursor),\n"
     "acknowledges what it wrote and trims the stream below what every\n"
     "group still needs. Exporters of one group share the results; one\n"
     "restarted with the same consumer and FILE goes on where it was.\n"
     "Results an exporter read and never acknowledged (it died and was\n"
     "not started again) are taken over by a live one once idle for\n"
     "--claim-idle; the dead one's FILE.tmp holds its results up to the\n"
     "size in its checkpoint (docs/cli.md). A live exporter ends when\n"
     "the crawl is done and no result of the group is left unacknowledged.\n"
     "\n"
     "  --format F             jsonl (default), csv or cdxj (archived\n"
     "                         pages, sorted; not with --follow)\n"
     "  --follow               consume results until the crawl is done\n"
     "  --group G              consumer group (default export)\n"
     "  --consumer C           consumer name (default HOST:FILE)\n"
     "  --claim-idle MS        take over results other consumers left\n"
     "                         unacknowledged this long (default 60000;\n"
     "                         0: never, and do not wait for them)\n"
     "  -o, --output FILE      write to FILE (via FILE.tmp) instead of "
     "stdout\n" REDIS_HELP,
     0},
    {"run", cmd_run, "the coordinator daemon (reaper, rates, /metrics)",
     "Usage: crawlfleet run [--metrics-port P] [--interval MS] [--once]\n"
     "\n"
     "Every interval, for every crawl: re-queue expired leases and sample\n"
     "progress into cf:{C}:rate. Serves /metrics (Prometheus), /livez and\n"
     "/readyz (/healthz: the same as /readyz).\n"
     "Any number may run at once. SIGTERM or Ctrl-C stops it (exit 0).\n"
     "\n"
     "  --metrics-port P       HTTP port (default 9464; 0: none)\n"
     "  --metrics-addr A       bind address (default 0.0.0.0)\n"
     "  --interval MS          tick period (default 1000)\n"
     "  --once                 one tick, then exit\n" REDIS_HELP,
     0},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct command *cli_command_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_print_help(const struct command *cmd)
{
    fputs(cmd->help, stdout);
    if (cmd->config_flags)
        cfgflags_print_help(stdout);
}

void cli_print_overview(FILE *out)
{
    fprintf(out, "Usage: crawlfleet COMMAND [options]\n\n"
                 "A distributed web crawler. Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'crawlfleet COMMAND --help' for a command's options. "
                 "Exit codes: 0 ok,\n1 failure, 2 usage error, 130 "
                 "interrupted. Version: crawlfleet --version.\n");
}
