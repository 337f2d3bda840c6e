/* wire.h - the numbers of the frontier's wire formats, written once.
 *
 * common/frontier.c packs links and common/entry.c builds queue entries
 * with these numbers; the Lua scripts read the same formats back
 * (docs/keys.md). This header is their only home: the build turns every
 * "#define CF_<NAME> <decimal>" below into "local <NAME> = <decimal>"
 * (tools/wire-lua.sh writes build/gen/wire.lua), and
 * tools/embed-scripts.sh puts that piece before every script. The
 * generator stops the build on any other kind of line here that it does
 * not know (keep to one define a line, a decimal value and a comment),
 * and embed-scripts.sh stops it when a Lua file defines one of these
 * names itself, so the two sides cannot drift apart. */
#ifndef CF_WIRE_H
#define CF_WIRE_H

/* Links (push, ack): per link its fingerprint mod 2^CF_SEEN_BITS as that
 * many '0'/'1' characters (its seen bucket is a suffix of them), and its
 * priority clamped to [0, CF_PRIO_MAX] as CF_PRIO_BITS binary digits. */
#define CF_SEEN_BITS 25
#define CF_PRIO_BITS 20
#define CF_PRIO_MAX 1048575 /* 2^CF_PRIO_BITS - 1 */

/* Queue entries (common/entry.h): fingerprint, then a record byte. A
 * compact head is flags * CF_ENTRY_FLAG_UNIT + min(depth,
 * CF_ENTRY_DEPTH_MAX), below 0x80; CF_ENTRY_WHOLE instead says a whole
 * msgpack record follows. */
#define CF_ENTRY_FP_LEN 8      /* the fingerprint's bytes, big-endian */
#define CF_ENTRY_WHOLE 255     /* record byte: a whole record follows */
#define CF_ENTRY_DEPTH_MAX 15  /* depths from here on carry a varint */
#define CF_ENTRY_FLAG_UNIT 16  /* head = flags * this + depth */
#define CF_ENTRY_FLAGS 7       /* request flags a compact head holds */

/* Ack (common/frontier.c, common/scripts/ack.lua): a page's numbers
 * (status, bytes, links_found, out_of_scope, too_deep, skipped_ext,
 * flags, started_ms) travel in one argument of CF_ACK_NUMS little-endian
 * IEEE doubles, each a whole number in [0, 2^53): Lua's struct.unpack
 * reads them in one call, where eight decimal arguments took eight
 * strings and eight strtod. */
#define CF_ACK_NUMS 8

_Static_assert(CF_PRIO_MAX == (1L << CF_PRIO_BITS) - 1,
               "CF_PRIO_MAX is 2^CF_PRIO_BITS - 1");
_Static_assert(CF_ENTRY_FLAG_UNIT == CF_ENTRY_DEPTH_MAX + 1,
               "a compact head's depth fits below its flags");
_Static_assert(CF_ENTRY_FLAGS * CF_ENTRY_FLAG_UNIT + CF_ENTRY_DEPTH_MAX <
                   0x80,
               "a compact head stays below 0x80");

#endif
