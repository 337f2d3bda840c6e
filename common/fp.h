/* fp.h - URL fingerprints.
 *
 * A fingerprint is XXH3-64 (xxHash 0.8, seed 0) of the normalised URL's
 * bytes with the top bit cleared, so it is a non-negative signed 64-bit
 * integer: Redis stores such members of a set as packed integers (intset),
 * which is what keeps the dedup set small. This function is part of the
 * on-Redis format: changing it breaks every existing crawl's dedup set. */
#ifndef CF_FP_H
#define CF_FP_H

#include <stddef.h>
#include <stdint.h>

#define CF_FP_STRLEN 20 /* longest decimal fingerprint, without NUL */

uint64_t cf_fp(const char *url, size_t len);
/* Decimal text of fp into buf (at least CF_FP_STRLEN + 1 bytes); returns
 * the length. */
size_t cf_fp_format(uint64_t fp, char *buf);
/* Parse decimal text (no sign, no spaces, <= 2^63 - 1); 0 or CF_EINVAL. */
int cf_fp_parse(const char *s, size_t len, uint64_t *out);

#endif
