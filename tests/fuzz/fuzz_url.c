/* fuzz_url.c - libFuzzer target for common/url.c.
 *
 * Resolves the input against a fixed base; on success the result must be
 * a fixed point of normalisation (normalising it again gives the same
 * bytes), fit the cap, and split into parts with a host key. The fast
 * path and curl's (cf_url_resolve_curl) must give the same code and the
 * same bytes, against the base and without one. Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "url.h"

#define FUZZ_MAXLEN 512

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct cf_url_base *base;

static void check(const char *url)
{
    struct cf_url_parts p;
    char *again = NULL, key[FUZZ_MAXLEN + 16];
    int rc;

    if (strlen(url) > FUZZ_MAXLEN)
        abort();
    rc = cf_url_normalize(NULL, url, FUZZ_MAXLEN, &again);
    if (rc != CF_URL_OK || strcmp(again, url) != 0)
        abort();
    free(again);
    if (cf_url_split(url, &p) != CF_URL_OK)
        abort();
    if (cf_url_hostkey(url, key, sizeof(key)) != CF_URL_OK)
        abort();
}

/* The fast path against curl's: same code, same bytes. */
static void same_both(const struct cf_url_base *b, const char *ref)
{
    char *fast = NULL, *slow = NULL;
    int rf = cf_url_resolve(b, ref, FUZZ_MAXLEN, &fast);
    int rs = cf_url_resolve_curl(b, ref, FUZZ_MAXLEN, &slow);

    if (rf != rs || (fast == NULL) != (slow == NULL) ||
        (fast != NULL && strcmp(fast, slow) != 0))
        abort();
    free(fast);
    free(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    char *ref = cf_memdup(d, n), *out = NULL;
    int rc;

    if (base == NULL) {
        base = cf_url_base_new("http://a.example/b/c/d;p?q", &rc);
        if (base == NULL)
            abort();
    }
    rc = cf_url_resolve(base, ref, FUZZ_MAXLEN, &out);
    if ((rc == CF_URL_OK) != (out != NULL))
        abort();
    if (out != NULL)
        check(out);
    free(out);
    out = NULL;
    rc = cf_url_resolve(NULL, ref, FUZZ_MAXLEN, &out);
    if (out != NULL)
        check(out);
    free(out);
    same_both(base, ref);
    same_both(NULL, ref);
    free(ref);
    return 0;
}
