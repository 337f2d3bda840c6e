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
 * Exactly once, across kill -9: at the start the output is cut back to
 * the checkpoint's size (lines written after it were not acknowledged
 * and come again), and a re-delivered entry at or before the checkpoint's
 * id is acknowledged without writing it again (entries reach one
 * consumer in id order). Several exporters with one group share the
 * entries; each must keep its consumer name (and output) across
 * restarts. Without a checkpoint file (stdout) delivery is at least
 * once. */
#ifndef GEXPORT_H
#define GEXPORT_H

#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "keys.h"
#include "results.h"

#define GEXPORT_SYNC_MS 1000 /* the longest a written result waits */
#define GEXPORT_DEFAULT_GROUP "export"

struct gexport {
    char key[CF_KEY_MAX];     /* cf:{C}:results */
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
};

/* Join group (create it at the stream's start if missing) as consumer,
 * writing to out; cursor names the checkpoint file (NULL: none). With a
 * checkpoint, out (a regular file opened for appending) is cut back to
 * its size. 0, or CF_EREDIS / CF_ERR with errstr. */
int gexport_open(struct gexport *g, redisContext *rc, const char *crawl,
                 const char *group, const char *consumer, FILE *out,
                 const char *cursor, enum export_format fmt, char *errstr);
/* Read and write one batch (blocking up to block_ms for new entries when
 * > 0); *got: entries read. Syncs when the last sync is
 * GEXPORT_SYNC_MS old. 0, or CF_EREDIS / CF_ERR with errstr. */
int gexport_step(struct gexport *g, redisContext *rc, int block_ms,
                 long *got, char *errstr);
/* Make what was written durable, checkpoint, XACK, trim. 0 or error. */
int gexport_sync(struct gexport *g, redisContext *rc, char *errstr);
/* Free (out is the caller's). */
void gexport_cleanup(struct gexport *g);

/* XTRIM key MINID below the oldest entry any group still needs; the
 * number of entries removed, or -1 with errstr. A stream without groups
 * is not trimmed. */
long long gexport_trim(redisContext *rc, const char *key, char *errstr);

#endif
