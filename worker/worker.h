/* worker.h - the worker process: one event loop, its crawls and jobs.
 *
 * Internal to crawlfleet-worker. A worker serves a set of crawls; for each
 * it keeps the config (from cf:{C}:config), its outstanding pops and a
 * backoff. Every popped lease becomes a job that lives until its ack,
 * fail or robots call has been handed to the Redis client.
 *
 * Transfers and leases are counted apart: at most --concurrency transfers
 * run, and the worker holds up to a batch of leases more, so that a
 * transfer slot that frees up is taken at once by a lease already in hand
 * (the ready queue) instead of after a pop's round trip. A finished
 * transfer's page is parsed from the results queue at the event loop's
 * lowest priority: transfers are started and replies handled first. */
#ifndef WORKER_WORKER_H
#define WORKER_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "config.h"
#include "err.h"
#include "fetch.h"
#include "frontier.h"
#include "keys.h"
#include "record.h"
#include "redisaddr.h"
#include "robocache.h"
#include "warc.h"

#define WORKER_CRAWLS_MAX 256
/* How often the crawl list (cf:crawls) and each crawl's config are read
 * again, in seconds (--help says so from these) */
#define WORKER_LIST_EVERY_S 2
#define WORKER_CONFIG_EVERY_S 5
#define WORKER_VERSION CF_VERSION /* crawlfleet-worker --version */

/* Process options (from flags). */
struct worker_opts {
    char **crawls;          /* --crawl names; NULL/0: all in cf:crawls */
    int ncrawls;
    int concurrency;        /* transfers in flight at most */
    int batch;              /* lease cap per pop */
    int metrics_port;       /* 0: no metrics server */
    const char *id;         /* worker id; NULL: host:pid */
    int64_t grace_ms;       /* SIGTERM grace period */
    int exit_when_done;     /* exit once every crawl is done or cancelled */
    size_t queue_cap;       /* durable Redis commands kept while away */
    size_t seen_cache;      /* dedup cache entries per crawl; 0: off */
    const char *warc_dir;   /* WARC files of crawls with cfg.warc */
    int64_t warc_max_size;  /* bytes per WARC file */
};

enum worker_state {
    WS_STARTING,  /* waiting for Redis */
    WS_RUNNING,   /* popping and fetching */
    WS_DRAINING,  /* signal seen: no new work, finishing in-flight */
    WS_STOPPING,  /* leaving the loop */
};

enum crawl_state {
    CS_UNKNOWN,   /* no pop answered yet */
    CS_RUNNING,
    CS_PAUSED,
    CS_CANCELLED,
    CS_DONE,
    CS_MISSING,   /* no such crawl */
};

struct scope;
struct seen;

/* A crawl served by this worker. Never freed before the worker. */
struct crawl {
    struct worker *w;           /* owner */
    char name[CF_CRAWL_NAME_MAX + 1];
    struct cf_config cfg;       /* latest config from Redis */
    struct scope *scope;        /* compiled from cfg, NULL if invalid */
    struct extract_plan *plan;  /* from cfg; NULL: nothing to extract */
    int have_cfg;               /* cfg loaded at least once */
    int cfg_loading;            /* HGETALL outstanding */
    int64_t cfg_ms;             /* when cfg was loaded (monotonic) */
    enum crawl_state state;     /* as the last pop said */
    int64_t missing_since;      /* when the crawl was first missing
                                 * (monotonic ms) */
    int deleted;                /* missing after it was seen: deleted */
    int refused;                /* a pop was refused (not missing): the
                                 * warning was logged */
    int popping;                /* leases asked for in outstanding pops */
    int pops;                   /* pops outstanding (CRAWL_POPS_MAX) */
    int64_t next_pop_ms;        /* no pop before this (backoff;
                                 * monotonic) */
    int64_t idle_ms;            /* next wait after an empty pop with
                                 * nothing scheduled (doubles) */
    int inflight;               /* jobs of this crawl */
    int listed;                 /* still named by --crawl or cf:crawls */
    char robots_token[64];      /* robots product token of user_agent */
    struct seen *seen;          /* links known to be in Redis; NULL: off */
    struct ack_batch *acks;     /* acks not sent yet (ackbatch.c); NULL:
                                 * none */
    int acks_out;               /* ack calls sent, not yet answered */
    CURLSH *jar;                /* this crawl's cookies in this process */
    char *jar_loaded;           /* cfg.cookies as last put in jar, or NULL */
    struct fetch_cas *cas;      /* cfg.ca_file parsed, or NULL */
    int insecure_told;          /* the insecure warning was logged */
    struct warc *warc;          /* its WARC writer (cfg.warc), opened at the
                                 * first record; NULL before */
    struct event *warc_ev;      /* the writer's notify fd: warc_complete */
    int warc_failed;            /* a write failed: no more work taken */
    char warc_error[CF_ERRSTR_LEN]; /* why */
};

enum job_state {
    JOB_NEW,         /* lease taken */
    JOB_ROBOTS_WAIT, /* waiting for the host's robots rules */
    JOB_READY,       /* in the ready queue: waiting for a transfer slot */
    JOB_FETCHING,    /* transfer running */
    JOB_RESULT,      /* transfer over: in the results queue, or its result
                      * being made */
    JOB_ARCHIVING,   /* its records with the WARC writer thread; the
                      * result is made when they are written */
    JOB_DONE,        /* result handed to Redis; free it */
};

struct worker;

/* One lease being worked on. */
struct job {
    enum job_state state;
    struct worker *w;
    struct crawl *cr;
    struct cf_lease lease;      /* what pop gave us (owned) */
    struct cf_request req;      /* decoded lease record (page leases) */
    struct fetch_xfer x;        /* the transfer */
    TAILQ_ENTRY(job) link;      /* in worker's job list */
    TAILQ_ENTRY(job) wait;      /* in the ready or the results queue */
    struct robocache_wait rwait; /* parked on the robots cache */
    struct warc_req wreq;       /* its records, in JOB_ARCHIVING */
    int queued;                 /* in the ready or the results queue */
};

TAILQ_HEAD(job_list, job);

/* Process counters (also the metrics and the heartbeat). */
struct worker_counters {
    uint64_t pages;              /* page results acked */
    uint64_t bytes;              /* decoded body bytes */
    uint64_t errors;             /* results other than ok */
    uint64_t by_outcome[CF_OUT__COUNT]; /* results by outcome */
    uint64_t retries;            /* fails sent (transient) */
    uint64_t stale;              /* stale acks and fails */
    uint64_t robots_fetched;     /* robots leases completed */
    uint64_t robots_unreachable; /* robots.txt fetches with no usable
                                  * answer (retried by the frontier) */
    uint64_t robots_denied;      /* pages denied by robots rules */
    uint64_t pops;               /* pop calls */
    uint64_t ack_pops;           /* of them, inside an ack call */
    uint64_t empty_pops;         /* pops that leased nothing */
    uint64_t leases;             /* leases received */
    uint64_t links;              /* links pushed in acks */
    uint64_t out_of_scope;       /* links dropped by the scope rule */
    uint64_t too_deep;           /* links dropped: past max_depth */
    uint64_t skipped_ext;        /* links dropped: skipped extension */
    uint64_t redis_lost;         /* results dropped (queue full) */
    uint64_t bad_leases;         /* undecodable lease records */
    uint64_t parse_ms;           /* time spent parsing */
    uint64_t sitemaps;           /* sitemap files read */
    uint64_t sitemap_capped;     /* sitemap entries past the 50,000 cap */
    uint64_t links_over_cap;     /* links past --max-links, not taken */
    uint64_t pages_over_cap;     /* pages that had such links */
    uint64_t noindex;            /* pages marked noindex (meta, header) */
    uint64_t nofollow;           /* pages whose links were not followed */
    uint64_t released;           /* leases given back at shutdown */
    uint64_t dup_local;          /* links dropped by the dedup cache */
    uint64_t idle_pops;          /* empty pops with nothing scheduled */
    uint64_t pop_rtt_us;         /* pop send to reply, summed */
    uint64_t pop_rtt_max_us;     /* the longest */
    uint64_t pop_slow;           /* pops answered after 5 ms or more */
    uint64_t warc_records;       /* WARC records written */
    uint64_t warc_noindex;       /* noindex pages not archived
                                    (warc_skip_noindex) */
};

/* Where the worker's capacity went since it started running, summed in
 * microseconds times count: transfers running (against --concurrency),
 * leases waiting for a transfer slot, leases whose result is pending,
 * leases asked for in pops not yet answered. */
struct worker_slots {
    int64_t t_us;                /* last update (monotonic us); 0: not yet */
    uint64_t run_us;             /* time running */
    uint64_t fetch_us;           /* transfers running */
    uint64_t ready_us;           /* jobs in the ready queue */
    uint64_t result_us;          /* jobs in the results queue */
    uint64_t pop_us;             /* asked for in pops not yet answered */
    uint64_t lease_us;           /* jobs (leases held) */
};

struct rclient;
struct robocache;
struct metrics;

struct worker {
    struct event_base *base;
    const struct worker_opts *o;
    char id[160];                /* worker id */
    char host[128];              /* hostname */
    enum worker_state state;
    struct rclient *rc;          /* acks, fails, configs, heartbeat */
    struct rclient *rc_pop;      /* pops only: not queued behind acks */
    struct fetch *fetch;
    struct robocache *robots;
    struct metrics *metrics;
    struct crawl *crawls[WORKER_CRAWLS_MAX];
    int ncrawls;
    struct job_list jobs;        /* every live job */
    struct job_list ready;       /* leases waiting for a transfer slot */
    struct job_list results;     /* transfers over, results not made yet */
    int nready;                  /* jobs in ready */
    int nresults;                /* jobs in results */
    int lease_cap;               /* leases held + asked for, at most */
    struct event *result_ev;     /* lowest priority: make one result */
    int inflight;                /* live jobs */
    int popping;                 /* leases asked for in outstanding pops */
    unsigned pop_rr;             /* the crawl worker_pump starts at */
    int list_loading;            /* SMEMBERS cf:crawls outstanding */
    int64_t list_ms;             /* last crawl list refresh (monotonic) */
    int64_t hb_ms;               /* last heartbeat (monotonic) */
    int64_t started_ms;          /* unix ms at start (the heartbeat) */
    int64_t start_mono_ms;       /* the same, monotonic */
    int64_t drain_deadline;      /* abort in-flight after this
                                  * (monotonic ms) */
    int releasing;               /* release calls not yet answered */
    int64_t release_deadline;    /* stop waiting for them (monotonic
                                  * ms); 0: none */
    struct event *cron;          /* housekeeping timer */
    struct event *pop_ev;        /* one-shot: next pop due */
    struct event *ack_ev;        /* timer: send the batched acks */
    struct event *sig_term, *sig_int;
    int exit_code;
    struct worker_counters n;
    struct worker_slots slots;   /* slot time accounting */
    int fetching;                /* transfers running */
    double rate;                 /* pages/s, smoothed */
    uint64_t rate_pages;         /* pages at the last rate sample */
    int64_t rate_ms;             /* time of that sample (monotonic) */
};

/* Run a worker on its own event loop until it is told to stop or, with
 * exit_when_done, all its crawls end. Returns the process exit code. */
int worker_run(const struct worker_opts *o, const struct cf_redis_addr *a);

/* Account slot time up to now; call before inflight, popping, fetching,
 * nready or nresults change. */
void worker_slots_note(struct worker *w);

/* The crawl is gone, or Redis may have lost data: forget what the
 * worker's caches hold for it (a crawl created again under its name
 * starts with an empty seen set). */
void worker_crawl_forget(struct crawl *cr);
/* A script refused a call for cr with error reply err. When err says the
 * crawl does not exist, note it (a crawl seen before is deleted, and
 * ends at once), log it once and return 1: the caller drops what it sent
 * without a warning. Else 0. */
int worker_crawl_missing(struct crawl *cr, const char *err);

/* ---- popper.c ---- */

/* Look for work now (after a completion, a reply, a timer): pop for the
 * crawls whose backoff is over while lease slots are free, and arm the
 * pop timer (w->pop_ev) for the first backoff still running. */
void worker_pump(struct worker *w);

/* New work may be poppable for cr (one of its acks or robots calls was
 * answered): pop again without waiting, and restart the idle backoff
 * from its shortest step. */
void worker_crawl_wake(struct crawl *cr);

/* Leases to ask for with an ack of cr sent now (cf_frontier_ack_pop),
 * 0 for none: what a pop would ask for, whatever its backoff (the ack
 * frees slots and brings links). When not 0 they count as asked for
 * until popper_ack_done(). */
int popper_ack_want(struct worker *w, struct crawl *cr);
/* The pop part of an ack that asked for asked leases at sent_us
 * (monotonic us): its reply r (cf_frontier_ack_popped), or NULL when
 * the ack went without it or got no reply; the leases are started. */
void popper_ack_done(struct crawl *cr, const redisReply *r, int asked,
                     int64_t sent_us);

/* w->pop_ev's callback (arg: the worker): a backoff is over. */
void popper_on_timer(evutil_socket_t fd, short what, void *arg);

/* ---- job.c ---- */

/* Take ownership of lease l (moved) and start on it. */
void job_start(struct worker *w, struct crawl *cr, struct cf_lease *l);
/* The results queue's event (lowest priority): make the first queued
 * job's result, and come back for the next. */
void job_results_run(evutil_socket_t fd, short what, void *arg);
/* Abort a job at the grace deadline (its lease will expire). */
void job_abort(struct job *j);

/* ---- drain.c ---- */

/* The grace period is over: give every live job's lease back to the
 * frontier (one release call per crawl and CF_RELEASE_MAX leases), abort
 * the jobs, and wait at most wait_ms for the replies (w->releasing and
 * w->release_deadline; each reply wakes the housekeeping timer). */
void drain_release(struct worker *w, int64_t wait_ms);
/* Give j's lease back now (one release call); the caller then finishes
 * j without an ack. */
void drain_release_one(struct worker *w, struct job *j);

#endif
