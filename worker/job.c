/* job.c - one lease from pop to ack: robots check, fetch, result. */
#include "worker.h"

#include <string.h>

#include "ackbatch.h"
#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "page.h"
#include "sitemap.h"
#include "rclient.h"
#include "record.h"
#include "robocache.h"
#include "robots.h"
#include "seen.h"
#include "url.h"
#include "warc.h"

/* A page's result record, its outlinks (store_links) included. */
#define RESULT_MAX_BYTES (16 * 1024 * 1024)
/* A failed attempt's result record (no outlinks). */
#define FAIL_RESULT_MAX_BYTES (1024 * 1024)
/* Redirects a robots.txt fetch follows (RFC 9309 2.3.1.2: at least 5). */
#define ROBOTS_REDIRECTS_MAX 5


static const char *const job_state_names[] = {
    "new", "robots_wait", "ready", "fetching", "result", "archiving", "done",
};

static void job_set_state(struct job *j, enum job_state s)
{
    if (j->state == s)
        return;
    cf_debug("job", "fp=%llu from=%s to=%s",
             (unsigned long long)j->lease.fp, job_state_names[j->state],
             job_state_names[s]);
    j->state = s;
}

/* Take j out of the ready or the results queue. */
static void queue_remove(struct job *j)
{
    struct worker *w = j->w;

    worker_slots_note(w);
    if (j->state == JOB_READY) {
        TAILQ_REMOVE(&w->ready, j, wait);
        w->nready--;
    } else {
        TAILQ_REMOVE(&w->results, j, wait);
        w->nresults--;
    }
    j->queued = 0;
}

/* Off the books: the job's result (if any) is with the Redis client. */
static void job_free(struct job *j)
{
    struct worker *w = j->w;

    worker_slots_note(w);
    if (j->queued)
        queue_remove(j);
    if (j->state == JOB_FETCHING)
        w->fetching--;
    TAILQ_REMOVE(&w->jobs, j, link);
    w->inflight--;
    j->cr->inflight--;
    fetch_xfer_cleanup(&j->x);
    cf_request_cleanup(&j->req);
    cf_lease_cleanup(&j->lease);
    free(j);
}

static void job_finish(struct job *j)
{
    struct worker *w = j->w;

    job_set_state(j, JOB_DONE);
    job_free(j);
    worker_pump(w);
}

/* ---- replies ---------------------------------------------------------- */

static void on_fail(redisReply *r, void *arg)
{
    struct crawl *cr = arg;
    struct worker *w = cr->w;

    if (!r) {
        w->n.redis_lost++;
        return;
    }
    if (r->type == REDIS_REPLY_ERROR && worker_crawl_missing(cr, r->str))
        return;
    if (r->type == REDIS_REPLY_ERROR)
        cf_warn("fail refused", "crawl=%s error=\"%s\"", cr->name, r->str);
    else if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING)
        if (strcmp(r->str, "stale") == 0)
            w->n.stale++;
}

static void on_robots(redisReply *r, void *arg)
{
    struct crawl *cr = arg;
    struct worker *w = cr->w;

    if (!r) {
        w->n.redis_lost++;
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        if (!worker_crawl_missing(cr, r->str))
            cf_warn("robots refused", "crawl=%s error=\"%s\"", cr->name,
                    r->str);
    } else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
        w->n.stale++;
    worker_crawl_wake(cr);
}

/* ---- results ---------------------------------------------------------- */

static void fill_result(struct job *j, struct cf_result *res,
                        enum cf_outcome out, const char *msg)
{
    struct fetch_xfer *x = &j->x;

    memset(res, 0, sizeof(*res));
    res->url = j->req.url ? j->req.url : j->lease.hostkey;
    res->fp = j->lease.fp;
    res->status = x->status;
    res->content_type = x->content_type;
    res->bytes = x->bytes;
    res->depth = j->req.depth;
    res->worker = j->w->id;
    res->error_type = (char *)cf_outcome_name(out);
    res->error = (char *)msg;
    res->started_ms = x->started_ms ? x->started_ms : cf_wall_ms();
    res->done_ms = x->done_ms ? x->done_ms : res->started_ms;
    res->fetch_ms = (uint32_t)x->fetch_ms;
    res->attempts = j->lease.attempts + 1;
    /* what the response said, whatever the outcome */
    if (x->status >= 300 && x->status < 400)
        res->redirect_url = x->redirect_url;
    res->last_modified = x->last_modified;
    res->etag = x->etag;
    res->content_length = x->content_length;
    res->content_language = x->content_language;
    res->location = x->location;
    if (x->payload_digest[0])
        res->payload_digest = x->payload_digest;
    if (j->cr->cfg.insecure && strncmp(res->url, "https:", 6) == 0)
        res->flags |= CF_RES_INSECURE;
    if (j->req.flags & CF_REQ_SITEMAP)
        res->flags |= CF_RES_SITEMAP;
    res->sitemap_lastmod = j->req.sitemap_lastmod;
    res->sitemap_priority = j->req.sitemap_priority;
}

/* What happened to a transfer, in words, by its outcome: the cap for
 * too_large and the refused address for blocked (curl's own words there
 * name the symptom, not the cause), fetch's words for a protocol error
 * curl misnames, else curl's message or the status. */
static void fetch_message(const struct job *j, char *msg, size_t len)
{
    const struct fetch_xfer *x = &j->x;

    msg[0] = '\0';
    if (x->outcome == CF_OUT_TOO_LARGE)
        snprintf(msg, len, "body over %lld bytes",
                 (long long)j->cr->cfg.max_body);
    else if (x->outcome == CF_OUT_BLOCKED)
        snprintf(msg, len, "private address %s (see --allow-private)",
                 x->blocked_addr[0] ? x->blocked_addr : "?");
    else if (x->why[0])
        snprintf(msg, len, "%s", x->why);
    else if (x->errbuf[0])
        snprintf(msg, len, "%s", x->errbuf);
    else if (x->outcome == CF_OUT_HTTP)
        snprintf(msg, len, "HTTP %d", x->status);
}

static void count_result(struct worker *w, enum cf_outcome out,
                         int64_t bytes)
{
    w->n.pages++;
    w->n.bytes += (uint64_t)bytes;
    w->n.by_outcome[out]++;
    if (out != CF_OUT_OK)
        w->n.errors++;
}

/* Encode res into enc (capped). Only a huge outlink list, or a huge
 * title, passes the cap: they are dropped, said, and the rest encoded
 * again. Returns 0, or CF_EINVAL with enc empty (said too): the lease is
 * acked with an empty result rather than left to expire and come back. */
static int encode_result(struct cf_result *res, struct cf_buf *enc)
{
    if (cf_result_encode(res, enc) == 0)
        return 0;
    cf_warn("result over its cap, outlinks and title dropped",
            "url=%s outlinks=%zu cap=%zu", res->url, res->noutlinks,
            enc->cap);
    res->outlinks = NULL;
    res->noutlinks = 0;
    res->title = NULL;
    cf_buf_reset(enc);
    if (cf_result_encode(res, enc) == 0)
        return 0;
    cf_error("result not encoded", "url=%s cap=%zu", res->url, enc->cap);
    cf_buf_reset(enc);
    return CF_EINVAL;
}

/* Queue the one ack of a page (batched per crawl). */
static void send_ack(struct job *j, struct cf_result *res,
                     enum cf_outcome out, struct page_links *pl,
                     int robots_denied)
{
    struct worker *w = j->w;
    struct cf_buf enc;
    struct cf_ack a = {0};
    struct ack_ctx *ac = ackbatch_ctx_new(j->cr, pl);

    cf_buf_init(&enc, RESULT_MAX_BYTES);
    encode_result(res, &enc);
    a.fp = j->lease.fp;
    a.token = j->lease.token;
    a.hostkey = j->lease.hostkey;
    a.now_ms = cf_wall_ms();
    a.result = enc.data;
    a.result_len = enc.len;
    a.outcome = cf_outcome_name(out);
    a.status = res->status;
    a.bytes = res->bytes;
    a.robots_denied = robots_denied;
    a.noindex = (res->flags & CF_RES_NOINDEX) != 0;
    a.nofollow = (res->flags & CF_RES_NOFOLLOW) != 0;
    /* politeness counts from when the server got the request: a new
     * connection's handshakes come before it */
    a.started_ms = j->x.sent_ms ? j->x.sent_ms : j->x.started_ms;
    a.first_attempt = j->lease.attempts == 0;
    if (pl) {
        a.links_found = pl->found;
        a.out_of_scope = pl->out_of_scope;
        a.too_deep = pl->too_deep;
        a.skipped_ext = pl->skipped_ext;
        a.links = pl->links;
        a.nlinks = pl->n;
        w->n.links += pl->n;
        w->n.out_of_scope += (uint64_t)pl->out_of_scope;
        w->n.too_deep += (uint64_t)pl->too_deep;
        w->n.skipped_ext += (uint64_t)pl->skipped_ext;
    }
    ackbatch_add(w, j->cr, &a, ac);
    cf_buf_cleanup(&enc);
    count_result(w, out, res->bytes);
    metrics_observe_fetch(w->metrics, res->fetch_ms);
}

static void send_fail(struct job *j, struct cf_result *res,
                      enum cf_outcome out)
{
    struct worker *w = j->w;
    struct cf_buf enc;
    struct cf_fail f = {0};
    struct cf_cmd c;

    /* The result of the last attempt is the URL's final one: fail writes
     * it to the results stream only when the request goes dead. */
    res->flags |= CF_RES_DEAD;
    cf_buf_init(&enc, FAIL_RESULT_MAX_BYTES);
    encode_result(res, &enc);
    f.fp = j->lease.fp;
    f.token = j->lease.token;
    f.hostkey = j->lease.hostkey;
    f.now_ms = cf_wall_ms();
    f.outcome = cf_outcome_name(out);
    f.status = res->status;
    f.retry_after_ms = j->x.retry_after_ms;
    f.result = enc.data;
    f.result_len = enc.len;
    cf_cmd_init(&c);
    cf_frontier_fail_cmd(&c, j->cr->name, &f);
    rclient_send(w->rc, &c, RC_SCRIPT | RC_DURABLE, on_fail, j->cr);
    cf_cmd_cleanup(&c);
    cf_buf_cleanup(&enc);
    w->n.retries++;
    w->n.by_outcome[out]++;
    w->n.errors++;
    metrics_observe_fetch(w->metrics, res->fetch_ms);
}

/* ---- archive ---------------------------------------------------------- */

/* The crawl's archive cannot be written: this worker takes no more of its
 * work (the popper skips it), reports why (heartbeat, /healthz), and gives
 * back the leases of its pages as they come by (archive_or_release). */
static void warc_broken(struct crawl *cr, const char *why)
{
    if (!cr->warc_failed)
        cf_error("warc write failed: no more work for this crawl",
                 "crawl=%s error=\"%s\"", cr->name, why);
    cr->warc_failed = 1;
    snprintf(cr->warc_error, sizeof(cr->warc_error), "warc: %.240s", why);
}

static void on_archived(struct warc_req *r, void *arg);
static void on_warc_done(evutil_socket_t fd, short what, void *arg);
static void page_in_of(const struct job *j, struct page_in *in);

/* 1 when j is an HTML page that says noindex: with warc_skip_noindex its
 * records are not written (its result still says noindex). */
static int skip_noindex(const struct job *j)
{
    struct page_in in;

    if (j->lease.kind == CF_LEASE_ROBOTS || j->x.outcome != CF_OUT_OK ||
        j->x.status < 200 || j->x.status >= 300 ||
        (j->req.flags & CF_REQ_SITEMAP) || !fetch_is_html(j->x.content_type))
        return 0;
    page_in_of(j, &in);
    return page_noindex(&in);
}

/* Hand j's request and response records to the crawl's WARC writer when
 * the crawl archives and a response came (not for one stopped after its
 * headers by fetch_types). 0: nothing to write, go on; 1: submitted, the
 * job goes on in on_archived once they are written (JOB_ARCHIVING);
 * CF_ERR: not written, and the page must not be acked. */
static int archive(struct job *j, const char *url)
{
    struct crawl *cr = j->cr;
    struct fetch_xfer *x = &j->x;
    struct warc_fetch *f = &j->wreq.f;
    char errstr[CF_ERRSTR_LEN];

    if (!cr->cfg.warc || x->status <= 0 || x->head.len == 0 || x->not_html)
        return 0;
    if (cr->warc_failed)
        return CF_ERR;
    if (cr->cfg.warc_skip_noindex && skip_noindex(j)) {
        j->w->n.warc_noindex++;
        return 0;
    }
    if (!cr->warc) {
        struct warc_opts o = {0};
        char *info = cf_asprintf(
            "software: crawlfleet-worker/" WORKER_VERSION "\r\n"
            "format: WARC File Format 1.1\r\n"
            "conformsTo: https://iipc.github.io/warc-specifications/"
            "specifications/warc-format/warc-1.1/\r\n"
            "isPartOf: %s\r\nhostname: %s\r\noperator-worker: %s\r\n"
            "robots: %s\r\nhttp-header-user-agent: %s\r\n"
            "max-body: %lld\r\nfetch-types: %s\r\n",
            cr->name, j->w->host, j->w->id,
            cr->cfg.obey_robots ? "obey" : "ignore",
            cr->cfg.user_agent ? cr->cfg.user_agent : "",
            (long long)cr->cfg.max_body,
            cr->cfg.fetch_types ? cr->cfg.fetch_types : "all");

        o.dir = j->w->o->warc_dir;
        o.prefix = cr->name;
        o.worker = j->w->id;
        o.max_size = j->w->o->warc_max_size;
        o.max_record = (size_t)cr->cfg.max_body > ROBOTS_MAX_BYTES
                           ? (size_t)cr->cfg.max_body
                           : ROBOTS_MAX_BYTES;
        o.info = info;
        cr->warc = warc_new(&o, errstr);
        free(info);
        if (!cr->warc) {
            warc_broken(cr, errstr);
            return CF_ERR;
        }
        cr->warc_ev = event_new(j->w->base, warc_notify_fd(cr->warc),
                                EV_READ | EV_PERSIST, on_warc_done, cr);
        event_priority_set(cr->warc_ev, 2);
        event_add(cr->warc_ev, NULL);
    }
    /* the strings stay in j (its request, its transfer) until the
     * callback: the writer thread reads them there */
    memset(f, 0, sizeof(*f));
    f->url = url;
    f->ip = x->ip[0] ? x->ip : NULL;
    f->date_ms = x->started_ms;
    f->req_head = x->req_head.data;
    f->req_len = x->req_head.len;
    f->resp_head = x->head.data;
    f->resp_len = x->head.len;
    f->body = x->body.data ? x->body.data : "";
    f->body_len = x->body.len;
    f->payload_digest = x->payload_digest;
    if (x->too_large && j->lease.kind != CF_LEASE_ROBOTS)
        f->truncated = "length";
    else if (x->code != CURLE_OK)
        f->truncated = x->code == CURLE_OPERATION_TIMEDOUT ? "time"
                                                           : "unspecified";
    j->wreq.cb = on_archived;
    j->wreq.arg = j;
    job_set_state(j, JOB_ARCHIVING);
    warc_submit(cr->warc, &j->wreq);
    return 1;
}

/* The crawl's writer has requests done: their jobs go on. */
static void on_warc_done(evutil_socket_t fd, short what, void *arg)
{
    struct crawl *cr = arg;

    (void)fd;
    (void)what;
    if (cr->warc)
        warc_complete(cr->warc);
}

/* Where the response record went, in the result. */
static void warc_result(struct cf_result *res, const struct warc_place *at)
{
    if (!at || !at->file[0])
        return;
    res->warc_file = (char *)at->file;
    res->warc_offset = at->offset;
    res->warc_length = at->length;
}

/* A page whose records could not be written goes back to the frontier
 * unfinished (attempts unchanged): nothing is acked that is not
 * archived. */
static void give_back(struct job *j)
{
    drain_release_one(j->w, j);
    job_finish(j);
}

/* A page ended without a fetch or before parsing: ack it as out. */
static void ack_plain(struct job *j, enum cf_outcome out, const char *msg,
                      int robots_denied)
{
    struct cf_result res;

    fill_result(j, &res, out, msg);
    send_ack(j, &res, out, NULL, robots_denied);
    job_finish(j);
}

/* What the page stage needs of j. */
static void page_in_of(const struct job *j, struct page_in *in)
{
    memset(in, 0, sizeof(*in));
    in->url = j->req.url;
    in->fp = j->lease.fp;
    in->depth = j->req.depth;
    in->scope = j->cr->scope;
    in->cfg = &j->cr->cfg;
    in->body = j->x.body.data;
    in->body_len = j->x.body.len;
    in->content_type = j->x.content_type;
    in->x_robots = j->x.x_robots;
    in->plan = j->cr->plan;
    in->now_ms = cf_wall_ms();
    in->seen = j->cr->seen;
}

/* A sitemap's entries into pl; a bad file is outcome parse (too_large
 * past the protocol's size), with the entries before the error kept. The
 * entries over the protocol's cap count as links dropped. */
static void sitemap_done(struct job *j, const struct page_in *in,
                         struct page_links *pl, enum cf_outcome *out,
                         char *msg, size_t msglen)
{
    struct sitemap_info info;
    char err[CF_ERRSTR_LEN];
    int rc = sitemap_stage(in, pl, &info, err);

    if (rc != 0) {
        *out = rc == CF_ETOOBIG ? CF_OUT_TOO_LARGE : CF_OUT_PARSE;
        snprintf(msg, msglen, "sitemap: %s", err);
    }
    pl->meta.dropped += info.capped + info.bad;
    j->w->n.sitemaps++;
    j->w->n.sitemap_capped += info.capped;
}

/* The page's records are written (at: where, NULL: not archived): make
 * its result and ack it. */
static void page_finish(struct job *j, const struct warc_place *at)
{
    struct fetch_xfer *x = &j->x;
    enum cf_outcome out = x->outcome;
    struct page_links pl;
    struct page_in in;
    struct cf_result res;
    char msg[CURL_ERROR_SIZE + 32];
    char *target = NULL;
    int64_t t0;
    int rv;

    page_links_init(&pl);
    page_in_of(j, &in);
    fetch_message(j, msg, sizeof(msg));

    if (x->transient) {
        fill_result(j, &res, out, msg[0] ? msg : NULL);
        warc_result(&res, at);
        send_fail(j, &res, out);
        job_finish(j);
        return;
    }
    if (out == CF_OUT_OK && x->status >= 300 && x->status < 400) {
        /* a redirect is this page's result; its target a new request */
        rv = cf_url_normalize(NULL, x->redirect_url,
                              (size_t)j->cr->cfg.max_url_len, &target);
        if (rv != 0) {
            out = CF_OUT_REDIRECT;
            snprintf(msg, sizeof(msg), "redirect target: %s",
                     cf_url_strerror(rv));
        } else {
            page_add_link(&in, &pl, target,
                          CF_REQ_REDIRECT | (j->req.flags & CF_REQ_SITEMAP));
        }
    } else if (out == CF_OUT_OK && (j->req.flags & CF_REQ_SITEMAP)) {
        sitemap_done(j, &in, &pl, &out, msg, sizeof(msg));
    } else if (out == CF_OUT_OK && !fetch_is_html(x->content_type)) {
        /* a PDF, an image, JSON: fetched (or stopped after its headers,
         * see fetch_opts.types), nothing to parse */
    } else if (out == CF_OUT_OK) {
        t0 = cf_mono_ms();
        if (page_parse(&in, &pl) != 0) {
            out = CF_OUT_PARSE;
            snprintf(msg, sizeof(msg), "page not parsed");
        } else if (pl.ex.error != NULL) {
            out = CF_OUT_EXTRACT;
            snprintf(msg, sizeof(msg), "%s", pl.ex.error);
        }
        j->w->n.parse_ms += (uint64_t)(cf_mono_ms() - t0);
        j->w->n.links_over_cap += pl.meta.over_cap;
        j->w->n.pages_over_cap += pl.meta.over_cap > 0;
    }
    fill_result(j, &res, out, msg[0] ? msg : NULL);
    warc_result(&res, at);
    res.final_url = target;
    res.title = pl.title;
    res.nlinks = (uint32_t)(pl.found);
    res.outlinks = pl.all;
    res.noutlinks = pl.nall;
    page_meta_result(&pl, &res);
    if (res.flags & CF_RES_NOINDEX)
        j->w->n.noindex++;
    if (res.flags & CF_RES_NOFOLLOW)
        j->w->n.nofollow++;
    j->w->n.dup_local += (uint64_t)pl.dup_local;
    send_ack(j, &res, out, &pl, 0);
    free(target);
    page_links_cleanup(&pl);
    job_finish(j);
}

/* A fetch is over: archive its records first when the crawl asks (the
 * result waits for them), then make the result. */
static void page_done(struct job *j)
{
    int rv = archive(j, j->req.url);

    if (rv < 0)
        give_back(j);
    else if (rv == 0)
        page_finish(j, NULL);
}

static void on_sitemaps_pushed(redisReply *r, void *arg)
{
    struct crawl *cr = arg;

    if (!r)
        cr->w->n.redis_lost++;
    else if (r->type == REDIS_REPLY_ERROR)
        cf_warn("robots.txt sitemaps refused", "crawl=%s error=\"%s\"",
                cr->name, r->str);
}

/* robots.txt's Sitemap: lines become requests flagged CF_REQ_SITEMAP at
 * depth 0 (a sitemap is read like a seed), pushed through the frontier's
 * dedup: fetched once per crawl, whichever worker reads which robots.txt
 * first. The crawl's scope still applies. */
static void robots_sitemaps(struct job *j, const struct robots *rules)
{
    size_t n = robots_nsitemaps(rules);
    struct page_links pl;
    struct page_in in;
    char *robots_url, *url;
    struct cf_cmd c;

    if (n == 0 || !j->cr->scope)
        return;
    robots_url = cf_asprintf("%s/robots.txt", j->lease.hostkey);
    memset(&in, 0, sizeof(in));
    in.url = robots_url;
    in.scope = j->cr->scope;
    in.cfg = &j->cr->cfg;
    in.now_ms = cf_wall_ms();
    page_links_init(&pl);
    for (size_t i = 0; i < n; i++) {
        struct cf_request r = {0};

        url = NULL;
        if (cf_url_normalize(NULL, robots_sitemap(rules, i),
                             (size_t)j->cr->cfg.max_url_len, &url) != 0) {
            free(url);
            continue;
        }
        r.url = url;
        r.flags = CF_REQ_SITEMAP;
        page_add_request(&in, &pl, &r);
        free(url);
    }
    if (pl.n > 0) {
        cf_cmd_init(&c);
        cf_frontier_push_cmd(&c, j->cr->name, in.now_ms, pl.links, pl.n, 0);
        rclient_send(j->w->rc, &c, RC_SCRIPT | RC_DURABLE, on_sitemaps_pushed,
                     j->cr);
        cf_cmd_cleanup(&c);
    }
    page_links_cleanup(&pl);
    free(robots_url);
}

/* robots.txt could not be had (no answer, or a 5xx): no rules are
 * stored; the frontier keeps the host's pages queued and leases its
 * robots.txt again after a backoff, and past max_attempts dead-letters
 * them with this cause. A blocked address will not change: at once. */
static void robots_unreachable(struct job *j, int status)
{
    struct fetch_xfer *x = &j->x;
    struct crawl *cr = j->cr;
    int blocked = x->outcome == CF_OUT_BLOCKED;
    enum cf_outcome out = blocked ? CF_OUT_BLOCKED
                                  : CF_OUT_ROBOTS_UNREACHABLE;
    char cause[CURL_ERROR_SIZE + 64], msg[CURL_ERROR_SIZE + 96];
    struct cf_cmd c;

    fetch_message(j, cause, sizeof(cause));
    if (status >= 500)
        snprintf(msg, sizeof(msg), "robots.txt: HTTP %d", status);
    else if (blocked)
        snprintf(msg, sizeof(msg), "robots.txt: %s", cause);
    else
        snprintf(msg, sizeof(msg), "robots.txt: %s: %s",
                 cf_outcome_name(x->outcome), cause[0] ? cause : "no answer");
    cf_cmd_init(&c);
    cf_frontier_robots_fail_cmd(&c, cr->name, j->lease.hostkey,
                                j->lease.token, cf_wall_ms(), status,
                                cf_outcome_name(out), msg, blocked);
    rclient_send(j->w->rc, &c, RC_SCRIPT | RC_DURABLE, on_robots, cr);
    cf_cmd_cleanup(&c);
    robocache_invalidate(j->w->robots, cr->name, j->lease.hostkey);
    j->w->n.robots_unreachable++;
    cf_info("robots.txt unreachable", "crawl=%s host=%s error=\"%s\"",
            cr->name, j->lease.hostkey, msg);
    job_finish(j);
}

/* robots.txt's records are written (or not archived): store the
 * rules. */
static void robots_finish(struct job *j)
{
    struct fetch_xfer *x = &j->x;
    struct crawl *cr = j->cr;
    struct robots *rules;
    const char *body = "";
    size_t len = 0;
    int status = x->status;
    int64_t delay = -1;
    struct cf_cmd c;

    /* more than ROBOTS_REDIRECTS_MAX redirects: robots.txt is
     * unavailable, as a 4xx (RFC 9309 2.3.1.2): the last 3xx stands */
    if (x->code != CURLE_OK && !x->too_large &&
        x->code != CURLE_TOO_MANY_REDIRECTS)
        status = 0; /* unreachable */
    if (status == 0 || status >= 500) {
        robots_unreachable(j, status);
        return;
    }
    /* the rules the status stands for, and the text other workers parse
     * them from (robots.h: RFC 9309's status rules) */
    body = robots_body_for_status(status, x->body.data, x->body.len, &len);
    rules = robots_from_status(status, x->body.data, x->body.len,
                               cr->robots_token);
    delay = robots_crawl_delay_ms(rules);
    robots_sitemaps(j, rules);
    robots_free(rules);
    cf_cmd_init(&c);
    cf_frontier_robots_cmd(&c, cr->name, j->lease.hostkey, j->lease.token,
                           cf_wall_ms(), status, body, len, delay);
    rclient_send(j->w->rc, &c, RC_SCRIPT | RC_DURABLE, on_robots, cr);
    cf_cmd_cleanup(&c);
    robocache_invalidate(j->w->robots, cr->name, j->lease.hostkey);
    j->w->n.robots_fetched++;
    cf_debug("robots fetched", "crawl=%s host=%s status=%d bytes=%zu",
             cr->name, j->lease.hostkey, status, len);
    job_finish(j);
}

static void robots_done(struct job *j)
{
    struct fetch_xfer *x = &j->x;
    int rv;

    /* what the site said about robots is part of the archive; the URL
     * stays in x until the records are written */
    if (!x->effective_url)
        x->effective_url = cf_asprintf("%s/robots.txt", j->lease.hostkey);
    rv = archive(j, x->effective_url);
    if (rv < 0)
        give_back(j);
    else if (rv == 0)
        robots_finish(j);
}

/* The writer is done with j's records (warc.h: on the loop, after
 * write(2) returned): on with its result, or back to the frontier. */
static void on_archived(struct warc_req *r, void *arg)
{
    struct job *j = arg;

    job_set_state(j, JOB_RESULT);
    if (r->rc != 0) {
        warc_broken(j->cr, r->err);
        give_back(j);
        return;
    }
    j->w->n.warc_records += r->f.req_len ? 2 : 1;
    if (j->lease.kind == CF_LEASE_ROBOTS)
        robots_finish(j);
    else
        page_finish(j, &r->at);
}

static void start_ready(struct worker *w, const char *hostkey);

/* A transfer ended: its slot goes to the next ready job, one of the same
 * host if there is one (it takes over the connection that just went idle),
 * and its result waits in the results queue for the loop's idle moments. */
static void on_fetched(struct fetch_xfer *x, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;

    (void)x;
    worker_slots_note(w);
    w->fetching--;
    job_set_state(j, JOB_RESULT);
    TAILQ_INSERT_TAIL(&w->results, j, wait);
    j->queued = 1;
    w->nresults++;
    event_active(w->result_ev, EV_TIMEOUT, 0);
    start_ready(w, j->lease.hostkey);
}

/* The results of a pass are done (result_ev runs again in the same pass
 * while the queue is not empty): one wakeup of each writer for the pages
 * archive() submitted in it, not one a page (S1 with --warc had 2.5
 * times the context switches of the plain crawl). */
static void flush_writers(struct worker *w)
{
    for (int i = 0; i < w->ncrawls; i++)
        if (w->crawls[i]->warc)
            warc_flush(w->crawls[i]->warc);
}

void job_results_run(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct job *j = TAILQ_FIRST(&w->results);

    (void)fd;
    (void)what;
    if (!j) {
        flush_writers(w);
        ackbatch_results_done(w);
        return;
    }
    queue_remove(j);
    if (TAILQ_FIRST(&w->results))
        event_active(w->result_ev, EV_TIMEOUT, 0);
    if (j->lease.kind == CF_LEASE_ROBOTS)
        robots_done(j);
    else
        page_done(j);
    if (!TAILQ_FIRST(&w->results)) {
        flush_writers(w);
        ackbatch_results_done(w);
    }
}

/* ---- start ------------------------------------------------------------ */

static void start_fetch(struct job *j)
{
    const struct cf_config *cfg = &j->cr->cfg;
    struct fetch_opts o = {0};
    int robots = j->lease.kind == CF_LEASE_ROBOTS;
    char *own = robots ? cf_asprintf("%s/robots.txt", j->lease.hostkey)
                       : NULL;
    const char *url = robots ? own : j->req.url;

    o.url = url;
    o.user_agent = cfg->user_agent;
    o.proxy = cfg->proxy;
    o.headers = cfg->header;
    o.jar = j->cr->jar;
    o.cas = j->cr->cas;
    o.insecure = (int)cfg->insecure;
    o.resolve = cfg->resolve;
    o.connect_timeout_ms = (long)cfg->connect_timeout_ms;
    o.timeout_ms = (long)cfg->timeout_ms;
    o.low_speed_bps = (long)cfg->low_speed_bps;
    o.low_speed_ms = (long)cfg->low_speed_ms;
    o.allow_private = (int)cfg->allow_private;
    if (robots) {
        o.max_body = ROBOTS_MAX_BYTES;
        o.follow = 1;
        o.max_redirects = ROBOTS_REDIRECTS_MAX;
        o.truncate = 1;
    } else if (j->req.flags & CF_REQ_SITEMAP) {
        o.max_body = SITEMAP_MAX_BYTES;
    } else {
        o.max_body = (size_t)cfg->max_body;
        /* without an archive only HTML is worth reading by default */
        o.types = cfg->fetch_types ? cfg->fetch_types
                                   : cfg->warc ? NULL : "html";
    }
    o.keep_request = (int)cfg->warc;
    worker_slots_note(j->w);
    job_set_state(j, JOB_FETCHING);
    j->w->fetching++;
    if (fetch_start(j->w->fetch, &j->x, &o, on_fetched, j) != 0) {
        cf_warn("fetch not started", "url=%s error=\"%s\"", url,
                j->x.errbuf);
        j->x.outcome = CF_OUT_OTHER;
        j->x.done_ms = cf_wall_ms();
        on_fetched(&j->x, j);
    }
    free(own);
}

/* How far start_ready looks for a job of the host whose connection just
 * went idle (the ready queue holds about a batch of leases). */
#define SAME_HOST_SCAN 64

/* Start ready jobs while transfer slots are free, the first of them one
 * for hostkey if one of the first SAME_HOST_SCAN is (NULL: in order). A
 * connection left idle while a new one opens to another host is one more
 * handshake for both ends, and the cache closes idle ones when full. */
static void start_ready(struct worker *w, const char *hostkey)
{
    while (w->nready > 0 && w->fetching < w->o->concurrency) {
        struct job *j = TAILQ_FIRST(&w->ready), *k;
        int n = 0;

        for (k = j; hostkey && k && n < SAME_HOST_SCAN;
             k = TAILQ_NEXT(k, wait), n++) {
            if (k->lease.hostkey && strcmp(k->lease.hostkey, hostkey) == 0) {
                j = k;
                break;
            }
        }
        hostkey = NULL;
        queue_remove(j);
        start_fetch(j);
    }
}

/* Fetch now if a transfer slot is free, else wait in the ready queue. */
static void job_fetch(struct job *j)
{
    struct worker *w = j->w;

    if (w->fetching < w->o->concurrency && w->nready == 0) {
        start_fetch(j);
        return;
    }
    worker_slots_note(w);
    job_set_state(j, JOB_READY);
    TAILQ_INSERT_TAIL(&w->ready, j, wait);
    j->queued = 1;
    w->nready++;
}

/* Check the page against robots rules, then fetch or deny. */
static void page_go(struct job *j, const struct robots *rules)
{
    struct cf_url_parts p;
    char *path;
    int ok = 1;

    if (rules && cf_url_split(j->req.url, &p) == 0) {
        path = cf_strndup(p.path, p.path_len);
        ok = robots_allowed(rules, path);
        free(path);
    }
    if (!ok) {
        j->w->n.robots_denied++;
        ack_plain(j, CF_OUT_ROBOTS_DENIED, "disallowed by robots.txt", 1);
        return;
    }
    job_fetch(j);
}

/* The robots rules of a parked job's host are known: go on. */
static void on_robots_ready(struct robocache_wait *wt,
                            const struct robots *rules, void *arg)
{
    struct job *j = arg;

    (void)wt;
    if (j->w->state == WS_STOPPING) {
        /* off the waiters' list already: job_abort must not unpark it */
        job_set_state(j, JOB_NEW);
        return;
    }
    page_go(j, rules);
}

void job_start(struct worker *w, struct crawl *cr, struct cf_lease *l)
{
    struct job *j = cf_calloc(1, sizeof(*j));
    char errstr[CF_ERRSTR_LEN];
    const struct robots *rules = NULL;

    j->w = w;
    j->cr = cr;
    j->lease = *l;
    memset(l, 0, sizeof(*l));
    j->state = JOB_NEW;
    worker_slots_note(w);
    TAILQ_INSERT_TAIL(&w->jobs, j, link);
    w->inflight++;
    cr->inflight++;
    w->n.leases++;

    if (cr->warc_failed) {
        /* leased before the archive failed: not ours to do now */
        give_back(j);
        return;
    }
    if (j->lease.kind == CF_LEASE_ROBOTS) {
        job_fetch(j);
        return;
    }
    if (cf_request_decode(j->lease.rec, j->lease.rec_len, &j->req,
                          errstr) != 0) {
        w->n.bad_leases++;
        cf_warn("bad lease record", "crawl=%s error=\"%s\"", cr->name,
                errstr);
        ack_plain(j, CF_OUT_PARSE, errstr, 0);
        return;
    }
    if (cr->cfg.obey_robots) {
        rules = robocache_get(w->robots, cr->name, j->lease.hostkey,
                              cr->robots_token, &j->rwait, on_robots_ready,
                              j);
        if (!rules) {
            job_set_state(j, JOB_ROBOTS_WAIT);
            return; /* parked until the rules arrive */
        }
    }
    page_go(j, rules);
}

void job_abort(struct job *j)
{
    if (j->state == JOB_ROBOTS_WAIT)
        robocache_unpark(j->w->robots, &j->rwait);
    /* the writer thread may be reading j's strings: wait for it (after
     * warc_free the thread is gone and wrote everything) */
    if (j->state == JOB_ARCHIVING && j->cr->warc)
        warc_cancel(j->cr->warc, &j->wreq);
    fetch_abort(&j->x);
    job_free(j);
}
