/* test_seen.c - the worker's bounded fingerprint set (worker/seen.c). */
#include <stdint.h>
#include <stdlib.h>

#include "seen.h"
#include "test.h"

/* A spread of fingerprints: 63-bit values from a simple LCG. */
static uint64_t fp_at(uint64_t i)
{
    uint64_t x = i * 6364136223846793005ull + 1442695040888963407ull;

    x ^= x >> 29;
    return x & 0x7fffffffffffffffull;
}

static void test_basic(void)
{
    static const uint64_t edge[] = {
        0, 1, 2, 4096, 0x7fffffffffffffffull, 0x4000000000000000ull,
    };
    struct seen *s = seen_new(100);
    size_t i;

    for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
        CHECK(!seen_has(s, edge[i]));
        CHECK_INT(seen_add(s, edge[i]), 1);
        CHECK(seen_has(s, edge[i]));
        CHECK_INT(seen_add(s, edge[i]), 0);
    }
    CHECK_INT(seen_count(s), 6);
    CHECK(!seen_has(s, 3));
    seen_clear(s);
    CHECK_INT(seen_count(s), 0);
    for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
        CHECK(!seen_has(s, edge[i]));
    CHECK_INT(seen_clears(s), 0);
    seen_free(s);
    seen_free(NULL);
}

/* Growth keeps every key; no key that was not added is reported. */
static void test_grow(void)
{
    const size_t n = 200000;
    struct seen *s = seen_new(n);
    size_t i, missing = 0, false_pos = 0, first = seen_slots(s);

    for (i = 0; i < n; i++)
        seen_add(s, fp_at(i));
    CHECK_INT(seen_count(s), n);
    CHECK(seen_slots(s) > first);
    CHECKF(seen_slots(s) >= 2 * n, "slots %zu for %zu keys", seen_slots(s),
           n);
    for (i = 0; i < n; i++)
        missing += !seen_has(s, fp_at(i));
    for (i = n; i < 2 * n; i++)
        false_pos += seen_has(s, fp_at(i));
    CHECK_INT(missing, 0);
    CHECK_INT(false_pos, 0);
    CHECK_INT(seen_clears(s), 0);
    seen_free(s);
}

/* At the cap the set is cleared (counted), then fills again; the table
 * never grows past twice the cap (rounded up to a power of two). */
static void test_full(void)
{
    static const struct {
        size_t max, adds, clears, count, slots;
    } cases[] = {
        {1, 1, 0, 1, 4096},
        {1, 5, 4, 1, 4096},
        {10000, 10000, 0, 10000, 32768},
        {10000, 10001, 1, 1, 32768},
        {10000, 25000, 2, 5000, 32768},
        {20000, 20000, 0, 20000, 65536},
    };
    size_t k, i;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct seen *s = seen_new(cases[k].max);

        for (i = 0; i < cases[k].adds; i++)
            seen_add(s, fp_at(i));
        CHECKF(seen_clears(s) == cases[k].clears, "case %zu: clears %llu",
               k, (unsigned long long)seen_clears(s));
        CHECKF(seen_count(s) == cases[k].count, "case %zu: count %zu", k,
               seen_count(s));
        CHECKF(seen_slots(s) == cases[k].slots, "case %zu: slots %zu", k,
               seen_slots(s));
        /* the newest key survives a clear, an evicted one is gone */
        CHECK(seen_has(s, fp_at(cases[k].adds - 1)));
        if (cases[k].clears)
            CHECK(!seen_has(s, fp_at(0)));
        seen_free(s);
    }
}

int main(void)
{
    test_basic();
    test_grow();
    test_full();
    return test_summary("test_seen");
}
