/* entry.h - queue entries: what a host queue in Redis holds per request.
 *
 * The frontier keeps up to hundreds of millions of queued requests, so an
 * entry holds only what the request needs beyond its host key (which
 * names the queue) and its priority (which names the queue's level):
 *
 *   entry   = fp (8 bytes, big-endian) record
 *   record  = compact / 0xff msgpack-cf_request
 *   compact = head [depth - 15 as LEB128, when head's depth is 15]
 *             URL after its origin (the host key without a default port)
 *   head    = flags * 16 + min(depth, 15)        (below 0x80)
 *
 * A request is stored compact when it can be rebuilt exactly but for
 * fields the frontier does not keep: priority (rebuilt as depth),
 * discovered_ms and parent_fp (dropped); its URL must start with its
 * origin and "/", its flags among the low three, attempts 0 (the
 * frontier counts attempts itself), and no other field set. Any other
 * record, including one that is not a cf_request at all, is kept whole
 * after 0xff. The Lua scripts read the fingerprint and, for results they
 * write themselves, the URL and depth (common/scripts/lib/entry.lua).
 * docs/keys.md documents the format. */
#ifndef CF_ENTRY_H
#define CF_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* CF_ENTRY_FP_LEN, CF_ENTRY_WHOLE, CF_ENTRY_DEPTH_MAX, CF_ENTRY_FLAG_UNIT
 * and CF_ENTRY_FLAGS: the format's numbers, shared with the scripts. */
#include "wire.h"

/* Append the entry for a request of fingerprint fp on host hostkey, rec
 * its encoded cf_request (or any bytes), to out. 0 or CF_ETOOBIG. */
int cf_entry_encode(struct cf_buf *out, uint64_t fp, const char *hostkey,
                    const char *rec, size_t len);

/* The record part of an entry (what follows the fingerprint: what a pop
 * returns) back as the record it was made from: an encoded cf_request,
 * or the bytes given to cf_entry_encode when they were kept whole. The
 * result is appended to out. 0, or CF_EINVAL with errstr (CF_ERRSTR_LEN)
 * for malformed input. */
int cf_entry_record(const char *p, size_t len, const char *hostkey,
                    struct cf_buf *out, char *errstr);

#endif
