/* keys.h - Redis key names. docs/keys.md documents every key.
 *
 * A crawl's keys share the hash tag {<crawl>}, so every script call
 * touches one Redis Cluster slot. Crawl names are 1-64 characters of
 * [A-Za-z0-9_.-]. */
#ifndef CF_KEYS_H
#define CF_KEYS_H

#include <stddef.h>

#define CF_CRAWL_NAME_MAX 64
#define CF_KEY_MAX 512

/* Set of all crawl names (outside any crawl's slot; index only). */
#define CF_KEY_CRAWLS "cf:crawls"
/* Worker heartbeats: cf:worker:<id>, a hash with a TTL. */
#define CF_KEY_WORKER_PREFIX "cf:worker:"

/* 1 if name is a valid crawl name. */
int cf_crawl_name_valid(const char *name);

/* "cf:{<crawl>}:<suffix>" into buf; returns buf (the caller sized it
 * CF_KEY_MAX; suffixes are constants, crawl names are capped). */
char *cf_key(char *buf, const char *crawl, const char *suffix);

#endif
