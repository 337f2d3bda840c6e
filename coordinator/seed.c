/* seed.c - crawlfleet seed: create a crawl and add seed URLs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "cfgflags.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "err.h"
#include "fp.h"
#include "frontier.h"
#include "keys.h"
#include "record.h"
#include "seed.h"
#include "url.h"

#define SEED_BATCH 500      /* seeds per push call */
#define SEED_LINE_MAX 65536 /* longest line read from a seed file */
#define SEED_MAX 10000000   /* seeds per command */
#define HOSTKEY_MAX 512
#define SEED_ECHO_MAX 200   /* characters of a rejected seed shown */

void seedlist_init(struct seedlist *s)
{
    memset(s, 0, sizeof(*s));
}

void seedlist_cleanup(struct seedlist *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->urls[i]);
    free(s->urls);
    free(s->flags);
    memset(s, 0, sizeof(*s));
}

/* A rejected seed as shown: at most SEED_ECHO_MAX characters, control
 * bytes as '?', and the length when cut. */
static void echo_seed(FILE *out, const char *text)
{
    size_t len = strlen(text);

    for (size_t i = 0; i < len && i < SEED_ECHO_MAX; i++) {
        unsigned char c = (unsigned char)text[i];

        fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
    }
    if (len > SEED_ECHO_MAX)
        fprintf(out, "... (%zu bytes)", len);
}

/* A seed with no scheme at all ("example.com", "localhost:8080/a") is
 * the commonest mistake: say what to add. "mailto:x" has one. */
static int lacks_scheme(const char *text)
{
    const char *colon = strchr(text, ':');

    if (strstr(text, "://"))
        return 0;
    return !colon || (colon[1] >= '0' && colon[1] <= '9');
}

void seedlist_add(struct seedlist *s, const char *text, size_t maxlen)
{
    seedlist_add_flags(s, text, maxlen, CF_REQ_SEED);
}

void seedlist_add_flags(struct seedlist *s, const char *text, size_t maxlen,
                        uint32_t flags)
{
    char *url = NULL;
    const char *why;
    int err;

    if (s->n >= SEED_MAX) {
        why = "over the limit of seeds per command";
        goto reject;
    }
    err = cf_url_normalize(NULL, text, maxlen, &url);
    if (err != CF_URL_OK) {
        why = lacks_scheme(text) ? "no scheme: add http:// or https://"
                                 : cf_url_strerror(err);
        goto reject;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->urls = cf_realloc(s->urls, s->cap * sizeof(*s->urls));
        s->flags = cf_realloc(s->flags, s->cap * sizeof(*s->flags));
    }
    s->flags[s->n] = flags;
    s->urls[s->n++] = url;
    return;
reject:
    fputs("rejected: ", stderr);
    echo_seed(stderr, text);
    fprintf(stderr, ": %s\n", why);
    s->rejected++;
}

/* Is this line text: no NUL byte, no control byte but tab and CR? A
 * seed file that is not text is a mistake to stop at, not millions of
 * rejections. */
static int line_is_text(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return 0;
    }
    return 1;
}

int seedlist_read(const char *cmd, struct seedlist *s, const char *path,
                  size_t maxlen)
{
    FILE *f = stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long long lineno = 0;
    int ret = CLI_OK;

    if (strcmp(path, "-") != 0) {
        f = fopen(path, "r");
        if (!f)
            return cli_fail(cmd, "cannot read %s: %s", path, strerror(errno));
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *p = line;

        lineno++;
        if (!line_is_text(line, (size_t)len)) {
            ret = cli_fail(cmd, "%s:%lld: not text (a binary file?); "
                                "nothing seeded",
                           f == stdin ? "stdin" : path, lineno);
            break;
        }
        if (len > SEED_LINE_MAX) {
            fprintf(stderr, "rejected: %s:%lld: line of %zd bytes\n", path,
                    lineno, len);
            s->rejected++;
            continue;
        }
        while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
                           p[len - 1] == ' ' || p[len - 1] == '\t'))
            p[--len] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        seedlist_add(s, p, maxlen);
    }
    if (ret == CLI_OK && ferror(f))
        ret = cli_fail(cmd, "error reading %s: %s", path, strerror(errno));
    free(line);
    if (f != stdin)
        fclose(f);
    return ret;
}

int seed_create(const char *cmd, redisContext *rc, const char *crawl,
                const struct cf_config *cfg, int *created)
{
    struct cf_cmd c;
    char err[CF_ERRSTR_LEN];
    redisReply *r;
    int ret = CLI_FAIL;

    cf_cmd_init(&c);
    cf_frontier_create_cmd(&c, crawl, cfg, cf_wall_ms());
    r = cf_frontier_call(rc, &c, err);
    if (!r) {
        cli_fail(cmd, "cannot create crawl '%s': %s", crawl, err);
        goto out;
    }
    *created = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    r = cli_redis(cmd, rc, "SADD %s %s", CF_KEY_CRAWLS, crawl);
    if (!r)
        goto out;
    freeReplyObject(r);
    ret = CLI_OK;
out:
    cf_cmd_cleanup(&c);
    return ret;
}

/* Encode one seed as a request and a link into recs/links[i]. */
static int make_link(const char *url, uint32_t flags, int64_t now,
                     struct cf_buf *rec, char *hostkey, struct cf_link *link)
{
    struct cf_request req;

    memset(&req, 0, sizeof(req));
    req.url = (char *)url;
    req.depth = 0;
    req.priority = 0;
    req.discovered_ms = now;
    req.flags = flags;
    if (cf_request_encode(&req, rec) != CF_OK)
        return CF_ETOOBIG;
    if (cf_url_hostkey(url, hostkey, HOSTKEY_MAX) != 0)
        return CF_EINVAL;
    link->fp = cf_fp(url, strlen(url));
    link->hostkey = hostkey;
    link->priority = 0;
    link->rec = rec->data;
    link->rec_len = rec->len;
    return CF_OK;
}

static int push_batch(const char *cmd, redisContext *rc, const char *crawl,
                      char **urls, const uint32_t *fl, size_t n,
                      size_t *fresh, size_t *dup)
{
    struct cf_buf *recs = cf_calloc(n, sizeof(*recs));
    char(*hostkeys)[HOSTKEY_MAX] = cf_calloc(n, sizeof(*hostkeys));
    struct cf_link *links = cf_calloc(n, sizeof(*links));
    int *is_new = cf_calloc(n, sizeof(*is_new));
    char err[CF_ERRSTR_LEN];
    int64_t now = cf_wall_ms();
    struct cf_cmd c;
    redisReply *r = NULL;
    int ret = CLI_FAIL;

    cf_cmd_init(&c);
    for (size_t i = 0; i < n; i++) {
        cf_buf_init(&recs[i], 1 << 20);
        if (make_link(urls[i], fl[i], now, &recs[i], hostkeys[i],
                      &links[i])) {
            cli_fail(cmd, "cannot encode seed %s", urls[i]);
            goto out;
        }
    }
    cf_frontier_push_cmd(&c, crawl, now, links, n, 1);
    r = cf_frontier_call(rc, &c, err);
    if (!r) {
        cli_fail(cmd, "cannot push seeds: %s", err);
        /* the crawl itself refused (another frontier layout): a rerun
         * cannot help */
        if (strstr(err, "ERR crawl uses frontier layout"))
            ret = CLI_USAGE;
        goto out;
    }
    if (cf_frontier_push_parse(r, n, is_new, err) != CF_OK) {
        cli_fail(cmd, "bad push reply: %s", err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_new[i])
            (*fresh)++;
        else
            (*dup)++;
    }
    ret = CLI_OK;
out:
    if (r)
        freeReplyObject(r);
    for (size_t i = 0; i < n; i++)
        cf_buf_cleanup(&recs[i]);
    cf_cmd_cleanup(&c);
    free(recs);
    free(hostkeys);
    free(links);
    free(is_new);
    return ret;
}

int seed_push(const char *cmd, redisContext *rc, const char *crawl,
              const struct seedlist *s, size_t *fresh, size_t *dup)
{
    for (size_t i = 0; i < s->n; i += SEED_BATCH) {
        size_t n = s->n - i < SEED_BATCH ? s->n - i : SEED_BATCH;
        int rv = push_batch(cmd, rc, crawl, s->urls + i, s->flags + i, n,
                            fresh, dup);

        if (rv)
            return rv;
    }
    return CLI_OK;
}

static const struct option seed_opts[] = {
    {"crawl", required_argument, NULL, 'c'},
    {"file", required_argument, NULL, 'f'},
    {"sitemap", required_argument, NULL, 'S'},
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_seed(int argc, char **argv)
{
    const char *cmd = "seed";
    struct cfgflags flags;
    struct cf_config cfg;
    struct seedlist seeds;
    char err[CF_ERRSTR_LEN], warn[CF_ERRSTR_LEN];
    const char *crawl = "default", *file = NULL, *redis = NULL;
    redisContext *rc = NULL;
    char state[32];
    size_t fresh = 0, dup = 0, nsitemaps = 0;
    const char **sitemaps = cf_calloc((size_t)argc + 1, sizeof(*sitemaps));
    int created = 0, ret = CLI_FAIL, c, st, pushed;

    cfgflags_init(&flags, seed_opts);
    cf_config_init(&cfg);
    seedlist_init(&seeds);
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":c:f:h", flags.opts, NULL)) != -1) {
        if (cfgflags_take(&flags, c, optarg, argv))
            continue;
        switch (c) {
        case 'c':
            crawl = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'S':
            sitemaps[nsitemaps++] = optarg;
            break;
        case 'R':
            redis = optarg;
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            ret = CLI_OK;
            goto out;
        default:
            ret = cli_bad_option(cmd, c, argv);
            goto out;
        }
    }
    ret = cli_check_name(cmd, crawl);
    if (ret)
        goto out;
    if (cfgflags_apply(&flags, &cfg, err) != CF_OK) {
        ret = cli_usage(cmd, "%s", err);
        goto out;
    }
    if (cfg.insecure)
        cli_warn(cmd, "--insecure: TLS certificate checks are OFF for this "
                      "crawl; its https results carry the flag 'insecure'");
    if (optind >= argc && !file && nsitemaps == 0) {
        ret = cli_usage(cmd, "no seed URLs (give URLs, -f FILE, - or "
                             "--sitemap URL)");
        goto out;
    }
    ret = CLI_FAIL;
    for (size_t i = 0; i < nsitemaps; i++)
        seedlist_add_flags(&seeds, sitemaps[i], (size_t)cfg.max_url_len,
                           CF_REQ_SEED | CF_REQ_SITEMAP);
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            if (seedlist_read(cmd, &seeds, "-", (size_t)cfg.max_url_len))
                goto out;
        } else {
            seedlist_add(&seeds, argv[i], (size_t)cfg.max_url_len);
        }
    }
    if (file && seedlist_read(cmd, &seeds, file, (size_t)cfg.max_url_len))
        goto out;
    if (seeds.n == 0) {
        cli_fail(cmd, "no valid seed URLs (%zu rejected)", seeds.rejected);
        goto out;
    }
    rc = cli_connect(cmd, redis);
    if (!rc) {
        ret = cli_connect_err;
        goto out;
    }
    if (cf_frontier_check_redis(rc, warn))
        cli_warn(cmd, "%s", warn);
    st = cli_crawl_state(cmd, rc, crawl, state, sizeof(state));
    if (st == CF_EREDIS)
        goto out;
    if (st == CF_OK && strcmp(state, "cancelled") == 0) {
        cli_fail(cmd, "crawl '%s' is cancelled and takes no seeds", crawl);
        goto out;
    }
    if (seed_create(cmd, rc, crawl, &cfg, &created))
        goto out;
    if (!created && cfgflags_given(&flags))
        cli_warn(cmd, "crawl '%s' exists; its config is unchanged", crawl);
    pushed = seed_push(cmd, rc, crawl, &seeds, &fresh, &dup);
    if (pushed == CLI_USAGE)
        goto out; /* the crawl refused them: said why */
    if (pushed != CLI_OK) {
        /* what went in stays (seeds are deduplicated): a rerun adds the
         * rest and counts these as duplicates */
        cli_warn(cmd, "crawl '%s' has %zu of the %zu seeds; run the same "
                 "command again to add the rest", crawl, fresh + dup,
                 seeds.n);
        goto out;
    }
    printf("%zu new, %zu duplicate, %zu rejected\n", fresh, dup,
           seeds.rejected);
    ret = CLI_OK;
out:
    if (rc)
        redisFree(rc);
    seedlist_cleanup(&seeds);
    cf_config_cleanup(&cfg);
    cfgflags_cleanup(&flags);
    free(sitemaps);
    return ret;
}
