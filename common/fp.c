/* fp.c - URL fingerprints (XXH3-64, top bit cleared). */
#include <xxhash.h>

#include "err.h"
#include "fp.h"

uint64_t cf_fp(const char *url, size_t len)
{
    return (uint64_t)XXH3_64bits(url, len) & UINT64_C(0x7fffffffffffffff);
}

size_t cf_fp_format(uint64_t fp, char *buf)
{
    char tmp[CF_FP_STRLEN];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + fp % 10);
        fp /= 10;
    } while (fp);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

int cf_fp_parse(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
        return CF_EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (d > 9)
            return CF_EINVAL;
        if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10)
            return CF_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return CF_OK;
}
