/* entry.c - queue entries (entry.h, docs/keys.md). Measured at 200,000
 * queued URLs of 63 bytes: a whole msgpack request made a queue entry of
 * some 130 bytes; compact, one of 47 (test_frontier_memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "entry.h"
#include "err.h"
#include "record.h"

/* The origin of a host key "scheme://host:port": without the port when
 * it is the scheme's default (a normalised URL drops it). Its length. */
static size_t origin_len(const char *hk)
{
    size_t n = strlen(hk);

    if (strncmp(hk, "http://", 7) == 0 && n > 10 &&
        strcmp(hk + n - 3, ":80") == 0)
        return n - 3;
    if (strncmp(hk, "https://", 8) == 0 && n > 12 &&
        strcmp(hk + n - 4, ":443") == 0)
        return n - 4;
    return n;
}

/* Whether r can be kept compact: nothing set but url, depth, priority,
 * flags (the three bits head has room for), discovered_ms and parent_fp
 * (entry.h): a field added to struct cf_request makes the requests that
 * set it whole, until this learns to keep it. */
static int compactable(const struct cf_request *r, const char *hk,
                       size_t olen)
{
    struct cf_request rest, zero;

    memcpy(&rest, r, sizeof(rest));
    rest.url = NULL;
    rest.depth = 0;
    rest.priority = 0;
    rest.discovered_ms = 0;
    rest.parent_fp = 0;
    rest.flags &= ~(uint32_t)CF_ENTRY_FLAGS;
    memset(&zero, 0, sizeof(zero));
    return memcmp(&rest, &zero, sizeof(rest)) == 0 &&
           strncmp(r->url, hk, olen) == 0 && r->url[olen] == '/';
}

int cf_entry_encode(struct cf_buf *out, uint64_t fp, const char *hostkey,
                    const char *rec, size_t len)
{
    unsigned char head[CF_ENTRY_FP_LEN + 1 + 5];
    struct cf_request r;
    size_t olen = origin_len(hostkey), n = CF_ENTRY_FP_LEN;
    int rv;

    for (int i = 0; i < CF_ENTRY_FP_LEN; i++)
        head[i] = (unsigned char)(fp >> (8 * (CF_ENTRY_FP_LEN - 1 - i)));
    if (cf_request_decode(rec, len, &r, NULL) != CF_OK) {
        head[n++] = CF_ENTRY_WHOLE;
        rv = cf_buf_add(out, head, n);
        return rv == CF_OK && len > 0 ? cf_buf_add(out, rec, len) : rv;
    }
    if (!compactable(&r, hostkey, olen)) {
        cf_request_cleanup(&r);
        head[n++] = CF_ENTRY_WHOLE;
        rv = cf_buf_add(out, head, n);
        return rv == CF_OK && len > 0 ? cf_buf_add(out, rec, len) : rv;
    }
    if (r.depth < CF_ENTRY_DEPTH_MAX) {
        head[n++] = (unsigned char)(r.flags * CF_ENTRY_FLAG_UNIT + r.depth);
    } else {
        uint32_t d = r.depth - CF_ENTRY_DEPTH_MAX;

        head[n++] = (unsigned char)(r.flags * CF_ENTRY_FLAG_UNIT + CF_ENTRY_DEPTH_MAX);
        do {
            head[n++] = (unsigned char)((d & 127) | (d > 127 ? 128 : 0));
            d >>= 7;
        } while (d > 0);
    }
    rv = cf_buf_add(out, head, n);
    if (rv == CF_OK)
        rv = cf_buf_addstr(out, r.url + olen);
    cf_request_cleanup(&r);
    return rv;
}

int cf_entry_record(const char *p, size_t len, const char *hostkey,
                    struct cf_buf *out, char *errstr)
{
    const unsigned char *u = (const unsigned char *)p;
    struct cf_request r = {0};
    size_t olen = origin_len(hostkey), i = 1, tail;
    uint64_t depth;
    char *url;
    int rv;

    if (len == 0 || (u[0] >= 0x80 && u[0] != CF_ENTRY_WHOLE)) {
        snprintf(errstr, CF_ERRSTR_LEN, "queue entry: bad record byte");
        return CF_EINVAL;
    }
    if (u[0] == CF_ENTRY_WHOLE)
        return len == 1 || cf_buf_add(out, p + 1, len - 1) == CF_OK
                   ? CF_OK
                   : CF_ETOOBIG;
    depth = u[0] % CF_ENTRY_FLAG_UNIT;
    if (depth == CF_ENTRY_DEPTH_MAX) {
        uint64_t d = 0;
        int shift = 0;

        do {
            if (i == len || shift > 28) {
                snprintf(errstr, CF_ERRSTR_LEN, "queue entry: bad depth");
                return CF_EINVAL;
            }
            d |= (uint64_t)(u[i] & 127) << shift;
            shift += 7;
        } while (u[i++] & 128);
        depth += d;
        if (depth > UINT32_MAX) {
            snprintf(errstr, CF_ERRSTR_LEN, "queue entry: bad depth");
            return CF_EINVAL;
        }
    }
    tail = len - i;
    if (tail == 0 || p[i] != '/') {
        snprintf(errstr, CF_ERRSTR_LEN, "queue entry: bad URL path");
        return CF_EINVAL;
    }
    url = cf_malloc(olen + tail + 1);
    memcpy(url, hostkey, olen);
    memcpy(url + olen, p + i, tail);
    url[olen + tail] = '\0';
    r.url = url;
    r.depth = (uint32_t)depth;
    r.priority = (int64_t)depth;
    r.flags = u[0] / CF_ENTRY_FLAG_UNIT;
    rv = cf_request_encode(&r, out);
    free(url);
    if (rv != CF_OK)
        snprintf(errstr, CF_ERRSTR_LEN, "queue entry: URL too long");
    return rv;
}
