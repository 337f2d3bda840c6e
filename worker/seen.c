/* seen.c - the worker's bounded fingerprint set (seen.h). */
#include "seen.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define SLOTS_MIN 4096
/* Stored keys have the top bit set, so 0 marks an empty slot
 * (fingerprints are 63-bit, common/fp.h). */
#define KEY_BIT ((uint64_t)1 << 63)

struct seen {
    uint64_t *slot;   /* keys (fp | KEY_BIT), 0 = empty */
    size_t nslots;    /* power of two */
    size_t mask;      /* nslots - 1 */
    size_t count;     /* keys held */
    size_t max;       /* cap on count */
    size_t max_slots; /* the table grows up to this */
    uint64_t clears;  /* times the cap was hit */
};

static size_t home(const struct seen *s, uint64_t key)
{
    /* fingerprints are hashes already; the multiply spreads them anyway */
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & s->mask;
}

static void table_alloc(struct seen *s, size_t nslots)
{
    s->slot = cf_calloc(nslots, sizeof(*s->slot));
    s->nslots = nslots;
    s->mask = nslots - 1;
}

struct seen *seen_new(size_t max)
{
    struct seen *s = cf_calloc(1, sizeof(*s));
    size_t n = SLOTS_MIN;

    s->max = max ? max : 1;
    s->max_slots = SLOTS_MIN;
    while (s->max_slots < 2 * s->max)
        s->max_slots *= 2;
    if (n > s->max_slots)
        n = s->max_slots;
    table_alloc(s, n);
    return s;
}

void seen_free(struct seen *s)
{
    if (!s)
        return;
    free(s->slot);
    free(s);
}

int seen_has(const struct seen *s, uint64_t fp)
{
    uint64_t key = fp | KEY_BIT;
    size_t i = home(s, key);

    while (s->slot[i]) {
        if (s->slot[i] == key)
            return 1;
        i = (i + 1) & s->mask;
    }
    return 0;
}

static void put(struct seen *s, uint64_t key)
{
    size_t i = home(s, key);

    while (s->slot[i])
        i = (i + 1) & s->mask;
    s->slot[i] = key;
}

static void grow(struct seen *s)
{
    uint64_t *old = s->slot;
    size_t n = s->nslots, i;

    table_alloc(s, n * 2);
    for (i = 0; i < n; i++)
        if (old[i])
            put(s, old[i]);
    free(old);
}

int seen_add(struct seen *s, uint64_t fp)
{
    if (seen_has(s, fp))
        return 0;
    if (s->count >= s->max) {
        seen_clear(s);
        s->clears++;
    }
    if (2 * (s->count + 1) > s->nslots && s->nslots < s->max_slots)
        grow(s);
    put(s, fp | KEY_BIT);
    s->count++;
    return 1;
}

void seen_clear(struct seen *s)
{
    memset(s->slot, 0, s->nslots * sizeof(*s->slot));
    s->count = 0;
}

size_t seen_count(const struct seen *s)
{
    return s->count;
}

size_t seen_slots(const struct seen *s)
{
    return s->nslots;
}

uint64_t seen_clears(const struct seen *s)
{
    return s->clears;
}
