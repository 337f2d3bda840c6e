/* scope.c - the crawl's link filter, compiled once per config. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "config.h"
#include "err.h"
#include "scope.h"
#include "url.h"

#define HOST_MAX 300

enum rule { RULE_HOST, RULE_DOMAIN, RULE_HOSTS, RULE_ANY };

struct hostent {
    char *host; /* lower case host ("[::1]" for IPv6) */
    int port;   /* 0: any port */
};

#define EXT_MAX 16 /* longest extension compared (config check) */
#define EXT_SLOTS_MIN 64 /* fewest hash slots of the skipped extensions */

/* The skipped extensions as a hash set: a page has ~100 links and each
 * one's extension was looked up by a scan of the whole comma list (67
 * entries by default), 3,100 instructions a link, 9% of the page stage
 * on rust-doc (callgrind, bench/page_bench.c); a probe is ~40. */
struct extent {
    unsigned char n;     /* length; 0 = empty slot */
    char s[EXT_MAX];     /* lower case, not terminated */
};

struct scope {
    enum rule rule;          /* the scope rule */
    struct hostent *hosts;   /* RULE_HOSTS entries */
    size_t nhosts;           /* entries in hosts */
    regex_t include;         /* valid when has_include */
    regex_t exclude;         /* valid when has_exclude */
    int has_include;         /* include was set */
    int has_exclude;         /* exclude was set */
    char *skip_ext;          /* extensions not queued (comma list) */
    struct extent *ext;      /* skip_ext as a set of ext_mask + 1 slots
                                (a power of 2); NULL: "none" or empty */
    size_t ext_mask;         /* slots - 1 */
    int64_t max_depth;       /* -1 unlimited */
};

static const char *const verdicts[] = {"in", "out", "too_deep", "skip_ext",
                                       "bad_url"};

const char *scope_verdict_name(enum scope_verdict v)
{
    if ((unsigned)v < sizeof(verdicts) / sizeof(verdicts[0]))
        return verdicts[v];
    return "unknown";
}

/* The lower-case extension of the last path segment of split URL p into
 * low (EXT_MAX bytes); its length, 0 when none or longer than EXT_MAX. */
static size_t url_ext(const struct cf_url_parts *p, char low[EXT_MAX])
{
    const char *path = p->path, *end, *dot = NULL;
    size_t n, i;

    end = memchr(path, '?', p->path_len);
    if (end == NULL)
        end = path + p->path_len;
    /* the last '.' after the last '/' */
    for (i = (size_t)(end - path); i > 0; i--) {
        if (path[i - 1] == '/')
            break;
        if (path[i - 1] == '.') {
            dot = path + i - 1;
            break;
        }
    }
    if (dot == NULL)
        return 0;
    dot++;
    n = (size_t)(end - dot);
    if (n == 0 || n > EXT_MAX)
        return 0;
    for (i = 0; i < n; i++)
        low[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] | 0x20
                                                       : dot[i]);
    return n;
}

/* 1 if ext[0..n) is an entry of the comma-separated list. */
static int ext_listed(const char *list, const char *ext, size_t n)
{
    while (list && *list) {
        size_t k = strcspn(list, ",");

        if (k == n && memcmp(list, ext, n) == 0)
            return 1;
        list += k;
        if (*list == ',')
            list++;
    }
    return 0;
}

int scope_skipped_ext(const char *url)
{
    struct cf_url_parts p;
    char low[EXT_MAX];
    size_t n;

    if (cf_url_split(url, &p) != 0)
        return 0;
    n = url_ext(&p, low);
    return n > 0 && ext_listed(CF_SKIP_EXT_DEFAULT, low, n);
}

static size_t ext_hash(const char *s, size_t n)
{
    unsigned h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* 1 if the lower-case ext[0..n) is in the set of mask + 1 slots. */
static int ext_in(const struct extent *set, size_t mask, const char *ext,
                  size_t n)
{
    size_t i = ext_hash(ext, n) & mask;

    while (set[i].n != 0) {
        if (set[i].n == n && memcmp(set[i].s, ext, n) == 0)
            return 1;
        i = (i + 1) & mask;
    }
    return 0;
}

/* The comma list into s->ext, at most half full; entries over EXT_MAX
 * bytes can match no extension (url_ext gives none that long) and are
 * left out. None when the list is empty or "none". */
static void ext_compile(struct scope *s, const char *list)
{
    size_t slots = EXT_SLOTS_MIN, entries = 1;

    if (strcmp(list, "none") == 0 || *list == '\0')
        return;
    for (const char *p = list; *p; p++)
        entries += *p == ',';
    while (slots < 2 * entries)
        slots *= 2;
    s->ext = cf_calloc(slots, sizeof(*s->ext));
    s->ext_mask = slots - 1;
    while (*list) {
        size_t k = strcspn(list, ","), i, h;
        char low[EXT_MAX];

        if (k > 0 && k <= EXT_MAX) {
            for (i = 0; i < k; i++)
                low[i] = (char)(list[i] >= 'A' && list[i] <= 'Z'
                                    ? list[i] | 0x20 : list[i]);
            if (!ext_in(s->ext, s->ext_mask, low, k)) {
                h = ext_hash(low, k) & s->ext_mask;
                while (s->ext[h].n != 0)
                    h = (h + 1) & s->ext_mask;
                s->ext[h].n = (unsigned char)k;
                memcpy(s->ext[h].s, low, k);
            }
        }
        list += k;
        if (*list == ',')
            list++;
    }
}

/* "a.example,b.example:8080,[::1]:80" into s->hosts. */
static int parse_hosts(struct scope *s, const char *list, char *errstr)
{
    const char *p = list;

    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = NULL, *q;
        struct hostent *h;
        size_t hl = n, i;
        int port = 0;

        if (p[0] == '[') {
            const char *rb = memchr(p, ']', n);
            if (rb != NULL && (size_t)(rb - p) + 1 < n && rb[1] == ':')
                colon = rb + 1;
        } else {
            colon = memchr(p, ':', n);
        }
        if (colon != NULL) {
            hl = (size_t)(colon - p);
            for (q = colon + 1; q < p + n; q++) {
                if (*q < '0' || *q > '9' || port > 65535)
                    goto bad;
                port = port * 10 + (*q - '0');
            }
            if (port < 1 || port > 65535)
                goto bad;
        }
        if (hl == 0)
            goto bad;
        s->hosts = cf_realloc(s->hosts, (s->nhosts + 1) * sizeof(*h));
        h = &s->hosts[s->nhosts++];
        h->host = cf_strndup(p, hl);
        for (i = 0; i < hl; i++)
            if (h->host[i] >= 'A' && h->host[i] <= 'Z')
                h->host[i] = (char)(h->host[i] - 'A' + 'a');
        h->port = port;
        p += n;
        if (*p == ',')
            p++;
        continue;
    bad:
        snprintf(errstr, CF_ERRSTR_LEN, "scope: bad host entry: %.*s",
                 (int)n, p);
        return CF_EINVAL;
    }
    if (s->nhosts == 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "scope: empty host list");
        return CF_EINVAL;
    }
    return CF_OK;
}

static int compile(regex_t *re, const char *pat, const char *name,
                   char *errstr)
{
    char msg[128];
    int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);

    if (rc == 0)
        return CF_OK;
    regerror(rc, re, msg, sizeof(msg));
    regfree(re);
    snprintf(errstr, CF_ERRSTR_LEN, "%s: bad regex: %s", name, msg);
    return CF_EINVAL;
}

struct scope *scope_new(const struct cf_config *cfg, char *errstr)
{
    struct scope *s = cf_calloc(1, sizeof(*s));
    const char *rule = cfg->scope != NULL ? cfg->scope : "host";

    s->max_depth = cfg->max_depth;
    s->skip_ext = cf_strdup(cfg->skip_ext ? cfg->skip_ext
                                          : CF_SKIP_EXT_DEFAULT);
    ext_compile(s, s->skip_ext);
    if (strcmp(rule, "host") == 0) {
        s->rule = RULE_HOST;
    } else if (strcmp(rule, "domain") == 0) {
        s->rule = RULE_DOMAIN;
    } else if (strcmp(rule, "any") == 0) {
        s->rule = RULE_ANY;
    } else if (strncmp(rule, "hosts:", 6) == 0) {
        s->rule = RULE_HOSTS;
        if (parse_hosts(s, rule + 6, errstr) != CF_OK)
            goto fail;
    } else {
        snprintf(errstr, CF_ERRSTR_LEN, "scope: unknown rule: %s", rule);
        goto fail;
    }
    if (cfg->include != NULL && cfg->include[0] != '\0') {
        if (compile(&s->include, cfg->include, "include", errstr) != CF_OK)
            goto fail;
        s->has_include = 1;
    }
    if (cfg->exclude != NULL && cfg->exclude[0] != '\0') {
        if (compile(&s->exclude, cfg->exclude, "exclude", errstr) != CF_OK)
            goto fail;
        s->has_exclude = 1;
    }
    return s;
fail:
    scope_free(s);
    return NULL;
}

void scope_free(struct scope *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nhosts; i++)
        free(s->hosts[i].host);
    free(s->hosts);
    if (s->has_include)
        regfree(&s->include);
    if (s->has_exclude)
        regfree(&s->exclude);
    free(s->skip_ext);
    free(s->ext);
    free(s);
}

static int same_domain(const struct cf_url_parts *a,
                       const struct cf_url_parts *b)
{
    char ha[HOST_MAX], hb[HOST_MAX], ra[HOST_MAX], rb[HOST_MAX];

    if (a->host_len >= HOST_MAX || b->host_len >= HOST_MAX)
        return 0;
    memcpy(ha, a->host, a->host_len);
    ha[a->host_len] = '\0';
    memcpy(hb, b->host, b->host_len);
    hb[b->host_len] = '\0';
    if (cf_url_registrable(ha, ra, sizeof(ra)) != 0 ||
        cf_url_registrable(hb, rb, sizeof(rb)) != 0)
        return 0;
    return strcmp(ra, rb) == 0;
}

static int host_listed(const struct scope *s, const struct cf_url_parts *l)
{
    size_t i;

    for (i = 0; i < s->nhosts; i++) {
        const struct hostent *h = &s->hosts[i];
        if (strlen(h->host) == l->host_len &&
            memcmp(h->host, l->host, l->host_len) == 0 &&
            (h->port == 0 || h->port == l->port))
            return 1;
    }
    return 0;
}

/* 1 when split URLs a and b have the same host key (scheme, host,
 * port), as cf_url_hostkey would write them, without writing them. */
static int same_host(const struct cf_url_parts *a,
                     const struct cf_url_parts *b)
{
    return a->port == b->port && a->scheme_len == b->scheme_len &&
           a->host_len == b->host_len &&
           memcmp(a->host, b->host, a->host_len) == 0 &&
           memcmp(a->scheme, b->scheme, a->scheme_len) == 0;
}

static int rule_ok(const struct scope *s, const char *page_url,
                   const struct cf_url_parts *lp)
{
    struct cf_url_parts pp;

    switch (s->rule) {
    case RULE_ANY:
        return 1;
    case RULE_HOSTS:
        return host_listed(s, lp);
    case RULE_HOST:
        if (page_url == NULL)
            return 1;
        return cf_url_split(page_url, &pp) == 0 && same_host(&pp, lp);
    case RULE_DOMAIN:
        if (page_url == NULL)
            return 1;
        return cf_url_split(page_url, &pp) == 0 && same_domain(&pp, lp);
    }
    return 0;
}

enum scope_verdict scope_check_split(const struct scope *s,
                                     const char *page_url,
                                     const char *link_url,
                                     int64_t link_depth, int sitemap,
                                     struct cf_url_parts *lp)
{
    if (link_url == NULL || cf_url_split(link_url, lp) != 0)
        return SCOPE_BAD_URL;
    if (s->max_depth >= 0 && link_depth > s->max_depth)
        return SCOPE_TOO_DEEP;
    if (!sitemap && s->ext != NULL) {
        char low[EXT_MAX];
        size_t n = url_ext(lp, low);

        if (n > 0 && ext_in(s->ext, s->ext_mask, low, n))
            return SCOPE_SKIP_EXT;
    }
    if (!rule_ok(s, page_url, lp))
        return SCOPE_OUT;
    if (s->has_include && regexec(&s->include, link_url, 0, NULL, 0) != 0)
        return SCOPE_OUT;
    if (s->has_exclude && regexec(&s->exclude, link_url, 0, NULL, 0) == 0)
        return SCOPE_OUT;
    return SCOPE_IN;
}

enum scope_verdict scope_check(const struct scope *s, const char *page_url,
                               const char *link_url, int64_t link_depth)
{
    struct cf_url_parts lp;

    return scope_check_split(s, page_url, link_url, link_depth, 0, &lp);
}

enum scope_verdict scope_check_sitemap(const struct scope *s,
                                       const char *page_url,
                                       const char *link_url,
                                       int64_t link_depth)
{
    struct cf_url_parts lp;

    return scope_check_split(s, page_url, link_url, link_depth, 1, &lp);
}
