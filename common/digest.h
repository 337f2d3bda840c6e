/* digest.h - SHA-1 digests as WARC and CDX write them.
 *
 * WARC-Payload-Digest, WARC-Block-Digest and the CDX digest column are
 * "sha1:" followed by the 20-byte SHA-1 in Base32 (RFC 4648 alphabet,
 * A-Z2-7, 32 characters, no padding needed for 20 bytes). The hashing is
 * libcrypto's (OpenSSL, which libcurl already brings); this module only
 * wraps its streaming interface and formats the result. */
#ifndef CF_DIGEST_H
#define CF_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define CF_SHA1_LEN 20
/* "sha1:" + 32 Base32 characters + NUL */
#define CF_SHA1_TEXT_LEN 38

/* A running SHA-1. Zeroed means not started; cf_sha1_cleanup() frees. */
struct cf_sha1 {
    void *ctx; /* libcrypto EVP_MD_CTX, NULL until cf_sha1_init() */
};

/* Start (or restart) h. */
void cf_sha1_init(struct cf_sha1 *h);
/* Add n bytes; h must have been started. */
void cf_sha1_update(struct cf_sha1 *h, const void *p, size_t n);
/* Finish into out ("sha1:..." text) and leave h to be started again. */
void cf_sha1_final_text(struct cf_sha1 *h, char out[CF_SHA1_TEXT_LEN]);
/* Free h's context; accepts a zeroed h. */
void cf_sha1_cleanup(struct cf_sha1 *h);

/* "sha1:" + Base32 of a raw 20-byte digest. */
void cf_sha1_text(const uint8_t d[CF_SHA1_LEN], char out[CF_SHA1_TEXT_LEN]);
/* Base32 (RFC 4648, upper case, '=' padding) of n bytes into out, which
 * holds at least ((n + 4) / 5) * 8 + 1 bytes. Returns the length. */
size_t cf_base32(const uint8_t *p, size_t n, char *out);

#endif
