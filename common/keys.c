/* keys.c - Redis key names. */
#include <stdio.h>
#include <string.h>

#include "keys.h"

int cf_crawl_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > CF_CRAWL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

char *cf_key(char *buf, const char *crawl, const char *suffix)
{
    snprintf(buf, CF_KEY_MAX, "cf:{%s}:%s", crawl, suffix);
    return buf;
}
