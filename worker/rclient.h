/* rclient.h - the worker's Redis connection: hiredis async on the event loop.
 *
 * One connection per worker process, plugged into the libevent base through
 * hiredis' adapter. Commands are argv arrays (struct cf_cmd). Script calls
 * go out as FCALL; one whose function is missing loads the frontier's
 * library (FUNCTION LOAD) and is sent again behind it.
 *
 * When Redis goes away the client reconnects with exponential backoff
 * (100 ms doubling to 5 s). Durable commands (acks, fails, robots results)
 * survive that: one that was sent but got no reply, or that is issued while
 * the link is down, waits in a bounded in-memory queue and is sent again
 * after the reconnect (the frontier drops a duplicate as a stale ack).
 * Other commands (pops, reads) are refused while the link is down and fail
 * with a NULL reply if the link drops under them. */
#ifndef WORKER_RCLIENT_H
#define WORKER_RCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "frontier.h"
#include "redisaddr.h"

/* Called once per command with its reply (freed by hiredis after the
 * call), or with NULL when the command could not be completed. */
typedef void rclient_cb(redisReply *reply, void *arg);

/* Called when the link comes up (up = 1) or goes down (up = 0). */
typedef void rclient_notify(int up, void *arg);

enum rclient_flags {
    RC_SCRIPT = 1,  /* the cmd is a frontier function call (reloads) */
    RC_DURABLE = 2, /* keep and resend across disconnects */
};

struct rclient_stats {
    uint64_t sent;       /* commands written to the socket */
    uint64_t replies;    /* replies handed to callbacks */
    uint64_t errors;     /* error replies */
    uint64_t resent;     /* durable commands sent again after a drop */
    uint64_t dropped;    /* durable commands dropped: queue full */
    uint64_t loads;      /* FUNCTION LOADs sent: a call found its
                          * function missing */
    uint64_t connects;   /* successful connections */
    uint64_t failures;   /* failed connection attempts and drops */
};

struct rclient;

/* A client for addr (copied) on base; it starts connecting at once.
 * queue_cap bounds the durable commands kept while Redis is away. */
struct rclient *rclient_new(struct event_base *base,
                            const struct cf_redis_addr *addr,
                            size_t queue_cap, rclient_notify *fn, void *arg);
/* Disconnect and free; queued commands are dropped without callbacks. */
void rclient_free(struct rclient *rc);

/* 1 while the link is up (connected and authenticated). */
int rclient_up(const struct rclient *rc);
/* How long (ms) Redis has refused our AUTH or SELECT in a row (wrong
 * password or user, no permission), 0 when it has not. */
int64_t rclient_refused_ms(const struct rclient *rc);
/* Commands sent and not yet answered, plus durable ones waiting. */
size_t rclient_pending(const struct rclient *rc);
const struct rclient_stats *rclient_stats(const struct rclient *rc);

/* Send cmd: its contents move into the client (cmd is left empty and
 * re-initialised, ready for reuse). Returns 0 when the command is sent or
 * queued (cb will be called exactly once, from the event loop), or
 * CF_EAGAIN when the link is down and the command is not durable (cb will
 * not be called).
 *
 * A durable send (RC_DURABLE) never fails: it returns 0 and cb is called
 * exactly once, whatever happens. The one case where cb runs before
 * rclient_send returns is a durable command that finds the queue full
 * (queue_cap): it is dropped (stats dropped) and cb gets NULL at once, so
 * a caller must have its bookkeeping for the command done before the
 * call. Callers need not check a durable send's return value. */
int rclient_send(struct rclient *rc, struct cf_cmd *cmd, int flags,
                 rclient_cb *cb, void *arg);

/* rclient_send of a durable command whose last ntail arguments hold only
 * on its first write (an ack's pop, cf_frontier_ack_pop: leases for the
 * time it was sent). Should it wait for the link, or be sent again after
 * a drop, it goes without them; the callback tells by the reply. */
int rclient_send_tail(struct rclient *rc, struct cf_cmd *cmd, int flags,
                      int ntail, rclient_cb *cb, void *arg);

/* Shorthand for a plain command from NUL-terminated words, NULL-ended. */
int rclient_sendv(struct rclient *rc, int flags, rclient_cb *cb, void *arg,
                  const char *word, ...) __attribute__((sentinel));

#endif
