/* rclient.c - hiredis async client with reconnect and a durable queue. */
#include "rclient.h"

#include <stdarg.h>
#include <string.h>
#include <sys/queue.h>

#include <hiredis/async.h>

#include "alloc.h"
#include "clock.h"
#include "err.h"
#include "log.h"

#define RC_BACKOFF_MIN_MS 100
#define RC_BACKOFF_MAX_MS 5000
#define RC_CONNECT_TIMEOUT_MS 5000

enum rc_state {
    RC_DOWN,       /* no context; a retry timer may be armed */
    RC_CONNECTING, /* context created, waiting for connect (and AUTH) */
    RC_UP,         /* commands flow */
};

static const char *const rc_state_names[] = {"down", "connecting", "up"};

struct rc_req {
    struct cf_cmd cmd;         /* the command's argv */
    int flags;                 /* enum rclient_flags */
    int reloaded;              /* sent again after loading the library */
    uint64_t loads;            /* rc->st.loads when last written */
    int tail;                  /* last arguments sent on the first write
                                * only (rclient_send_tail) */
    rclient_cb *cb;            /* completion callback */
    void *arg;                 /* its argument */
    struct rclient *rc;        /* owner */
    TAILQ_ENTRY(rc_req) link;  /* in rc->queue while waiting */
};

TAILQ_HEAD(rc_queue, rc_req);

struct rclient {
    struct event_base *base;   /* the loop */
    struct cf_redis_addr addr; /* where (own copy) */
    redisAsyncContext *ac;     /* current context or NULL */
    enum rc_state state;       /* lifecycle */
    struct event *retry_ev;    /* reconnect / connect-timeout timer */
    int backoff_ms;            /* next reconnect delay */
    struct rc_queue queue;     /* durable commands waiting for the link */
    size_t nqueue;             /* entries in queue */
    size_t queue_cap;          /* bound on nqueue */
    size_t nsent;              /* sent, reply not yet seen */
    int closing;               /* rclient_free in progress */
    int refused;               /* the last AUTH/SELECT got an error */
    int told_up;               /* notify(1) sent, notify(0) not yet */
    int64_t refused_since;     /* monotonic ms of the first such error */
    rclient_notify *notify;    /* state change callback */
    void *notify_arg;
    struct rclient_stats st;   /* counters */
};

static void rc_connect(struct rclient *rc);

static void rc_set_state(struct rclient *rc, enum rc_state s)
{
    if (rc->state == s)
        return;
    cf_debug("redis link", "from=%s to=%s", rc_state_names[rc->state],
             rc_state_names[s]);
    rc->state = s;
}

static void req_free(struct rc_req *q)
{
    cf_cmd_cleanup(&q->cmd);
    free(q);
}

static void rc_arm(struct rclient *rc, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(rc->retry_ev, &tv);
}

static void rc_schedule_retry(struct rclient *rc)
{
    if (rc->closing)
        return;
    rc_arm(rc, rc->backoff_ms);
    rc->backoff_ms *= 2;
    if (rc->backoff_ms > RC_BACKOFF_MAX_MS)
        rc->backoff_ms = RC_BACKOFF_MAX_MS;
}

static void rc_went_down(struct rclient *rc, const char *why)
{
    char a[256];
    int was_up = rc->told_up;

    rc->ac = NULL;
    rc_set_state(rc, RC_DOWN);
    rc->st.failures++;
    /* refused credentials were said once (rc_setup_reply) */
    if (!rc->refused)
        cf_warn("redis unavailable, retrying",
                "addr=%s error=\"%s\" retry_ms=%d",
                cf_redis_addr_format(&rc->addr, a, sizeof(a)), why,
                rc->backoff_ms);
    rc_schedule_retry(rc);
    rc->told_up = 0;
    if (was_up && rc->notify)
        rc->notify(0, rc->notify_arg);
}

/* Queue a durable command for later; 0, or CF_ETOOBIG when full. */
static int rc_enqueue(struct rclient *rc, struct rc_req *q)
{
    if (rc->nqueue >= rc->queue_cap) {
        rc->st.dropped++;
        return CF_ETOOBIG;
    }
    /* written later, if at all: without what holds only now */
    cf_cmd_drop(&q->cmd, q->tail);
    q->tail = 0;
    q->reloaded = 0; /* a new attempt on a new link */
    TAILQ_INSERT_TAIL(&rc->queue, q, link);
    rc->nqueue++;
    return 0;
}

static void rc_reply(redisAsyncContext *ac, void *r, void *priv);

/* Write q on the live context; 0 or CF_EAGAIN. */
static int rc_write(struct rclient *rc, struct rc_req *q)
{
    const char **argv;
    const size_t *lens;
    int argc;

    if (rc->state != RC_UP || !rc->ac)
        return CF_EAGAIN;
    argc = cf_cmd_argv(&q->cmd, &argv, &lens);
    if (redisAsyncCommandArgv(rc->ac, rc_reply, q, argc, argv, lens) !=
        REDIS_OK)
        return CF_EAGAIN;
    rc->nsent++;
    rc->st.sent++;
    q->loads = rc->st.loads;
    return 0;
}

/* Reply to a FUNCTION LOAD sent by rc_reload. */
static void rc_load_reply(redisAsyncContext *ac, void *r, void *priv)
{
    struct rclient *rc = priv;
    redisReply *reply = r;

    if (!reply || rc->ac != ac || rc->closing)
        return;
    if (reply->type == REDIS_REPLY_ERROR)
        cf_error("redis refused the frontier's functions",
                 "library=%s error=\"%s\"", cf_library_get()->name,
                 reply->str);
}

/* q's function is missing: load the library, unless that was done after
 * q went out (the calls out with q get the same reply), and write q
 * again behind it. 0 or CF_EAGAIN. */
static int rc_reload(struct rclient *rc, struct rc_req *q)
{
    if (rc->state != RC_UP || !rc->ac)
        return CF_EAGAIN;
    if (q->loads == rc->st.loads) {
        const char **argv;
        const size_t *lens;
        int argc = cf_frontier_load_argv(&argv, &lens);

        if (redisAsyncCommandArgv(rc->ac, rc_load_reply, rc, argc, argv,
                                  lens) != REDIS_OK)
            return CF_EAGAIN;
        rc->st.loads++;
    }
    return rc_write(rc, q);
}

/* q got no reply: keep it if durable, else tell its owner. */
static void rc_undelivered(struct rclient *rc, struct rc_req *q)
{
    if (rc->closing) {
        req_free(q);
        return;
    }
    if (q->flags & RC_DURABLE) {
        rc->st.resent++;
        if (rc_enqueue(rc, q) == 0)
            return;
        cf_warn("redis queue full, command dropped", "cap=%zu",
                rc->queue_cap);
    }
    if (q->cb)
        q->cb(NULL, q->arg);
    req_free(q);
}

static void rc_reply(redisAsyncContext *ac, void *r, void *priv)
{
    struct rc_req *q = priv;
    struct rclient *rc = q->rc;
    redisReply *reply = r;

    (void)ac;
    rc->nsent--;
    if (!reply) {
        rc_undelivered(rc, q);
        return;
    }
    if ((q->flags & RC_SCRIPT) && !q->reloaded &&
        cf_frontier_missing(reply)) {
        q->reloaded = 1;
        if (rc_reload(rc, q) != 0)
            rc_undelivered(rc, q);
        return;
    }
    rc->st.replies++;
    if (reply->type == REDIS_REPLY_ERROR)
        rc->st.errors++;
    if (q->cb)
        q->cb(reply, q->arg);
    req_free(q);
}

static void rc_flush(struct rclient *rc)
{
    struct rc_req *q;

    while (rc->state == RC_UP && (q = TAILQ_FIRST(&rc->queue)) != NULL) {
        TAILQ_REMOVE(&rc->queue, q, link);
        rc->nqueue--;
        if (rc_write(rc, q) != 0) {
            TAILQ_INSERT_HEAD(&rc->queue, q, link);
            rc->nqueue++;
            break;
        }
    }
}

static void rc_became_up(struct rclient *rc)
{
    char a[256];

    evtimer_del(rc->retry_ev);
    rc_set_state(rc, RC_UP);
    rc->st.connects++;
    if (rc->refused) {
        /* the credentials were refused last time: no reset of the
         * backoff and no news until the setup replies say yes */
        rc_flush(rc);
        return;
    }
    rc->backoff_ms = RC_BACKOFF_MIN_MS;
    cf_info("redis connected", "addr=%s queued=%zu",
            cf_redis_addr_format(&rc->addr, a, sizeof(a)), rc->nqueue);
    rc_flush(rc);
    rc->told_up = 1;
    if (rc->notify)
        rc->notify(1, rc->notify_arg);
}

/* Replies of the AUTH / SELECT sent ahead of everything else. */
static void rc_setup_reply(redisAsyncContext *ac, void *r, void *priv)
{
    struct rclient *rc = priv;
    redisReply *reply = r;

    if (!reply || rc->ac != ac || rc->closing)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        /* WRONGPASS, NOAUTH, NOPERM: said once, then backed off like any
         * other failure until it changes */
        if (!rc->refused)
            cf_error("redis rejected the connection setup, retrying with "
                     "backoff", "error=\"%s\"", reply->str);
        if (!rc->refused_since)
            rc->refused_since = cf_mono_ms();
        rc->refused = 1;
        redisAsyncDisconnect(ac);
    } else if (rc->refused) {
        char a[256];

        rc->refused = 0;
        rc->refused_since = 0;
        rc->backoff_ms = RC_BACKOFF_MIN_MS;
        cf_info("redis connected", "addr=%s queued=%zu",
                cf_redis_addr_format(&rc->addr, a, sizeof(a)), rc->nqueue);
        rc->told_up = 1;
        if (rc->notify)
            rc->notify(1, rc->notify_arg);
    }
}

static void rc_on_connect(const redisAsyncContext *ac, int status)
{
    struct rclient *rc = ac->data;

    if (!rc || rc->ac != ac)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this callback */
        rc_went_down(rc, ac->errstr);
        return;
    }
    /* AUTH and SELECT were queued first, so everything after them runs
     * authenticated; an error reply there drops the link. */
    rc_became_up(rc);
}

static void rc_on_disconnect(const redisAsyncContext *ac, int status)
{
    struct rclient *rc = ac->data;

    if (!rc || rc->ac != ac)
        return;
    rc_went_down(rc, status == REDIS_OK ? "closed" : ac->errstr);
}

static void rc_timer(evutil_socket_t fd, short what, void *arg)
{
    struct rclient *rc = arg;
    redisAsyncContext *ac;

    (void)fd;
    (void)what;
    if (rc->state == RC_CONNECTING) {
        /* connect timed out: free the context from outside its callbacks */
        ac = rc->ac;
        rc->ac = NULL;
        ac->data = NULL;
        redisAsyncFree(ac);
        rc_went_down(rc, "connect timeout");
        return;
    }
    if (rc->state == RC_DOWN)
        rc_connect(rc);
}

/* ---- the loop adapter ------------------------------------------------
 *
 * hiredis' own libevent adapter (adapters/libevent.h, 0.14) makes its
 * read and write events without EV_PERSIST: each read fires once and is
 * added again (epoll_ctl DEL then ADD), and each write is an add and a
 * delete of write interest (MOD, MOD), waited for in the next turn of the
 * loop. That was 4.5 epoll_ctl a page on a rust-doc crawl, half of them
 * hiredis'. Here the read event persists from attach to cleanup, and a
 * write on a connected link is a flush queued on the loop (event_active:
 * no system call) that runs after the callbacks of this turn, so every
 * command issued in one turn goes out in one write. Write interest on
 * the socket is only taken while hiredis waits for the connect or for
 * room in a full socket buffer. */

struct rc_events {
    redisAsyncContext *ac; /* the context served */
    struct event *rev;     /* readable: persistent */
    struct event *wev;     /* writable: while hiredis waits for it */
    struct event *flush;   /* no fd: a write queued for this turn */
    int reading;           /* rev added */
    int writing;           /* wev added */
};

/* 1 while redisAsyncHandleWrite runs from here: a write interest asked
 * for then means the socket took less than all (or is connecting). A
 * file-scope flag, not a field: the context (and its rc_events) may be
 * freed inside the call. Either way the write happens; the flag only
 * picks the cheaper way when it is safe. */
static int rc_in_write;

static void rc_ev_read(evutil_socket_t fd, short what, void *arg)
{
    struct rc_events *e = arg;

    (void)fd;
    (void)what;
    redisAsyncHandleRead(e->ac);
}

static void rc_ev_write(evutil_socket_t fd, short what, void *arg)
{
    struct rc_events *e = arg;

    (void)fd;
    (void)what;
    rc_in_write = 1;
    redisAsyncHandleWrite(e->ac);
    rc_in_write = 0;
}

static void rc_ev_add_read(void *priv)
{
    struct rc_events *e = priv;

    if (!e->reading) {
        event_add(e->rev, NULL);
        e->reading = 1;
    }
}

static void rc_ev_del_read(void *priv)
{
    struct rc_events *e = priv;

    if (e->reading) {
        event_del(e->rev);
        e->reading = 0;
    }
}

static void rc_ev_add_write(void *priv)
{
    struct rc_events *e = priv;

    if (!rc_in_write && (e->ac->c.flags & REDIS_CONNECTED)) {
        /* once a turn: an active event made active again stays one
         * run; a flush with nothing left to write is no system call
         * (hiredis writes only a non-empty buffer) */
        event_active(e->flush, EV_WRITE, 1);
        return;
    }
    if (!e->writing) {
        event_add(e->wev, NULL);
        e->writing = 1;
    }
}

static void rc_ev_del_write(void *priv)
{
    struct rc_events *e = priv;

    if (e->writing) {
        event_del(e->wev);
        e->writing = 0;
    }
}

static void rc_ev_cleanup(void *priv)
{
    struct rc_events *e = priv;

    event_free(e->rev);
    event_free(e->wev);
    event_free(e->flush);
    free(e);
}

/* Plug ac into base; the write interest taken here sees the connect
 * through, as hiredis expects of an adapter. */
static void rc_ev_attach(redisAsyncContext *ac, struct event_base *base)
{
    struct rc_events *e = cf_calloc(1, sizeof(*e));
    int fd = ac->c.fd;

    e->ac = ac;
    e->rev = event_new(base, fd, EV_READ | EV_PERSIST, rc_ev_read, e);
    e->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, rc_ev_write, e);
    e->flush = event_new(base, -1, 0, rc_ev_write, e);
    if (!e->rev || !e->wev || !e->flush)
        abort(); /* out of memory, as cf_malloc */
    ac->ev.addRead = rc_ev_add_read;
    ac->ev.delRead = rc_ev_del_read;
    ac->ev.addWrite = rc_ev_add_write;
    ac->ev.delWrite = rc_ev_del_write;
    ac->ev.cleanup = rc_ev_cleanup;
    ac->ev.data = e;
    rc_ev_add_read(e);
    rc_ev_add_write(e);
}

static void rc_connect(struct rclient *rc)
{
    redisAsyncContext *ac;

    if (rc->addr.path)
        ac = redisAsyncConnectUnix(rc->addr.path);
    else
        ac = redisAsyncConnect(rc->addr.host, rc->addr.port);
    if (!ac || ac->err) {
        char why[128];
        snprintf(why, sizeof(why), "%s", ac ? ac->errstr : "no memory");
        if (ac)
            redisAsyncFree(ac);
        rc_went_down(rc, why);
        return;
    }
    ac->data = rc;
    rc->ac = ac;
    rc_set_state(rc, RC_CONNECTING);
    rc_ev_attach(ac, rc->base);
    redisAsyncSetConnectCallback(ac, rc_on_connect);
    redisAsyncSetDisconnectCallback(ac, rc_on_disconnect);
    if (rc->addr.password && rc->addr.user)
        redisAsyncCommand(ac, rc_setup_reply, rc, "AUTH %s %s",
                          rc->addr.user, rc->addr.password);
    else if (rc->addr.password)
        redisAsyncCommand(ac, rc_setup_reply, rc, "AUTH %s",
                          rc->addr.password);
    if (rc->addr.db)
        redisAsyncCommand(ac, rc_setup_reply, rc, "SELECT %d", rc->addr.db);
    rc_arm(rc, RC_CONNECT_TIMEOUT_MS);
}

static char *dup_or_null(const char *s)
{
    return s ? cf_strdup(s) : NULL;
}

struct rclient *rclient_new(struct event_base *base,
                            const struct cf_redis_addr *addr,
                            size_t queue_cap, rclient_notify *fn, void *arg)
{
    struct rclient *rc = cf_calloc(1, sizeof(*rc));

    rc->base = base;
    rc->addr.host = dup_or_null(addr->host);
    rc->addr.port = addr->port;
    rc->addr.path = dup_or_null(addr->path);
    rc->addr.user = dup_or_null(addr->user);
    rc->addr.password = dup_or_null(addr->password);
    rc->addr.db = addr->db;
    rc->queue_cap = queue_cap;
    rc->notify = fn;
    rc->notify_arg = arg;
    rc->backoff_ms = RC_BACKOFF_MIN_MS;
    rc->state = RC_DOWN;
    TAILQ_INIT(&rc->queue);
    rc->retry_ev = evtimer_new(base, rc_timer, rc);
    rc_connect(rc);
    return rc;
}

void rclient_free(struct rclient *rc)
{
    struct rc_req *q;

    if (!rc)
        return;
    rc->closing = 1;
    if (rc->ac) {
        redisAsyncContext *ac = rc->ac;
        rc->ac = NULL;
        redisAsyncFree(ac);
    }
    while ((q = TAILQ_FIRST(&rc->queue)) != NULL) {
        TAILQ_REMOVE(&rc->queue, q, link);
        req_free(q);
    }
    event_free(rc->retry_ev);
    cf_redis_addr_cleanup(&rc->addr);
    free(rc);
}

int64_t rclient_refused_ms(const struct rclient *rc)
{
    return rc->refused_since ? cf_mono_ms() - rc->refused_since : 0;
}

int rclient_up(const struct rclient *rc)
{
    return rc->state == RC_UP && !rc->refused;
}

size_t rclient_pending(const struct rclient *rc)
{
    return rc->nsent + rc->nqueue;
}

const struct rclient_stats *rclient_stats(const struct rclient *rc)
{
    return &rc->st;
}

int rclient_send(struct rclient *rc, struct cf_cmd *cmd, int flags,
                 rclient_cb *cb, void *arg)
{
    return rclient_send_tail(rc, cmd, flags, 0, cb, arg);
}

int rclient_send_tail(struct rclient *rc, struct cf_cmd *cmd, int flags,
                      int ntail, rclient_cb *cb, void *arg)
{
    struct rc_req *q;

    if (rc->state != RC_UP && !(flags & RC_DURABLE))
        return CF_EAGAIN;
    q = cf_calloc(1, sizeof(*q));
    q->cmd = *cmd;
    cf_cmd_init(cmd);
    q->flags = flags;
    q->tail = ntail;
    q->cb = cb;
    q->arg = arg;
    q->rc = rc;
    if (rc_write(rc, q) == 0)
        return 0;
    if ((flags & RC_DURABLE) && rc_enqueue(rc, q) == 0)
        return 0;
    if (flags & RC_DURABLE) {
        /* queue full: the caller still gets its one callback */
        cf_warn("redis queue full, command dropped", "cap=%zu",
                rc->queue_cap);
        if (cb)
            cb(NULL, arg);
        req_free(q);
        return 0;
    }
    req_free(q);
    return CF_EAGAIN;
}

int rclient_sendv(struct rclient *rc, int flags, rclient_cb *cb, void *arg,
                  const char *word, ...)
{
    struct cf_cmd c;
    va_list ap;
    int rv;

    cf_cmd_init(&c);
    va_start(ap, word);
    for (; word; word = va_arg(ap, const char *))
        cf_cmd_adds(&c, word);
    va_end(ap);
    rv = rclient_send(rc, &c, flags, cb, arg);
    cf_cmd_cleanup(&c);
    return rv;
}
