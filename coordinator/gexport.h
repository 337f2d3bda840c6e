/* gexport.h - results that leave Redis: the results stream read through
 * a consumer group, written durably, acknowledged, and trimmed.
 *
 * A group exporter reads cf:{C}:results as consumer CONSUMER of group
 * GROUP (created at the stream's start if missing), first the entries
 * the group delivered to this consumer earlier and that were never
 * acknowledged (a restarted exporter), then new ones. It writes each
 * entry's record, and at least once a second (gexport_sync) makes the
 * output durable (fflush, fsync), records a checkpoint (the last entry
 * id written and the output's size, in CURSOR written to a temporary
 * file, fsynced and renamed), acknowledges (XACK) what it wrote, and
 * trims the stream (XTRIM MINID) below the oldest entry any group of the
 * stream still needs: its oldest pending entry, or for a group with none
 * the first entry after the one it last read.
 *
 * Exactly once, across kill -9: the checkpoint is also kept in Redis
 * (hash cf:{C}:export, field "GROUP CONSUMER", value "ID SIZE"), set by
 * the same script call that acknowledges what it covers, after the
 * output was fsynced. At the start the output is cut back to that size
 * (lines written after it were not acknowledged and come again). Without
 * one in Redis the file checkpoint is used, and a re-delivered entry at
 * or before its id is acknowledged without writing it again.
 *
 * Several exporters with one group share the entries; each must keep
 * its consumer name (and output) across restarts. One that died and
 * never came back leaves entries pending on its name: a live exporter
 * takes them over (XAUTOCLAIM) once they have been idle claim_idle_ms,
 * writes them and acknowledges them. The dead exporter's file holds its
 * results up to the size its Redis checkpoint names (what a restart with
 * its name would keep). The acknowledging script first checks that every
 * id is still pending on this consumer; if another took some over
 * meanwhile (this one stalled longer than claim_idle_ms), nothing is
 * acknowledged, the output is cut back to the last checkpoint, and this
 * consumer's pending entries are read again. Without a checkpoint file
 * (stdout) delivery is at least once. */
#ifndef GEXPORT_H
#define GEXPORT_H

#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "keys.h"
#include "results.h"

#define GEXPORT_SYNC_MS 1000 /* the longest a written result waits */
/* Entries pending on another consumer this long (ms) are taken over:
 * far above GEXPORT_SYNC_MS, so a live exporter's are never taken. */
#define GEXPORT_CLAIM_IDLE_MS 60000
#define GEXPORT_CLAIM_EVERY_MS 1000 /* between XAUTOCLAIM scans */
#define GEXPORT_DEFAULT_GROUP "export"

struct gexport {
    char key[CF_KEY_MAX];     /* cf:{C}:results */
    char ckpt_key[CF_KEY_MAX]; /* cf:{C}:export: checkpoints */
    char *ckpt_field;         /* "GROUP CONSUMER" */
    long long ckpt_size;      /* output bytes at the last checkpoint */
    int skip_old;             /* file checkpoint only: skip pending ids at
                               * or before done_id */
    int64_t claim_idle_ms;    /* take over entries idle this long; 0:
                               * never (set after open) */
    int64_t claimed_ms;       /* monotonic ms of the last XAUTOCLAIM */
    char claim_from[64];      /* where the next XAUTOCLAIM scan starts */
    long long claimed;        /* entries taken over from other consumers */
    long long lost;           /* times some were taken from us */
    char *group;
    char *consumer;
    FILE *out;                /* not owned */
    char *cursor;             /* checkpoint file, NULL: none (stdout) */
    enum export_format fmt;
    char done_id[64];         /* checkpoint: last id durably written */
    char **unacked;           /* ids written since the last sync */
    size_t nunacked, cap;
    int64_t synced_ms;        /* monotonic ms of the last sync */
    int pending;              /* still reading this consumer's pending */
    char pend_id[64];         /* where that read goes on */
    long long written;        /* records written */
    long long skipped;        /* re-delivered, written before: acked */
    long long bad;            /* records that did not decode */
    long long trimmed;        /* entries removed by our XTRIMs */
    int keep;                 /* set after open: never trim (the results
                               * stay for other readers) */
    int noack;                /* reads with NOACK (gexport_noack) */
    char read_id[64];         /* noack: the last id read */
};

/* Join group (create it at the stream's start if missing) as consumer,
 * writing to out; cursor names the checkpoint file (NULL: none). With a
 * checkpoint, out (a regular file opened for appending) is cut back to
 * its size. 0, or CF_EREDIS / CF_ERR with errstr. */
int gexport_open(struct gexport *g, redisContext *rc, const char *crawl,
                 const char *group, const char *consumer, FILE *out,
                 const char *cursor, enum export_format fmt, char *errstr);
/* For the group's only consumer, whose checkpoint is the truth
 * (crawlfleet crawl on its embedded redis-server): from now on read past
 * the last id read with XREAD, without the group, and move the group to
 * the checkpoint at each sync (XGROUP SETID). XREADGROUP kept each entry
 * on the pending list and propagated an XCLAIM of it to the append-only
 * file, and the sync's XACK took it off again: some 4 us of redis-server
 * CPU a result (bench/README.md). The group's place stays what is
 * durable, so every exporter's trim (gexport_trim: the groups' places)
 * keeps what this one may still have to read again. The group is made
 * again at the checkpoint first (XGROUP DESTROY, CREATE): entries left
 * pending by an acknowledging run are dropped with it, and what was read
 * after the checkpoint and not made durable is read again. Call right
 * after open, only for a group with no other consumer. 0, or CF_EREDIS
 * with errstr. */
int gexport_noack(struct gexport *g, redisContext *rc, char *errstr);
/* Read and write one batch (blocking up to block_ms for new entries when
 * > 0); *got: entries read. Syncs when the last sync is
 * GEXPORT_SYNC_MS old. 0, or CF_EREDIS / CF_ERR with errstr. */
int gexport_step(struct gexport *g, redisContext *rc, int block_ms,
                 long *got, char *errstr);
/* Make what was written durable, checkpoint, XACK, trim. 0 or error. */
int gexport_sync(struct gexport *g, redisContext *rc, char *errstr);
/* Entries of g's group delivered and not acknowledged (any consumer),
 * or -1 with errstr. */
long long gexport_group_pending(struct gexport *g, redisContext *rc,
                                char *errstr);
/* The end of a finished export: drop its Redis checkpoint. */
void gexport_done(struct gexport *g, redisContext *rc);
/* Free (out is the caller's). */
void gexport_cleanup(struct gexport *g);

/* XTRIM key MINID below the oldest entry any group still needs; the
 * number of entries removed, or -1 with errstr. A stream without groups
 * is not trimmed. */
long long gexport_trim(redisContext *rc, const char *key, char *errstr);

#endif
