/* record_ref.h - a reference decoder for common/record.c's records, built
 * on msgpack-c's msgpack_unpack_next() and its object tree, for
 * differential tests (tests/unit/test_record_diff.c, tests/fuzz/
 * fuzz_record_diff.c). Header-only: include it once per program.
 *
 * It applies the rules docs/records.md gives, written again from the
 * document and not from record.c: one map; string keys; "v" once, an
 * integer 1..CF_RECORD_VERSION; each known key at most once, its value of
 * the field's type and range (strings without NUL bytes, arrays of such
 * strings, a map of string to such arrays); unknown keys skipped whatever
 * they hold; the required keys present; "p" defaults to "d"; no bytes
 * after the map.
 *
 * ref_decode_*() return REF_OK, REF_REJECT, or REF_UNKNOWN when msgpack-c
 * cannot say (its nesting limit of MSGPACK_EMBED_STACK_SIZE, or an input
 * whose 32-bit array or map counts ask msgpack-c to allocate more than
 * the input could hold: it allocates a container's elements when it reads
 * the count). */
#ifndef CF_RECORD_REF_H
#define CF_RECORD_REF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "alloc.h"
#include "record.h"

enum { REF_OK = 0, REF_REJECT = 1, REF_UNKNOWN = 2 };

enum ref_type { R_STR, R_U32, R_INT, R_I64, R_U64, R_STRV, R_FLDV };

struct ref_field {
    const char *key;
    enum ref_type type;
    size_t off;  /* the member */
    size_t off2; /* R_STRV, R_FLDV: the count */
    int required;
};

#define RQ(m) offsetof(struct cf_request, m)
#define RS(m) offsetof(struct cf_result, m)

static const struct ref_field ref_request[] = {
    {"u", R_STR, RQ(url), 0, 1},
    {"d", R_U32, RQ(depth), 0, 0},
    {"p", R_I64, RQ(priority), 0, 0},
    {"a", R_U32, RQ(attempts), 0, 0},
    {"t", R_I64, RQ(discovered_ms), 0, 0},
    {"pf", R_U64, RQ(parent_fp), 0, 0},
    {"f", R_U32, RQ(flags), 0, 0},
    {"sl", R_STR, RQ(sitemap_lastmod), 0, 0},
    {"sp", R_STR, RQ(sitemap_priority), 0, 0},
};

static const struct ref_field ref_result[] = {
    {"u", R_STR, RS(url), 0, 1},
    {"fu", R_STR, RS(final_url), 0, 0},
    {"fp", R_U64, RS(fp), 0, 0},
    {"s", R_INT, RS(status), 0, 0},
    {"ct", R_STR, RS(content_type), 0, 0},
    {"b", R_I64, RS(bytes), 0, 0},
    {"ti", R_STR, RS(title), 0, 0},
    {"d", R_U32, RS(depth), 0, 0},
    {"nl", R_U32, RS(nlinks), 0, 0},
    {"ol", R_STRV, RS(outlinks), RS(noutlinks), 0},
    {"ms", R_U32, RS(fetch_ms), 0, 0},
    {"w", R_STR, RS(worker), 0, 0},
    {"e", R_STR, RS(error_type), 0, 1},
    {"em", R_STR, RS(error), 0, 0},
    {"ts", R_I64, RS(started_ms), 0, 0},
    {"td", R_I64, RS(done_ms), 0, 0},
    {"a", R_U32, RS(attempts), 0, 0},
    {"rf", R_U32, RS(flags), 0, 0},
    {"rt", R_STR, RS(redirect_url), 0, 0},
    {"lm", R_STR, RS(last_modified), 0, 0},
    {"et", R_STR, RS(etag), 0, 0},
    {"hl", R_STR, RS(content_length), 0, 0},
    {"cg", R_STR, RS(content_language), 0, 0},
    {"lo", R_STR, RS(location), 0, 0},
    {"pd", R_STR, RS(payload_digest), 0, 0},
    {"wf", R_STR, RS(warc_file), 0, 0},
    {"wo", R_I64, RS(warc_offset), 0, 0},
    {"wl", R_I64, RS(warc_length), 0, 0},
    {"cn", R_STR, RS(canonical), 0, 0},
    {"ds", R_STR, RS(description), 0, 0},
    {"lg", R_STR, RS(lang), 0, 0},
    {"mr", R_STR, RS(meta_robots), 0, 0},
    {"ki", R_U32, RS(links_internal), 0, 0},
    {"ke", R_U32, RS(links_external), 0, 0},
    {"kn", R_U32, RS(links_nofollow), 0, 0},
    {"kd", R_U32, RS(links_dropped), 0, 0},
    {"tx", R_STR, RS(text), 0, 0},
    {"fd", R_FLDV, RS(fields), RS(nfields), 0},
    {"jl", R_STRV, RS(jsonld), RS(njsonld), 0},
    {"sl", R_STR, RS(sitemap_lastmod), 0, 0},
    {"sp", R_STR, RS(sitemap_priority), 0, 0},
};

#define REF_N(t) (sizeof(t) / sizeof((t)[0]))
#define REF_AT(rec, off, T) ((T *)(void *)((char *)(rec) + (off)))

/* 1 when some 0xdd/0xdf byte (array32, map32) anywhere in p is followed
 * by a count larger than the input: msgpack-c would try to allocate that
 * many elements before finding the input short. */
static int ref_huge_count(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 4 < n; i++) {
        if (p[i] == 0xdd || p[i] == 0xdf) {
            uint64_t c = ((uint64_t)p[i + 1] << 24) | (p[i + 2] << 16) |
                         (p[i + 3] << 8) | p[i + 4];
            if (c > n)
                return 1;
        }
    }
    return 0;
}

/* The integer o in [lo, hi]. */
static int ref_int(const msgpack_object *o, int64_t lo, int64_t hi,
                   int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (hi < 0 || o->via.u64 > (uint64_t)hi)
            return -1;
        *out = (int64_t)o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < lo || o->via.i64 > hi)
            return -1;
        *out = o->via.i64;
        return 0;
    }
    return -1;
}

static int ref_str(const msgpack_object *o, char **out)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return -1;
    if (o->via.str.size && memchr(o->via.str.ptr, 0, o->via.str.size))
        return -1;
    *out = cf_memdup(o->via.str.ptr, o->via.str.size);
    return 0;
}

static int ref_strv(const msgpack_object *o, char ***out, size_t *count)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return -1;
    if (o->via.array.size == 0)
        return 0;
    *out = cf_calloc(o->via.array.size, sizeof(**out));
    *count = o->via.array.size;
    for (uint32_t i = 0; i < o->via.array.size; i++)
        if (ref_str(&o->via.array.ptr[i], &(*out)[i]) != 0)
            return -1;
    return 0;
}

static int ref_fldv(const msgpack_object *o, struct cf_field **out,
                    size_t *count)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return -1;
    if (o->via.map.size == 0)
        return 0;
    *out = cf_calloc(o->via.map.size, sizeof(**out));
    *count = o->via.map.size;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];

        if (ref_str(&kv->key, &(*out)[i].name) != 0 ||
            ref_strv(&kv->val, &(*out)[i].values, &(*out)[i].nvalues) != 0)
            return -1;
    }
    return 0;
}

static int ref_field(const msgpack_object *o, void *rec,
                     const struct ref_field *f)
{
    int64_t x;

    switch (f->type) {
    case R_STR:
        return ref_str(o, REF_AT(rec, f->off, char *));
    case R_U32:
        if (ref_int(o, 0, UINT32_MAX, &x) != 0)
            return -1;
        *REF_AT(rec, f->off, uint32_t) = (uint32_t)x;
        return 0;
    case R_INT:
        if (ref_int(o, INT_MIN, INT_MAX, &x) != 0)
            return -1;
        *REF_AT(rec, f->off, int) = (int)x;
        return 0;
    case R_I64:
        return ref_int(o, INT64_MIN, INT64_MAX, REF_AT(rec, f->off, int64_t));
    case R_U64:
        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            *REF_AT(rec, f->off, uint64_t) = o->via.u64;
            return 0;
        }
        return -1;
    case R_STRV:
        return ref_strv(o, REF_AT(rec, f->off, char **),
                        REF_AT(rec, f->off2, size_t));
    case R_FLDV:
        return ref_fldv(o, REF_AT(rec, f->off, struct cf_field *),
                        REF_AT(rec, f->off2, size_t));
    }
    return -1;
}

/* Decode p[0..n) by the table t into rec (zeroed; the caller cleans it
 * up with the record's own cleanup whatever the answer). */
static int ref_decode(const struct ref_field *t, size_t nt, const char *p,
                      size_t n, void *rec, uint64_t *seen_out)
{
    msgpack_unpacked u;
    size_t off = 0, i, k;
    uint64_t seen = 0;
    int have_v = 0, rv = REF_REJECT;
    msgpack_unpack_return ur;
    const msgpack_object *m;

    if (ref_huge_count((const uint8_t *)p, n))
        return REF_UNKNOWN;
    msgpack_unpacked_init(&u);
    ur = msgpack_unpack_next(&u, p, n, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
        rv = REF_UNKNOWN;
        goto out;
    }
    if (ur != MSGPACK_UNPACK_SUCCESS || off != n)
        goto out;
    m = &u.data;
    if (m->type != MSGPACK_OBJECT_MAP)
        goto out;
    for (i = 0; i < m->via.map.size; i++) {
        const msgpack_object *key = &m->via.map.ptr[i].key;
        const msgpack_object *val = &m->via.map.ptr[i].val;
        int64_t v;

        if (key->type != MSGPACK_OBJECT_STR)
            goto out;
        if (key->via.str.size == 1 && key->via.str.ptr[0] == 'v') {
            if (have_v || ref_int(val, 0, INT64_MAX, &v) != 0 || v < 1 ||
                v > CF_RECORD_VERSION)
                goto out;
            have_v = 1;
            continue;
        }
        for (k = 0; k < nt; k++)
            if (strlen(t[k].key) == key->via.str.size &&
                memcmp(t[k].key, key->via.str.ptr, key->via.str.size) == 0)
                break;
        if (k == nt)
            continue; /* unknown: skipped */
        if (seen & (UINT64_C(1) << k))
            goto out;
        seen |= UINT64_C(1) << k;
        if (ref_field(val, rec, &t[k]) != 0)
            goto out;
    }
    if (!have_v)
        goto out;
    for (k = 0; k < nt; k++)
        if (t[k].required && !(seen & (UINT64_C(1) << k)))
            goto out;
    rv = REF_OK;
    *seen_out = seen;
out:
    msgpack_unpacked_destroy(&u);
    return rv;
}

static int ref_decode_request(const char *p, size_t n, struct cf_request *r)
{
    uint64_t seen = 0;
    int rv;

    memset(r, 0, sizeof(*r));
    rv = ref_decode(ref_request, REF_N(ref_request), p, n, r, &seen);
    /* "p" (entry 2) defaults to "d" */
    if (rv == REF_OK && !(seen & (UINT64_C(1) << 2)))
        r->priority = r->depth;
    return rv;
}

static int ref_decode_result(const char *p, size_t n, struct cf_result *r)
{
    uint64_t seen;

    memset(r, 0, sizeof(*r));
    return ref_decode(ref_result, REF_N(ref_result), p, n, r, &seen);
}

#endif
