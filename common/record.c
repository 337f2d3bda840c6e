/* record.c - msgpack encoding of requests and results.
 *
 * Both record types are described by a field table (key, C type, offset,
 * flags); one encoder and one decoder walk the tables. Encoding uses
 * msgpack-c's packer with a write callback into a capped cf_buf. Decoding
 * uses a small bounded reader over the msgpack format instead of
 * msgpack_unpack: it makes one pass over the input, allocates only the
 * strings it returns (no zone, no object tree), checks every length
 * against the bytes left before touching them, and gives exact control of
 * types, integer ranges and trailing bytes. docs/records.md has the keys.
 *
 * Why the decoder is hand-written, and kept: measured against msgpack-c's
 * msgpack_unpack_next() plus a walk of its object tree into the same
 * struct (tests/lib/record_ref.h), with callgrind on bench/record_bench.c
 * (2026-12-07): a lease's request record (69 bytes) costs 1,760
 * instructions here and 3,040 through msgpack-c, an S1 page's result
 * (164 bytes) 5,610 and 11,070. Beyond the factor of two, msgpack-c
 * allocates a container's elements when it reads the count, so a record
 * claiming 2^32 elements in a few bytes asks it for ~100 GB before it
 * finds the input short (this reader checks counts against the bytes
 * left first), and it stops at 32 levels of nesting where a newer
 * writer's unknown field may go deeper (skipped here without recursion).
 * It is held to msgpack-c: tests/unit/test_record_diff.c (78,000
 * generated and mutated inputs in make test) and tests/fuzz/
 * fuzz_record_diff.c require the same accept or reject and the same
 * values. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "alloc.h"
#include "err.h"
#include "record.h"

/* C type of a record field. */
enum ftype {
    F_STR,  /* char *, NULL = unset */
    F_U32,  /* uint32_t, 0 = unset */
    F_INT,  /* int, 0 = unset */
    F_I64,  /* int64_t, 0 = unset */
    F_U64,  /* uint64_t, 0 = unset */
    F_STRV, /* char ** with its size_t count at off2, 0 entries = unset */
    F_FLDV, /* struct cf_field * with its size_t count at off2: a map of
               name to array of strings, 0 entries = unset */
};

enum fflag {
    F_REQUIRED = 1,   /* must be present (and non-NULL when encoding) */
    F_DFLT_DEPTH = 2, /* int64 whose unset value is the u32 at off2 */
};

struct field {
    const char *key; /* msgpack map key */
    size_t klen;     /* strlen(key) */
    enum ftype type; /* C type of the member */
    size_t off;      /* offset of the member in the record */
    size_t off2;     /* F_STRV: offset of the count; F_DFLT_DEPTH: depth */
    int flags;       /* enum fflag */
};

#define K(k) k, sizeof(k) - 1
#define REQ(m) offsetof(struct cf_request, m)
#define RES(m) offsetof(struct cf_result, m)

static const struct field request_fields[] = {
    {K("u"), F_STR, REQ(url), 0, F_REQUIRED},
    {K("d"), F_U32, REQ(depth), 0, 0},
    {K("p"), F_I64, REQ(priority), REQ(depth), F_DFLT_DEPTH},
    {K("a"), F_U32, REQ(attempts), 0, 0},
    {K("t"), F_I64, REQ(discovered_ms), 0, 0},
    {K("pf"), F_U64, REQ(parent_fp), 0, 0},
    {K("f"), F_U32, REQ(flags), 0, 0},
    {K("sl"), F_STR, REQ(sitemap_lastmod), 0, 0},
    {K("sp"), F_STR, REQ(sitemap_priority), 0, 0},
};

static const struct field result_fields[] = {
    {K("u"), F_STR, RES(url), 0, F_REQUIRED},
    {K("fu"), F_STR, RES(final_url), 0, 0},
    {K("fp"), F_U64, RES(fp), 0, 0},
    {K("s"), F_INT, RES(status), 0, 0},
    {K("ct"), F_STR, RES(content_type), 0, 0},
    {K("b"), F_I64, RES(bytes), 0, 0},
    {K("ti"), F_STR, RES(title), 0, 0},
    {K("d"), F_U32, RES(depth), 0, 0},
    {K("nl"), F_U32, RES(nlinks), 0, 0},
    {K("ol"), F_STRV, RES(outlinks), RES(noutlinks), 0},
    {K("ms"), F_U32, RES(fetch_ms), 0, 0},
    {K("w"), F_STR, RES(worker), 0, 0},
    {K("e"), F_STR, RES(error_type), 0, F_REQUIRED},
    {K("em"), F_STR, RES(error), 0, 0},
    {K("ts"), F_I64, RES(started_ms), 0, 0},
    {K("td"), F_I64, RES(done_ms), 0, 0},
    {K("a"), F_U32, RES(attempts), 0, 0},
    {K("rf"), F_U32, RES(flags), 0, 0},
    {K("rt"), F_STR, RES(redirect_url), 0, 0},
    {K("lm"), F_STR, RES(last_modified), 0, 0},
    {K("et"), F_STR, RES(etag), 0, 0},
    {K("hl"), F_STR, RES(content_length), 0, 0},
    {K("cg"), F_STR, RES(content_language), 0, 0},
    {K("lo"), F_STR, RES(location), 0, 0},
    {K("pd"), F_STR, RES(payload_digest), 0, 0},
    {K("wf"), F_STR, RES(warc_file), 0, 0},
    {K("wo"), F_I64, RES(warc_offset), 0, 0},
    {K("wl"), F_I64, RES(warc_length), 0, 0},
    {K("cn"), F_STR, RES(canonical), 0, 0},
    {K("ds"), F_STR, RES(description), 0, 0},
    {K("lg"), F_STR, RES(lang), 0, 0},
    {K("mr"), F_STR, RES(meta_robots), 0, 0},
    {K("ki"), F_U32, RES(links_internal), 0, 0},
    {K("ke"), F_U32, RES(links_external), 0, 0},
    {K("kn"), F_U32, RES(links_nofollow), 0, 0},
    {K("kd"), F_U32, RES(links_dropped), 0, 0},
    {K("tx"), F_STR, RES(text), 0, 0},
    {K("fd"), F_FLDV, RES(fields), RES(nfields), 0},
    {K("jl"), F_STRV, RES(jsonld), RES(njsonld), 0},
    {K("sl"), F_STR, RES(sitemap_lastmod), 0, 0},
    {K("sp"), F_STR, RES(sitemap_priority), 0, 0},
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* A record type: its table and the size of its struct. */
struct rtype {
    const char *name;           /* "request" or "result", for messages */
    const struct field *fields; /* the table */
    size_t nfields;             /* entries in fields (at most 64) */
    size_t size;                /* sizeof the record struct */
};

static const struct rtype request_type = {"request", request_fields,
                                          NFIELDS(request_fields),
                                          sizeof(struct cf_request)};
_Static_assert(NFIELDS(result_fields) <= 64, "record_decode's seen mask");
_Static_assert(NFIELDS(request_fields) <= 64, "record_decode's seen mask");

static const struct rtype result_type = {
    "result", result_fields, NFIELDS(result_fields), sizeof(struct cf_result)};

typedef char *str_t;
typedef char **strv_t;
typedef struct cf_field *fldv_t;

#define AT(rec, off, T) ((T *)(void *)((char *)(rec) + (off)))
#define CAT(rec, off, T)                                                       \
    ((const T *)(const void *)((const char *)(rec) + (off)))

/* ---- encoding ---- */

static int buf_write(void *data, const char *p, size_t n)
{
    return cf_buf_add(data, p, n) == CF_OK ? 0 : -1;
}

static int pack_cstr(msgpack_packer *pk, const char *s, size_t n)
{
    if (n > UINT32_MAX || msgpack_pack_str(pk, n) != 0)
        return -1;
    return msgpack_pack_str_body(pk, s, n);
}

/* Is f set in rec, i.e. must it be written? */
static bool field_is_set(const void *rec, const struct field *f)
{
    switch (f->type) {
    case F_STR:
        return *CAT(rec, f->off, str_t) != NULL;
    case F_U32:
        return *CAT(rec, f->off, uint32_t) != 0;
    case F_INT:
        return *CAT(rec, f->off, int) != 0;
    case F_I64:
        if (f->flags & F_DFLT_DEPTH)
            return *CAT(rec, f->off, int64_t) !=
                   (int64_t)*CAT(rec, f->off2, uint32_t);
        return *CAT(rec, f->off, int64_t) != 0;
    case F_U64:
        return *CAT(rec, f->off, uint64_t) != 0;
    case F_STRV:
    case F_FLDV:
        return *CAT(rec, f->off2, size_t) != 0;
    }
    return false;
}

/* Refuse what could not be read back: NULL required strings, NULL
 * outlinks. (Lengths over 32 bits fail in pack_cstr, as too big.) */
static int strv_check(char *const *v, size_t n)
{
    if (n == 0)
        return CF_OK;
    if (v == NULL || n > UINT32_MAX)
        return CF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == NULL)
            return CF_EINVAL;
    return CF_OK;
}

static int fldv_check(const struct cf_field *fv, size_t n)
{
    if (n == 0)
        return CF_OK;
    if (fv == NULL || n > UINT32_MAX)
        return CF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (fv[i].name == NULL || strv_check(fv[i].values, fv[i].nvalues))
            return CF_EINVAL;
    return CF_OK;
}

static int field_check(const void *rec, const struct field *f)
{
    const char *s;

    switch (f->type) {
    case F_STR:
        s = *CAT(rec, f->off, str_t);
        return s == NULL && (f->flags & F_REQUIRED) ? CF_EINVAL : CF_OK;
    case F_STRV:
        return strv_check(*CAT(rec, f->off, strv_t), *CAT(rec, f->off2, size_t));
    case F_FLDV:
        return fldv_check(*CAT(rec, f->off, fldv_t),
                          *CAT(rec, f->off2, size_t));
    default:
        return CF_OK;
    }
}

static int pack_strv(msgpack_packer *pk, char *const *v, size_t n)
{
    if (msgpack_pack_array(pk, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pack_cstr(pk, v[i], strlen(v[i])) != 0)
            return -1;
    return 0;
}

static int pack_fldv(msgpack_packer *pk, const struct cf_field *fv, size_t n)
{
    if (msgpack_pack_map(pk, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pack_cstr(pk, fv[i].name, strlen(fv[i].name)) != 0 ||
            pack_strv(pk, fv[i].values, fv[i].nvalues) != 0)
            return -1;
    return 0;
}

static int pack_field(msgpack_packer *pk, const void *rec,
                      const struct field *f)
{
    const char *s;

    if (pack_cstr(pk, f->key, f->klen) != 0)
        return -1;
    switch (f->type) {
    case F_STR:
        s = *CAT(rec, f->off, str_t);
        return pack_cstr(pk, s, strlen(s));
    case F_U32:
        return msgpack_pack_uint32(pk, *CAT(rec, f->off, uint32_t));
    case F_INT:
        return msgpack_pack_int(pk, *CAT(rec, f->off, int));
    case F_I64:
        return msgpack_pack_int64(pk, *CAT(rec, f->off, int64_t));
    case F_U64:
        return msgpack_pack_uint64(pk, *CAT(rec, f->off, uint64_t));
    case F_STRV:
        return pack_strv(pk, *CAT(rec, f->off, strv_t),
                         *CAT(rec, f->off2, size_t));
    case F_FLDV:
        return pack_fldv(pk, *CAT(rec, f->off, fldv_t),
                         *CAT(rec, f->off2, size_t));
    }
    return -1;
}

/* Append rec as a map: "v" first, then the set fields in table order. On
 * failure out is left as it was. */
static int record_encode(const struct rtype *t, const void *rec,
                         struct cf_buf *out)
{
    msgpack_packer pk;
    size_t len0 = out->len, nset = 1;
    int rc;

    for (size_t i = 0; i < t->nfields; i++) {
        rc = field_check(rec, &t->fields[i]);
        if (rc != CF_OK)
            return rc;
        if (field_is_set(rec, &t->fields[i]))
            nset++;
    }
    msgpack_packer_init(&pk, out, buf_write);
    rc = CF_ETOOBIG;
    if (msgpack_pack_map(&pk, nset) != 0 || pack_cstr(&pk, "v", 1) != 0 ||
        msgpack_pack_uint32(&pk, CF_RECORD_VERSION) != 0)
        goto fail;
    for (size_t i = 0; i < t->nfields; i++)
        if (field_is_set(rec, &t->fields[i]) &&
            pack_field(&pk, rec, &t->fields[i]) != 0)
            goto fail;
    return CF_OK;
fail:
    out->len = len0;
    if (out->data)
        out->data[len0] = '\0';
    return rc;
}

int cf_request_encode(const struct cf_request *r, struct cf_buf *out)
{
    return record_encode(&request_type, r, out);
}

int cf_result_encode(const struct cf_result *r, struct cf_buf *out)
{
    return record_encode(&result_type, r, out);
}

/* ---- decoding: a bounded reader over the msgpack format ---- */

enum vkind {
    V_NIL,
    V_BOOL,
    V_UINT,
    V_INT,
    V_FLOAT,
    V_STR,
    V_BIN,
    V_EXT,
    V_ARRAY,
    V_MAP
};

static const char *const vkind_names[] = {
    "nil",    "bool",   "integer", "integer", "float",
    "string", "binary", "ext",     "array",   "map"};

/* One decoded msgpack header. */
struct val {
    enum vkind kind;     /* what it is */
    uint64_t u;          /* V_UINT value, V_ARRAY/V_MAP count */
    int64_t i;           /* V_INT value (signed encodings) */
    const uint8_t *data; /* V_STR/V_BIN/V_EXT payload, inside the input */
    size_t len;          /* payload bytes */
};

/* Reader state over p[0..n). */
struct rd {
    const uint8_t *p; /* input */
    size_t n;         /* input bytes */
    size_t off;       /* next byte to read */
    char *errstr;     /* CF_ERRSTR_LEN or NULL */
};

static int rd_fail(struct rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int rd_fail(struct rd *r, const char *fmt, ...)
{
    va_list ap;
    int o;

    if (r->errstr) {
        o = snprintf(r->errstr, CF_ERRSTR_LEN, "byte %zu: ", r->off);
        if (o < 0 || o >= CF_ERRSTR_LEN)
            o = 0;
        va_start(ap, fmt);
        vsnprintf(r->errstr + o, CF_ERRSTR_LEN - (size_t)o, fmt, ap);
        va_end(ap);
    }
    return CF_EINVAL;
}

/* Read a k-byte big-endian unsigned integer. */
static int rd_be(struct rd *r, size_t k, uint64_t *v)
{
    uint64_t x = 0;

    if (r->n - r->off < k)
        return rd_fail(r, "truncated");
    for (size_t i = 0; i < k; i++)
        x = (x << 8) | r->p[r->off + i];
    r->off += k;
    *v = x;
    return CF_OK;
}

/* Take a payload of len bytes at the current offset. */
static int rd_payload(struct rd *r, uint64_t len, struct val *v)
{
    if (len > r->n - r->off)
        return rd_fail(r, "truncated (%s of %llu bytes)", vkind_names[v->kind],
                       (unsigned long long)len);
    v->data = r->p + r->off;
    v->len = (size_t)len;
    r->off += (size_t)len;
    return CF_OK;
}

/* Sign-extend a k-byte two's complement value. */
static int64_t sext(uint64_t x, size_t k)
{
    if (k < 8 && (x >> (8 * k - 1)) & 1)
        x |= ~(uint64_t)0 << (8 * k);
    return (int64_t)x;
}

/* How the bytes after a type byte in 0xc0..0xdf are laid out. */
enum how {
    H_BAD,   /* 0xc1: never used */
    H_NONE,  /* nothing follows (nil, false, true) */
    H_UINT,  /* a k-byte unsigned integer */
    H_INT,   /* a k-byte two's complement integer */
    H_DATA,  /* a k-byte length, then that many bytes */
    H_EXT,   /* a k-byte length, a type byte, then length bytes */
    H_FIXED, /* k bytes of payload (floats; fixext with its type byte) */
    H_COUNT, /* a k-byte element count (arrays, maps) */
};

struct format {
    unsigned char kind; /* enum vkind */
    unsigned char how;  /* enum how */
    unsigned char k;    /* bytes, see enum how */
};

static const struct format formats[32] = {
    {V_NIL, H_NONE, 0},   {V_NIL, H_BAD, 0},     {V_BOOL, H_NONE, 0},
    {V_BOOL, H_NONE, 0},  {V_BIN, H_DATA, 1},    {V_BIN, H_DATA, 2},
    {V_BIN, H_DATA, 4},   {V_EXT, H_EXT, 1},     {V_EXT, H_EXT, 2},
    {V_EXT, H_EXT, 4},    {V_FLOAT, H_FIXED, 4}, {V_FLOAT, H_FIXED, 8},
    {V_UINT, H_UINT, 1},  {V_UINT, H_UINT, 2},   {V_UINT, H_UINT, 4},
    {V_UINT, H_UINT, 8},  {V_INT, H_INT, 1},     {V_INT, H_INT, 2},
    {V_INT, H_INT, 4},    {V_INT, H_INT, 8},     {V_EXT, H_FIXED, 2},
    {V_EXT, H_FIXED, 3},  {V_EXT, H_FIXED, 5},   {V_EXT, H_FIXED, 9},
    {V_EXT, H_FIXED, 17}, {V_STR, H_DATA, 1},    {V_STR, H_DATA, 2},
    {V_STR, H_DATA, 4},   {V_ARRAY, H_COUNT, 2}, {V_ARRAY, H_COUNT, 4},
    {V_MAP, H_COUNT, 2},  {V_MAP, H_COUNT, 4},
};

/* Read one value's header; strings, binaries, exts and floats are
 * consumed whole, arrays and maps leave their elements to the caller. */
static int rd_head(struct rd *r, struct val *v)
{
    const struct format *f;
    uint64_t x = 0;
    uint8_t b;

    memset(v, 0, sizeof(*v));
    if (r->off >= r->n)
        return rd_fail(r, "truncated");
    b = r->p[r->off++];
    if (b <= 0x7f || b >= 0xe0) { /* positive and negative fixint */
        v->kind = b <= 0x7f ? V_UINT : V_INT;
        v->u = b;
        v->i = (int8_t)b;
        return CF_OK;
    }
    if (b <= 0x9f) { /* fixmap, fixarray */
        v->kind = b <= 0x8f ? V_MAP : V_ARRAY;
        v->u = b & 0x0f;
        return CF_OK;
    }
    if (b <= 0xbf) { /* fixstr */
        v->kind = V_STR;
        return rd_payload(r, b & 0x1f, v);
    }
    f = &formats[b - 0xc0];
    v->kind = f->kind;
    switch (f->how) {
    case H_BAD:
        r->off--;
        return rd_fail(r, "invalid msgpack byte 0x%02x", b);
    case H_NONE:
        v->u = b & 1;
        return CF_OK;
    case H_FIXED:
        return rd_payload(r, f->k, v);
    }
    if (rd_be(r, f->k, &x) != CF_OK)
        return CF_EINVAL;
    switch (f->how) {
    case H_INT:
        v->i = sext(x, f->k);
        return CF_OK;
    case H_DATA:
        return rd_payload(r, x, v);
    case H_EXT:
        return rd_payload(r, x + 1, v);
    default: /* H_UINT, H_COUNT */
        v->u = x;
        return CF_OK;
    }
}

/* Skip one value whose header v was just read, nested ones included,
 * without recursion. Every element takes at least one byte, so a count
 * larger than the bytes left is truncated input. */
static int rd_skip(struct rd *r, const struct val *v)
{
    uint64_t pending = 0;
    struct val e;

    if (v->kind == V_ARRAY)
        pending = v->u;
    else if (v->kind == V_MAP)
        pending = 2 * v->u;
    while (pending > 0) {
        if (pending > r->n - r->off)
            return rd_fail(r, "truncated");
        if (rd_head(r, &e) != CF_OK)
            return CF_EINVAL;
        pending--;
        if (e.kind == V_ARRAY)
            pending += e.u;
        else if (e.kind == V_MAP)
            pending += 2 * e.u;
    }
    return CF_OK;
}

/* The integer v as a value in [lo, hi]. */
static int want_int(struct rd *r, const struct val *v, const char *key,
                    int64_t lo, int64_t hi, int64_t *out)
{
    if (v->kind == V_UINT && v->u <= (uint64_t)hi) {
        *out = (int64_t)v->u;
        return CF_OK;
    }
    if (v->kind == V_INT && v->i >= lo && v->i <= hi) {
        *out = v->i;
        return CF_OK;
    }
    if (v->kind == V_UINT || v->kind == V_INT)
        return rd_fail(r, "key \"%s\": integer out of range", key);
    return rd_fail(r, "key \"%s\": expected an integer, got %s", key,
                   vkind_names[v->kind]);
}

static int want_u64(struct rd *r, const struct val *v, const char *key,
                    uint64_t *out)
{
    int64_t x;

    if (v->kind == V_UINT) {
        *out = v->u;
        return CF_OK;
    }
    if (want_int(r, v, key, 0, INT64_MAX, &x) != CF_OK)
        return CF_EINVAL;
    *out = (uint64_t)x;
    return CF_OK;
}

/* A heap copy of the string v. */
static int want_str(struct rd *r, const struct val *v, const char *key,
                    char **out)
{
    if (v->kind != V_STR)
        return rd_fail(r, "key \"%s\": expected a string, got %s", key,
                       vkind_names[v->kind]);
    if (v->len && memchr(v->data, '\0', v->len))
        return rd_fail(r, "key \"%s\": string holds a NUL byte", key);
    *out = cf_memdup(v->data, v->len);
    return CF_OK;
}

static int want_strv(struct rd *r, const struct val *v, const char *key,
                     char ***out, size_t *count)
{
    struct val e;
    char **a;
    size_t n;

    if (v->kind != V_ARRAY)
        return rd_fail(r, "key \"%s\": expected an array, got %s", key,
                       vkind_names[v->kind]);
    if (v->u > r->n - r->off)
        return rd_fail(r, "key \"%s\": truncated array", key);
    n = (size_t)v->u;
    if (n == 0)
        return CF_OK;
    a = cf_calloc(n, sizeof(*a));
    /* Publish first so the caller's cleanup frees a partial array. */
    *out = a;
    *count = n;
    for (size_t i = 0; i < n; i++)
        if (rd_head(r, &e) != CF_OK || want_str(r, &e, key, &a[i]) != CF_OK)
            return CF_EINVAL;
    return CF_OK;
}

/* A map of name to array of strings, into a heap array of cf_field. */
static int want_fldv(struct rd *r, const struct val *v, const char *key,
                     struct cf_field **out, size_t *count)
{
    struct val k, e;
    struct cf_field *a;
    size_t n;

    if (v->kind != V_MAP)
        return rd_fail(r, "key \"%s\": expected a map, got %s", key,
                       vkind_names[v->kind]);
    if (v->u > (r->n - r->off) / 2)
        return rd_fail(r, "key \"%s\": truncated map", key);
    n = (size_t)v->u;
    if (n == 0)
        return CF_OK;
    a = cf_calloc(n, sizeof(*a));
    /* Publish first so the caller's cleanup frees a partial array. */
    *out = a;
    *count = n;
    for (size_t i = 0; i < n; i++) {
        if (rd_head(r, &k) != CF_OK || want_str(r, &k, key, &a[i].name) ||
            rd_head(r, &e) != CF_OK ||
            want_strv(r, &e, key, &a[i].values, &a[i].nvalues) != CF_OK)
            return CF_EINVAL;
    }
    return CF_OK;
}

/* Read the value v of field f into rec. */
static int read_field(struct rd *r, const struct val *v, void *rec,
                      const struct field *f)
{
    int64_t x;

    switch (f->type) {
    case F_STR:
        return want_str(r, v, f->key, AT(rec, f->off, str_t));
    case F_U32:
        if (want_int(r, v, f->key, 0, UINT32_MAX, &x) != CF_OK)
            return CF_EINVAL;
        *AT(rec, f->off, uint32_t) = (uint32_t)x;
        return CF_OK;
    case F_INT:
        if (want_int(r, v, f->key, INT_MIN, INT_MAX, &x) != CF_OK)
            return CF_EINVAL;
        *AT(rec, f->off, int) = (int)x;
        return CF_OK;
    case F_I64:
        return want_int(r, v, f->key, INT64_MIN, INT64_MAX,
                        AT(rec, f->off, int64_t));
    case F_U64:
        return want_u64(r, v, f->key, AT(rec, f->off, uint64_t));
    case F_STRV:
        return want_strv(r, v, f->key, AT(rec, f->off, strv_t),
                         AT(rec, f->off2, size_t));
    case F_FLDV:
        return want_fldv(r, v, f->key, AT(rec, f->off, fldv_t),
                         AT(rec, f->off2, size_t));
    }
    return CF_EINVAL;
}

static void strv_free(char **v, size_t n)
{
    for (size_t j = 0; v && j < n; j++)
        free(v[j]);
    free(v);
}

static void record_cleanup(const struct rtype *t, void *rec)
{
    for (size_t i = 0; i < t->nfields; i++) {
        const struct field *f = &t->fields[i];

        if (f->type == F_STR) {
            free(*AT(rec, f->off, str_t));
        } else if (f->type == F_STRV) {
            strv_free(*AT(rec, f->off, strv_t), *AT(rec, f->off2, size_t));
        } else if (f->type == F_FLDV) {
            struct cf_field *fv = *AT(rec, f->off, fldv_t);
            size_t n = *AT(rec, f->off2, size_t);

            for (size_t j = 0; fv && j < n; j++) {
                free(fv[j].name);
                strv_free(fv[j].values, fv[j].nvalues);
            }
            free(fv);
        }
    }
    memset(rec, 0, t->size);
}

/* The field named k, searched from *idx on (wrapping): writers put keys
 * in table order, so the next key is usually the next field. On a match
 * *idx is its index. */
static const struct field *find_field(const struct rtype *t,
                                      const struct val *k, size_t *idx)
{
    for (size_t n = 0, i = *idx; n < t->nfields; n++, i++) {
        const struct field *f;

        if (i >= t->nfields)
            i = 0;
        f = &t->fields[i];
        if (f->klen == k->len && f->key[0] == (char)k->data[0] &&
            memcmp(f->key, k->data, k->len) == 0) {
            *idx = i;
            return f;
        }
    }
    return NULL;
}

/* Versions 1..CF_RECORD_VERSION are understood; a newer writer may have
 * changed the meaning of known keys, so its records are refused. */
static int check_version(struct rd *r, const struct rtype *t, int64_t v)
{
    if (v >= 1 && v <= CF_RECORD_VERSION)
        return CF_OK;
    return rd_fail(r, "%s record version %lld not supported (1..%d)", t->name,
                   (long long)v, CF_RECORD_VERSION);
}

static int record_decode(const struct rtype *t, const char *p, size_t len,
                         void *rec, char *errstr)
{
    struct rd r = {(const uint8_t *)p, len, 0, errstr};
    const struct field *f;
    struct val m, k, v;
    uint64_t seen = 0;
    bool have_version = false;
    int64_t version;
    size_t idx = 0;

    memset(rec, 0, t->size);
    if (errstr)
        errstr[0] = '\0';
    if (p == NULL && len > 0)
        return rd_fail(&r, "no input");
    if (rd_head(&r, &m) != CF_OK)
        goto fail;
    if (m.kind != V_MAP) {
        r.off = 0;
        rd_fail(&r, "%s record is a %s, not a map", t->name,
                vkind_names[m.kind]);
        goto fail;
    }
    if (m.u > (r.n - r.off) / 2) {
        rd_fail(&r, "truncated map");
        goto fail;
    }
    for (uint64_t i = 0; i < m.u; i++) {
        if (rd_head(&r, &k) != CF_OK)
            goto fail;
        if (k.kind != V_STR) {
            rd_fail(&r, "map key is a %s, not a string", vkind_names[k.kind]);
            goto fail;
        }
        if (rd_head(&r, &v) != CF_OK)
            goto fail;
        if (k.len == 1 && k.data[0] == 'v') {
            if (have_version) {
                rd_fail(&r, "key \"v\" appears twice");
                goto fail;
            }
            if (want_int(&r, &v, "v", 0, INT64_MAX, &version) != CF_OK ||
                check_version(&r, t, version) != CF_OK)
                goto fail;
            have_version = true;
            continue;
        }
        f = find_field(t, &k, &idx);
        if (f == NULL) {
            if (rd_skip(&r, &v) != CF_OK) /* a newer writer's field */
                goto fail;
            continue;
        }
        if (seen & (UINT64_C(1) << idx)) {
            rd_fail(&r, "key \"%s\" appears twice", f->key);
            goto fail;
        }
        seen |= UINT64_C(1) << idx;
        if (read_field(&r, &v, rec, f) != CF_OK)
            goto fail;
        idx++;
    }
    if (r.off != r.n) {
        rd_fail(&r, "%zu trailing bytes after the %s record", r.n - r.off,
                t->name);
        goto fail;
    }
    if (!have_version) {
        rd_fail(&r, "%s record has no version \"v\"", t->name);
        goto fail;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        f = &t->fields[i];
        if ((f->flags & F_REQUIRED) && !(seen & (UINT64_C(1) << i))) {
            rd_fail(&r, "%s record lacks \"%s\"", t->name, f->key);
            goto fail;
        }
        if ((f->flags & F_DFLT_DEPTH) && !(seen & (UINT64_C(1) << i)))
            *AT(rec, f->off, int64_t) = *AT(rec, f->off2, uint32_t);
    }
    return CF_OK;
fail:
    record_cleanup(t, rec);
    return CF_EINVAL;
}

int cf_request_decode(const char *p, size_t len, struct cf_request *r,
                      char *errstr)
{
    return record_decode(&request_type, p, len, r, errstr);
}

void cf_request_cleanup(struct cf_request *r)
{
    if (r)
        record_cleanup(&request_type, r);
}

int cf_result_decode(const char *p, size_t len, struct cf_result *r,
                     char *errstr)
{
    return record_decode(&result_type, p, len, r, errstr);
}

void cf_result_cleanup(struct cf_result *r)
{
    if (r)
        record_cleanup(&result_type, r);
}
