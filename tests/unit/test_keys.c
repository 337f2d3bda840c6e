/* test_keys.c - common/keys.c */
#include "keys.h"
#include "test.h"

static const struct {
    const char *name;
    int valid;
} names[] = {
    {"news", 1}, {"a", 1}, {"crawl-2026.11_x", 1},
    {"", 0}, {"a b", 0}, {"a{b}", 0}, {"a:b", 0}, {"é", 0},
    {"0123456789012345678901234567890123456789012345678901234567890123", 1},
    {"01234567890123456789012345678901234567890123456789012345678901234", 0},
};

int main(void)
{
    char k[CF_KEY_MAX];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        CHECKF(cf_crawl_name_valid(names[i].name) == names[i].valid,
               "valid(%s)", names[i].name);
    CHECK(cf_crawl_name_valid(NULL) == 0);
    CHECK_STR(cf_key(k, "news", "stats"), "cf:{news}:stats");
    return test_summary("test_keys");
}
