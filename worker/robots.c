/* robots.c - RFC 9309 robots.txt: parse once, match many times.
 *
 * The parse keeps only what applies to us: the rules of the groups naming
 * our product token and, separately, of the "*" groups; the first set
 * wins if any group named us. Rules are sorted longest first (Allow
 * before Disallow at equal length), so a check stops at the first match. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ascii.h"
#include "robots.h"

#define DELAY_MAX_MS 86400000LL

struct rule {
    char *pat;  /* normalised pattern ('*' any run, final '$' end) */
    size_t len; /* strlen(pat): its specificity */
    int allow;  /* 1 Allow, 0 Disallow */
};

struct ruleset {
    struct rule *rules; /* in file order until sorted */
    size_t n, alloc;    /* used, allocated */
    int64_t delay_ms;   /* largest Crawl-delay, -1 none */
    int seen;           /* some group for this set exists */
};

struct robots {
    struct ruleset set;     /* the selected group's rules */
    int disallow_all;       /* 5xx / unreachable */
    char **sitemaps;        /* Sitemap values */
    size_t nsitemaps;       /* entries in sitemaps */
    struct robots_info info;
};

/* Percent-encoding to one form: upper-case hex, unreserved decoded, raw
 * controls, spaces and non-ASCII encoded. Heap string. */
static char *normalize(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = cf_malloc(n * 3 + 2), *o = out;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && cf_hexval(s[i + 1]) >= 0 &&
            cf_hexval(s[i + 2]) >= 0) {
            int v = cf_hexval(s[i + 1]) * 16 + cf_hexval(s[i + 2]);
            if (cf_is_unreserved(v)) {
                *o++ = (char)v;
            } else {
                *o++ = '%';
                *o++ = hex[v >> 4];
                *o++ = hex[v & 15];
            }
            i += 2;
        } else if (c <= 0x20 || c >= 0x7F) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* Does pattern p (m bytes) match s (n bytes) from its start? Each
 * '*'-separated segment is placed at its leftmost possible position,
 * which is enough for glob patterns: linear per segment (memmem). */
static int match(const char *p, size_t m, const char *s, size_t n)
{
    int anchored = m > 0 && p[m - 1] == '$';
    const char *star;
    size_t seg, pos;

    if (anchored)
        m--;
    star = memchr(p, '*', m);
    seg = star != NULL ? (size_t)(star - p) : m;
    if (seg > n || memcmp(p, s, seg) != 0)
        return 0;
    if (star == NULL)
        return anchored ? seg == n : 1;
    pos = seg;
    p += seg + 1;
    m -= seg + 1;
    for (;;) {
        const char *f;
        star = memchr(p, '*', m);
        seg = star != NULL ? (size_t)(star - p) : m;
        if (star == NULL) {
            if (anchored)
                return n - pos >= seg && memcmp(s + n - seg, p, seg) == 0;
            return seg == 0 || memmem(s + pos, n - pos, p, seg) != NULL;
        }
        if (seg > 0) {
            f = memmem(s + pos, n - pos, p, seg);
            if (f == NULL)
                return 0;
            pos = (size_t)(f - s) + seg;
        }
        p = star + 1;
        m -= seg + 1;
    }
}

static void add_rule(struct robots *r, struct ruleset *set, int allow,
                     const char *v, size_t n)
{
    struct rule *ru;
    char *pat, *tmp;

    if (n == 0)
        return; /* "Disallow:" allows everything; "Allow:" says nothing */
    if (set->n >= ROBOTS_MAX_RULES) {
        r->info.rules_dropped++;
        return;
    }
    pat = normalize(v, n);
    if (pat[0] != '/' && pat[0] != '*') {
        tmp = cf_asprintf("/%s", pat);
        free(pat);
        pat = tmp;
    }
    if (set->n == set->alloc) {
        set->alloc = set->alloc ? set->alloc * 2 : 16;
        set->rules = cf_realloc(set->rules, set->alloc * sizeof(*ru));
    }
    ru = &set->rules[set->n++];
    ru->pat = pat;
    ru->len = strlen(pat);
    ru->allow = allow;
}

/* "1", "2.5", " 10 " -> milliseconds; -1 when not a number. */
static int64_t parse_delay(const char *v, size_t n)
{
    int64_t ms = 0, frac = 100;
    size_t i = 0;
    int digits = 0;

    for (; i < n && isdigit((unsigned char)v[i]); i++, digits++)
        if (ms < DELAY_MAX_MS)
            ms = ms * 10 + (v[i] - '0') * 1000;
    if (i < n && v[i] == '.')
        for (i++; i < n && isdigit((unsigned char)v[i]); i++, digits++) {
            ms += (v[i] - '0') * frac;
            frac /= 10;
        }
    if (digits == 0 || i != n)
        return -1;
    return ms > DELAY_MAX_MS ? DELAY_MAX_MS : ms;
}

static void set_delay(struct ruleset *set, int64_t ms)
{
    if (ms > set->delay_ms)
        set->delay_ms = ms;
}

static void free_set(struct ruleset *set)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        free(set->rules[i].pat);
    free(set->rules);
}

static int rule_cmp(const void *a, const void *b)
{
    const struct rule *x = a, *y = b;

    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return y->allow - x->allow;
}

/* Parser state across lines. */
struct pstate {
    const char *ua;       /* our product token */
    size_t ualen;         /* its length */
    int in_agents;        /* the last group line was a user-agent */
    int cur_ours;         /* the current group names us */
    int cur_star;         /* the current group names "*" */
    struct ruleset ours;  /* rules of groups naming us */
    struct ruleset star;  /* rules of "*" groups */
};

static int key_is(const char *k, size_t n, const char *const *names)
{
    for (; *names; names++)
        if (strlen(*names) == n && strncasecmp(k, *names, n) == 0)
            return 1;
    return 0;
}

static const char *const k_agent[] = {"user-agent", "useragent",
                                      "user agent", NULL};
static const char *const k_allow[] = {"allow", NULL};
static const char *const k_disallow[] = {"disallow", "dissallow", "disalow",
                                         "disallaw", NULL};
static const char *const k_delay[] = {"crawl-delay", "crawldelay", NULL};
static const char *const k_sitemap[] = {"sitemap", "site-map", NULL};

static void agent_line(struct pstate *ps, struct robots *r, const char *v,
                       size_t n)
{
    size_t t = 0;

    if (!ps->in_agents) {
        ps->cur_ours = ps->cur_star = 0;
        r->info.groups++;
    }
    ps->in_agents = 1;
    if (n >= 1 && v[0] == '*') {
        ps->cur_star = 1;
        ps->star.seen = 1;
        return;
    }
    while (t < n && (isalpha((unsigned char)v[t]) || v[t] == '_' ||
                     v[t] == '-'))
        t++;
    if (t > 0 && t == ps->ualen && strncasecmp(v, ps->ua, t) == 0) {
        ps->cur_ours = 1;
        ps->ours.seen = 1;
    }
}

static void one_line(struct pstate *ps, struct robots *r, const char *l,
                     size_t n)
{
    const char *colon, *v;
    size_t kn, vn;
    int64_t ms;

    while (n > 0 && isspace((unsigned char)*l)) {
        l++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)l[n - 1]))
        n--;
    if (n == 0)
        return;
    colon = memchr(l, ':', n);
    if (colon == NULL) {
        r->info.bad_lines++;
        return;
    }
    kn = (size_t)(colon - l);
    while (kn > 0 && isspace((unsigned char)l[kn - 1]))
        kn--;
    v = colon + 1;
    vn = n - (size_t)(v - l);
    while (vn > 0 && isspace((unsigned char)*v)) {
        v++;
        vn--;
    }
    if (key_is(l, kn, k_agent)) {
        agent_line(ps, r, v, vn);
    } else if (key_is(l, kn, k_allow) || key_is(l, kn, k_disallow)) {
        int allow = key_is(l, kn, k_allow);
        ps->in_agents = 0;
        if (ps->cur_ours)
            add_rule(r, &ps->ours, allow, v, vn);
        if (ps->cur_star)
            add_rule(r, &ps->star, allow, v, vn);
    } else if (key_is(l, kn, k_delay)) {
        ps->in_agents = 0;
        ms = parse_delay(v, vn);
        if (ms < 0)
            r->info.bad_lines++;
        if (ms >= 0 && ps->cur_ours)
            set_delay(&ps->ours, ms);
        if (ms >= 0 && ps->cur_star)
            set_delay(&ps->star, ms);
    } else if (key_is(l, kn, k_sitemap)) {
        if (r->nsitemaps >= ROBOTS_MAX_SITEMAPS || vn == 0) {
            r->info.sitemaps_dropped += vn > 0;
            return;
        }
        r->sitemaps = cf_realloc(r->sitemaps,
                                 (r->nsitemaps + 1) * sizeof(char *));
        r->sitemaps[r->nsitemaps++] = cf_strndup(v, vn);
    } else {
        r->info.bad_lines++;
    }
}

static struct robots *robots_empty(void)
{
    struct robots *r = cf_calloc(1, sizeof(*r));

    r->set.delay_ms = -1;
    return r;
}

struct robots *robots_parse(const char *body, size_t len,
                            const char *ua_token)
{
    struct robots *r = robots_empty();
    struct pstate ps;
    const char *p = body, *end;

    memset(&ps, 0, sizeof(ps));
    ps.ua = ua_token != NULL ? ua_token : "";
    ps.ualen = strlen(ps.ua);
    ps.ours.delay_ms = ps.star.delay_ms = -1;
    if (len > ROBOTS_MAX_BYTES) {
        r->info.bytes_ignored = len - ROBOTS_MAX_BYTES;
        len = ROBOTS_MAX_BYTES;
    }
    end = body + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *eol = p, *hash;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        hash = memchr(p, '#', (size_t)(eol - p));
        one_line(&ps, r, p, (size_t)((hash != NULL ? hash : eol) - p));
        r->info.lines++;
        p = eol;
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
    }
    if (ps.ours.seen) {
        r->set = ps.ours;
        free_set(&ps.star);
        r->info.matched = 2;
    } else {
        r->set = ps.star;
        free_set(&ps.ours);
        r->info.matched = ps.star.seen ? 1 : 0;
    }
    if (r->set.n > 1)
        qsort(r->set.rules, r->set.n, sizeof(*r->set.rules), rule_cmp);
    r->info.rules = (uint32_t)r->set.n;
    return r;
}

struct robots *robots_allow_all(void)
{
    return robots_empty();
}

struct robots *robots_disallow_all(void)
{
    struct robots *r = robots_empty();

    r->disallow_all = 1;
    return r;
}

/* What a fetch's final status means for the rules (RFC 9309 2.3.1). */
enum status_rule {
    STATUS_PARSE,    /* 2xx: the body is the rules */
    STATUS_ALLOW,    /* 3xx left after redirects, 4xx: no rules */
    STATUS_DISALLOW, /* 5xx, unreachable (0), anything else: none allowed */
};

static enum status_rule status_rule(long status)
{
    if (status >= 200 && status < 300)
        return STATUS_PARSE;
    if (status >= 300 && status < 500)
        return STATUS_ALLOW;
    return STATUS_DISALLOW;
}

#define DISALLOW_ALL_TEXT "User-agent: *\nDisallow: /\n"

struct robots *robots_from_status(long status, const char *body, size_t len,
                                  const char *ua_token)
{
    switch (status_rule(status)) {
    case STATUS_PARSE:
        return robots_parse(body ? body : "", len, ua_token);
    case STATUS_ALLOW:
        return robots_allow_all();
    default:
        return robots_disallow_all();
    }
}

const char *robots_body_for_status(long status, const char *body,
                                   size_t len, size_t *out_len)
{
    switch (status_rule(status)) {
    case STATUS_PARSE:
        *out_len = len;
        return body ? body : "";
    case STATUS_ALLOW:
        *out_len = 0;
        return "";
    default:
        *out_len = sizeof(DISALLOW_ALL_TEXT) - 1;
        return DISALLOW_ALL_TEXT;
    }
}

void robots_free(struct robots *r)
{
    size_t i;

    if (r == NULL)
        return;
    free_set(&r->set);
    for (i = 0; i < r->nsitemaps; i++)
        free(r->sitemaps[i]);
    free(r->sitemaps);
    free(r);
}

static int needs_norm(const char *s)
{
    for (; *s; s++)
        if (*s == '%' || (unsigned char)*s <= 0x20 ||
            (unsigned char)*s >= 0x7F)
            return 1;
    return 0;
}

int robots_allowed(const struct robots *r, const char *path)
{
    char *norm = NULL;
    size_t i, n;
    int allowed = 1;

    if (path == NULL || path[0] == '\0')
        path = "/";
    if (strncmp(path, "/robots.txt", 11) == 0 &&
        (path[11] == '\0' || path[11] == '?'))
        return 1;
    if (r->disallow_all)
        return 0;
    if (r->set.n == 0)
        return 1;
    if (needs_norm(path)) {
        norm = normalize(path, strlen(path));
        path = norm;
    }
    n = strlen(path);
    for (i = 0; i < r->set.n; i++) {
        const struct rule *ru = &r->set.rules[i];
        if (match(ru->pat, ru->len, path, n)) {
            allowed = ru->allow;
            break;
        }
    }
    free(norm);
    return allowed;
}

int64_t robots_crawl_delay_ms(const struct robots *r)
{
    return r->set.delay_ms;
}

size_t robots_nsitemaps(const struct robots *r)
{
    return r->nsitemaps;
}

const char *robots_sitemap(const struct robots *r, size_t i)
{
    return i < r->nsitemaps ? r->sitemaps[i] : NULL;
}

const struct robots_info *robots_info(const struct robots *r)
{
    return &r->info;
}

char *robots_ua_token(const char *user_agent, char *buf, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return buf;
    while (user_agent != NULL && n + 1 < len &&
           (isalpha((unsigned char)user_agent[n]) ||
            user_agent[n] == '_' || user_agent[n] == '-')) {
        buf[n] = (char)tolower((unsigned char)user_agent[n]);
        n++;
    }
    buf[n] = '\0';
    return buf;
}
