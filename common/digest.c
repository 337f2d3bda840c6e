/* digest.c - SHA-1 through libcrypto's EVP interface, Base32 text. */
#include "digest.h"

#include <openssl/evp.h>

#include <stdlib.h>

size_t cf_base32(const uint8_t *p, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t i = 0, o = 0;

    while (i < n) {
        uint8_t b[5] = {0};
        size_t k = n - i < 5 ? n - i : 5;
        /* output characters that carry data, per input bytes 1..5 */
        static const size_t chars[6] = {0, 2, 4, 5, 7, 8};

        for (size_t j = 0; j < k; j++)
            b[j] = p[i + j];
        uint64_t v = (uint64_t)b[0] << 32 | (uint64_t)b[1] << 24 |
                     (uint64_t)b[2] << 16 | (uint64_t)b[3] << 8 | b[4];
        for (size_t j = 0; j < 8; j++)
            out[o + j] = j < chars[k] ? abc[(v >> (35 - 5 * j)) & 31] : '=';
        o += 8;
        i += k;
    }
    out[o] = '\0';
    return o;
}

void cf_sha1_text(const uint8_t d[CF_SHA1_LEN], char out[CF_SHA1_TEXT_LEN])
{
    out[0] = 's';
    out[1] = 'h';
    out[2] = 'a';
    out[3] = '1';
    out[4] = ':';
    cf_base32(d, CF_SHA1_LEN, out + 5);
}

void cf_sha1_init(struct cf_sha1 *h)
{
    if (!h->ctx) {
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx)
            abort(); /* out of memory, as cf_malloc */
    }
    if (EVP_DigestInit_ex(h->ctx, EVP_sha1(), NULL) != 1)
        abort(); /* only fails for want of memory */
}

void cf_sha1_update(struct cf_sha1 *h, const void *p, size_t n)
{
    EVP_DigestUpdate(h->ctx, p, n);
}

void cf_sha1_final_text(struct cf_sha1 *h, char out[CF_SHA1_TEXT_LEN])
{
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, d, &n);
    cf_sha1_text(d, out);
}

void cf_sha1_cleanup(struct cf_sha1 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}
