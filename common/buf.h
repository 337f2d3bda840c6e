/* buf.h - a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Every buffer in crawlfleet has a limit; appending past it fails with
 * CF_ETOOBIG and leaves the contents as they were, so the caller can count
 * the cap hit and decide. The data is always NUL-terminated (the NUL is not
 * counted in len), so text can be used as a C string. */
#ifndef CF_BUF_H
#define CF_BUF_H

#include <stddef.h>

struct cf_buf {
    char *data;   /* heap storage, NULL until the first append */
    size_t len;   /* bytes used, not counting the trailing NUL */
    size_t alloc; /* bytes allocated */
    size_t cap;   /* maximum len allowed */
};

void cf_buf_init(struct cf_buf *b, size_t cap);
/* Free the storage; b may be re-used after cf_buf_init(). */
void cf_buf_cleanup(struct cf_buf *b);
/* Forget the contents, keep the storage. */
void cf_buf_reset(struct cf_buf *b);
/* Make room for n more bytes (no more than the cap allows) so that the
 * appends up to them copy nothing again: a hint, for a caller that knows
 * the size ahead (a body's Content-Length). */
void cf_buf_reserve(struct cf_buf *b, size_t n);
/* Append; 0 or CF_ETOOBIG (nothing appended). */
int cf_buf_add(struct cf_buf *b, const void *p, size_t n);
int cf_buf_addstr(struct cf_buf *b, const char *s);
int cf_buf_addf(struct cf_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the storage to the caller (who frees it) and reset b. */
char *cf_buf_take(struct cf_buf *b, size_t *len);

#endif
