/* alloc.h - allocation wrappers that abort on out-of-memory.
 *
 * Every heap allocation in crawlfleet goes through these. Running out of
 * memory is not a recoverable condition for a crawler process (the
 * supervisor or Kubernetes restarts it and the leases it held expire), so
 * callers never check for NULL. */
#ifndef CF_ALLOC_H
#define CF_ALLOC_H

#include <stddef.h>

void *cf_malloc(size_t size);
void *cf_calloc(size_t nmemb, size_t size);
void *cf_realloc(void *ptr, size_t size);
char *cf_strdup(const char *s);
/* Copy at most n bytes of s and terminate the copy (s need not be). */
char *cf_strndup(const char *s, size_t n);
/* Copy exactly n bytes (which may contain NULs) and append a NUL. */
void *cf_memdup(const void *p, size_t n);
/* For a library's allocation that returned NULL: report and abort. */
void cf_oom(void) __attribute__((noreturn));
/* printf into a fresh heap string. */
char *cf_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
