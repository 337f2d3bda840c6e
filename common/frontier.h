/* frontier.h - the crawl frontier in Redis: the C side of the Lua scripts.
 *
 * All shared crawl state changes only through the scripts in
 * common/scripts/<name>.lua, embedded at build time as one Redis function
 * library (tools/embed-scripts.sh) in which each script is a function,
 * called with FCALL; a call that finds its function missing loads the
 * library (FUNCTION LOAD REPLACE) and is sent again. This module builds
 * their commands as argv
 * arrays and parses their replies, without doing any I/O itself: the
 * synchronous CLI sends them with cf_frontier_call(), the worker with
 * hiredis' async API on its event loop. docs/keys.md documents the keys.
 *
 * Every request in flight is leased: it stays in the crawl's in-flight
 * hash with a deadline until an ack or fail presents the lease token it
 * was popped with. A lease past its deadline is re-queued (attempt + 1) by
 * the next pop or reap; an ack or fail with a stale token is dropped and
 * counted (stats field stale_acks), so each URL gets exactly one result. */
#ifndef CF_FRONTIER_H
#define CF_FRONTIER_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "config.h"
#include "err.h"

/* ---- scripts ---------------------------------------------------------- */

enum cf_script_id {
    CF_SCRIPT_CREATE,
    CF_SCRIPT_PUSH,
    CF_SCRIPT_POP,
    CF_SCRIPT_ACK,
    CF_SCRIPT_FAIL,
    CF_SCRIPT_ROBOTS,
    CF_SCRIPT_REAP,
    CF_SCRIPT_CONTROL,
    CF_SCRIPT_RELEASE,
    CF_SCRIPT__COUNT
};

struct cf_script {
    const char *name; /* file name without .lua */
    const char *fn;   /* its function: "cf_<version>_<name>" */
};

/* The library all scripts are functions of. Its name, "cf_<version>", and
 * its functions' names carry a hash of its text (version, 16 hex digits),
 * so builds with other scripts can share a Redis: each calls and loads
 * only its own. */
struct cf_library {
    const char *name; /* "cf_<version>" */
    const char *text; /* "#!lua name=cf_<version>" and the code */
    size_t len;       /* bytes in text */
};

/* Generated at build time from common/scripts/<name>.lua. */
const struct cf_script *cf_script_get(enum cf_script_id id);
const struct cf_library *cf_library_get(void);

/* Other builds' libraries ("cf_*") kept in a Redis. A load that finds
 * this many or more deletes them all (cf_frontier_load): builds still
 * running load theirs again on their next call, once each. */
#define CF_LIBS_MAX 8

/* 1 if r is Redis' reply to an FCALL whose function is not loaded (a
 * fresh or flushed Redis, or a library deleted by another build's
 * cf_frontier_load): load the library and send the call again. */
int cf_frontier_missing(const redisReply *r);

/* 1 if err is a Redis error saying FCALL or FUNCTION is an unknown
 * command: a Redis before 7.0, or one that renamed them away. The
 * sync calls (cf_frontier_call, cf_frontier_load) then report
 * CF_FRONTIER_NO_FUNCTIONS instead of Redis' words. */
int cf_frontier_no_functions(const char *err);
#define CF_FRONTIER_NO_FUNCTIONS                                         \
    "this Redis has no functions (FCALL and FUNCTION are unknown "       \
    "commands): crawlfleet needs Redis 7.0 or later with both enabled "  \
    "(docs/keys.md)"

/* The command that loads (or replaces) the library, argv style: 4
 * arguments. The pointers are static. */
int cf_frontier_load_argv(const char ***argv, const size_t **argvlen);

/* ---- commands --------------------------------------------------------- */

/* An argv under construction: all argument bytes in one buffer. */
struct cf_cmd {
    struct cf_buf bytes;  /* arguments back to back */
    size_t *off;          /* start of each argument in bytes */
    size_t *len;          /* length of each argument */
    const char **argv;    /* built by cf_cmd_argv() */
    int argc;             /* arguments so far */
    int cap;              /* slots in off/len/argv */
    enum cf_script_id script; /* script the command calls */
};

void cf_cmd_init(struct cf_cmd *c);
void cf_cmd_cleanup(struct cf_cmd *c);
void cf_cmd_reset(struct cf_cmd *c);
void cf_cmd_add(struct cf_cmd *c, const void *p, size_t n);
void cf_cmd_adds(struct cf_cmd *c, const char *s);
void cf_cmd_addll(struct cf_cmd *c, long long v);
/* Drop the last n arguments (at most all of them). */
void cf_cmd_drop(struct cf_cmd *c, int n);
/* Pointers valid until the next add; returns argc. */
int cf_cmd_argv(struct cf_cmd *c, const char ***argv, const size_t **argvlen);

/* ---- operations ------------------------------------------------------- */

/* A URL to enqueue. rec is an encoded struct cf_request. */
struct cf_link {
    uint64_t fp;          /* cf_fp() of the normalised URL */
    const char *hostkey;  /* cf_url_hostkey() of the URL */
    int64_t priority;     /* lower first; FIFO among equals */
    const char *rec;      /* encoded cf_request */
    size_t rec_len;
};

/* create: store cfg in cf:{crawl}:config and start the crawl (state
 * running) if it does not exist. Reply: 1 created, 0 existed (config left
 * as it was). */
void cf_frontier_create_cmd(struct cf_cmd *c, const char *crawl,
                            const struct cf_config *cfg, int64_t now_ms);

/* push: dedup each link by fingerprint and enqueue the new ones; seeds
 * count in stats "seeded". A done or cancelled crawl takes nothing (a done
 * crawl given new seeds goes back to running). Reply: an array with, per
 * link, 1 if it was new and 0 if it was a duplicate. */
void cf_frontier_push_cmd(struct cf_cmd *c, const char *crawl, int64_t now_ms,
                          const struct cf_link *links, size_t n, int seeds);
int cf_frontier_push_parse(const redisReply *r, size_t n, int *is_new,
                           char *errstr);

enum cf_lease_kind {
    CF_LEASE_PAGE = 0,   /* fetch rec's URL */
    CF_LEASE_ROBOTS = 1, /* fetch <hostkey>/robots.txt, then robots call */
};

/* One popped request. */
struct cf_lease {
    enum cf_lease_kind kind;
    uint64_t fp;          /* fingerprint; for robots, 0 */
    int64_t token;        /* lease token for ack/fail/robots */
    char *hostkey;        /* heap */
    char *rec;            /* heap encoded cf_request; NULL for robots */
    size_t rec_len;
    uint32_t attempts;    /* earlier failed attempts */
};

/* What a pop says beyond its leases. */
/* cf_pop_info.wait_ms when no host is scheduled (pop.lua's -1, -2). */
#define CF_POP_WAIT_IDLE -1   /* and no lease is out: nothing to come */
#define CF_POP_WAIT_LEASED -2 /* but leases are out: their acks may
                               * bring links */

struct cf_pop_info {
    char state[16];       /* running, paused, cancelled, done, missing */
    int64_t wait_ms;      /* when no lease came back: ms until the next
                           * host is due; if none is scheduled,
                           * CF_POP_WAIT_LEASED or CF_POP_WAIT_IDLE */
    int seen_level;       /* the seen set's L, -1 unknown (not running) */
    int64_t seen_split;   /* and its split pointer s */
};

/* pop: lease up to n requests for worker at now_ms, honouring per-host
 * concurrency and delay, priorities, the page budget and robots; also
 * promotes due retries and re-queues a few expired leases first. */
void cf_frontier_pop_cmd(struct cf_cmd *c, const char *crawl,
                         const char *worker, int n, int64_t now_ms);
/* Parse a pop reply into a heap array *out of *n leases. */
int cf_frontier_pop_parse(const redisReply *r, struct cf_lease **out,
                          size_t *n, struct cf_pop_info *info, char *errstr);
void cf_lease_cleanup(struct cf_lease *l);
void cf_leases_free(struct cf_lease *l, size_t n);

/* The seen-set bucket key that would hold fp ("cf:{crawl}:seen:<bits>",
 * docs/keys.md) at level and split as a pop reported them; buf holds
 * CF_KEY_MAX bytes. A caller may drop links found there (SISMEMBER)
 * before an ack: the set only grows, so a look-up with an outdated level
 * can miss a link (the ack then decides) but never report a new one as
 * seen. Returns -1 (buf empty) if level is unknown. */
int cf_frontier_seen_key(char *buf, const char *crawl, uint64_t fp,
                         int level, int64_t split);

/* The completion of a page lease. */
struct cf_ack {
    uint64_t fp;
    int64_t token;
    const char *hostkey;
    int64_t now_ms;
    const char *result;   /* encoded cf_result, appended to the stream */
    size_t result_len;
    const char *outcome;  /* cf_outcome name: counter err_<outcome> */
    int status;           /* HTTP status or 0: counter status_Nxx */
    int64_t bytes;        /* counter bytes */
    int64_t links_found;  /* links on the page before dedup */
    int64_t out_of_scope; /* links dropped by the scope rule, include or
                           * exclude (or unusable) */
    int64_t too_deep;     /* links dropped: past max_depth */
    int64_t skipped_ext;  /* links dropped: a skipped file extension */
    int64_t robots_denied;/* 1 if this request was denied by robots */
    int noindex;          /* 1: the page says noindex (counter noindex) */
    int nofollow;         /* 1: the page says nofollow (counter nofollow) */
    int64_t started_ms;   /* when its fetch started (caller's clock), 0
                           * if none: the host's next fetch may start
                           * delay ms after it, not after the pop */
    int first_attempt;    /* 1: its lease had no earlier attempts
                           * (cf_lease.attempts 0), so the ack need not
                           * clear an attempts entry; 0 clears it */
    const struct cf_link *links; /* in-scope links to push */
    size_t nlinks;
};

/* ack: one atomic call for a batch of completed pages. _cmd starts the
 * command with page a (a->now_ms is the batch's time), _add appends one
 * more page (at most 1000 in all). Reply: per page 1 accepted, 0 stale
 * (dropped, counted in stale_acks). The caller keeps a and its buffers;
 * the command holds copies. */
void cf_frontier_ack_cmd(struct cf_cmd *c, const char *crawl,
                         const struct cf_ack *a);
void cf_frontier_ack_add(struct cf_cmd *c, const struct cf_ack *a);
#define CF_ACK_MAX 1000 /* pages in one ack call */
/* Ask, after the pages, for up to n leases for worker at now_ms in the
 * same call (the pop after an ack that freed slots, without a call of
 * its own): the last arguments of the command, added once, after every
 * page. CF_ACK_POP_ARGS is how many arguments it adds. */
void cf_frontier_ack_pop(struct cf_cmd *c, const char *worker, int n,
                         int64_t now_ms);
#define CF_ACK_POP_ARGS 4
/* Parse an ack reply for n pages into accepted[0..n-1] (1 or 0). A reply
 * with one more element (the pop's, cf_frontier_ack_popped) is fine. */
int cf_frontier_ack_parse(const redisReply *r, size_t n, int *accepted,
                          char *errstr);
/* The pop reply inside an ack reply for n pages (for
 * cf_frontier_pop_parse), or NULL if it has none. */
const redisReply *cf_frontier_ack_popped(const redisReply *r, size_t n);

/* A transient failure of a page lease (timeout, connect, 429, 5xx). */
struct cf_fail {
    uint64_t fp;
    int64_t token;
    const char *hostkey;
    int64_t now_ms;
    const char *outcome;    /* cf_outcome name */
    int status;             /* HTTP status or 0 */
    int64_t retry_after_ms; /* from Retry-After, or -1 */
    const char *result;     /* encoded cf_result, kept if it goes dead */
    size_t result_len;
};

/* fail: re-queue with exponential backoff (backoff_ms * 2^attempts,
 * capped, at least retry_after_ms) or, past max_attempts, move to the
 * dead-letter list; counts toward the host's circuit breaker. Reply: a
 * status string "retry", "dead" or "stale". */
void cf_frontier_fail_cmd(struct cf_cmd *c, const char *crawl,
                          const struct cf_fail *f);

/* robots: complete a robots lease. body is the robots.txt text (capped
 * by the caller at ROBOTS_MAX_BYTES, worker/robots.h), status its HTTP
 * status (0: unreachable); crawl_delay_ms the Crawl-delay that applies to us (-1 none). Stored in
 * cf:{crawl}:robots for every worker. Reply: 1 accepted, 0 stale. */
void cf_frontier_robots_cmd(struct cf_cmd *c, const char *crawl,
                            const char *hostkey, int64_t token,
                            int64_t now_ms, int status, const char *body,
                            size_t len, int64_t crawl_delay_ms);
/* robots, for a robots.txt that could not be had: no answer (status 0)
 * or a 5xx. No rules are stored: the host's pages stay queued and the
 * host waits robots_retry_ms * 2^(failures - 1) (capped by
 * backoff_max_ms) before its robots.txt is leased again; at max_attempts
 * failures in a row, or at once when final is set (an address the SSRF
 * guard refuses), every page queued for the host is dead-lettered with
 * outcome (robots_unreachable, blocked, ...) and msg, the real cause.
 * Reply: 1 accepted, 0 stale. */
void cf_frontier_robots_fail_cmd(struct cf_cmd *c, const char *crawl,
                                 const char *hostkey, int64_t token,
                                 int64_t now_ms, int status,
                                 const char *outcome, const char *msg,
                                 int final);

/* reap: re-queue up to limit leases whose deadline is past. Reply: the
 * number re-queued. */
void cf_frontier_reap_cmd(struct cf_cmd *c, const char *crawl,
                          int64_t now_ms, int limit);

/* control: op is "pause", "resume", "cancel" or "requeue-dead". Reply:
 * the state after the call, or an error for an unknown crawl. */
void cf_frontier_control_cmd(struct cf_cmd *c, const char *crawl,
                             const char *op, int64_t now_ms);

/* ---- release (give leases back unfinished) ----------------------------- */

/* A lease to give back: what identifies it in the frontier. */
struct cf_lease_ref {
    enum cf_lease_kind kind; /* page or robots */
    uint64_t fp;             /* page fingerprint; 0 for robots */
    int64_t token;           /* lease token from pop */
    const char *hostkey;     /* the lease's host key */
};

/* At most this many leases per release call. */
#define CF_RELEASE_MAX 10000

/* What a release call did. */
struct cf_release_info {
    int64_t pages;  /* page leases back in their host queues */
    int64_t robots; /* robots leases cleared (host free to try again) */
    int64_t stale;  /* unknown or old tokens, skipped (stale_acks) */
};

/* release: give back n (<= CF_RELEASE_MAX) leases that will not be
 * completed, in one atomic call (a worker stopping with transfers still
 * running). A page lease with a matching token goes back to its host
 * queue at its original score, attempts unchanged (inflight - 1, queued
 * + 1, host slot freed); a robots lease clears the host's pending
 * robots fetch. Released hosts are rescheduled; stale leases are
 * skipped and counted in stale_acks. The caller keeps refs. */
void cf_frontier_release_cmd(struct cf_cmd *c, const char *crawl,
                             int64_t now_ms, const struct cf_lease_ref *refs,
                             size_t n);
/* Parse a release reply into *info. */
int cf_frontier_release_parse(const redisReply *r,
                              struct cf_release_info *info, char *errstr);

/* ---- synchronous calls (CLI, tests, benchmarks) ----------------------- */

/* Load the library (FUNCTION LOAD REPLACE), first deleting the other
 * builds' libraries if there are CF_LIBS_MAX or more of them. Returns
 * CF_OK, or an error with errstr. */
int cf_frontier_load(redisContext *rc, char *errstr);

/* Send c; if its function is missing, load the library and send it
 * again. Returns the reply, or NULL with errstr for an I/O error or an
 * error reply (which is freed). */
redisReply *cf_frontier_call(redisContext *rc, struct cf_cmd *c,
                             char *errstr);

/* The words of every script's error reply for a crawl that does not
 * exist (no_crawl() in common/scripts/lib/base.lua): deleted, or not created
 * yet. */
#define CF_NO_CRAWL_ERR "no such crawl"

/* Check that Redis is configured as the frontier's memory figure assumes
 * (docs/keys.md, "Memory"): list-max-listpack-size (list-max-ziplist-size
 * before Redis 7) of -1 to -5 (node size in bytes) or of at least
 * CF_LIST_NODE_MIN entries. Returns 0 when it is; 1 with a one-line
 * warning in warn (CF_ERRSTR_LEN bytes) when it is not or cannot be read
 * (CONFIG disabled, as on some managed Redis). */
int cf_frontier_check_redis(redisContext *rc, char *warn);
#define CF_LIST_NODE_MIN 128

#endif
