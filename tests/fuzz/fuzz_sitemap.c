/* fuzz_sitemap.c - libFuzzer entry for sitemap_parse(): the input is a
 * sitemap body (XML, or gzip data when it starts with 1f 8b). Every entry
 * handed over must have a loc within the field cap, and the counts must
 * add up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "sitemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sitemap_entry *e, int is_index, void *arg)
{
    (void)is_index;
    if (!e->loc || strlen(e->loc) > SITEMAP_FIELD_MAX)
        __builtin_trap();
    (*(uint32_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sitemap_info info;
    char err[CF_ERRSTR_LEN];
    uint32_t n = 0;

    (void)sitemap_parse((const char *)data, size, check, &n, &info, err);
    if (n != info.entries || n > SITEMAP_MAX_URLS)
        __builtin_trap();
    return 0;
}
