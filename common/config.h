/* config.h - a crawl's configuration.
 *
 * One table in config.c names every field, its type, default and bounds;
 * the same table drives the CLI flags (--max-depth ...), config files
 * ("max_depth = 3" lines, '#' comments) and the crawl's config hash in
 * Redis (cf:{crawl}:config, one field per entry). Durations are in
 * milliseconds, sizes in bytes. */
#ifndef CF_CONFIG_H
#define CF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct cf_config {
    int64_t max_depth;            /* links from a seed; -1 unlimited */
    int64_t max_pages;            /* pages to fetch; 0 unlimited */
    int64_t max_host_pages;       /* pages per host; 0 unlimited */
    int64_t delay_ms;             /* min gap between fetch starts per host */
    int64_t per_host_concurrency; /* max fetches in flight per host */
    char *scope;                  /* "host", "domain", "hosts:a,b", "any" */
    char *include;                /* POSIX ERE a URL must match, or NULL */
    char *exclude;                /* POSIX ERE no URL may match, or NULL */
    char *user_agent;
    char *proxy;                  /* curl proxy URL, or NULL */
    char *header;                 /* "Name: value" lines joined by '\n', or
                                   * NULL; secret */
    char *cookies;                /* Netscape cookie lines joined by '\n',
                                   * or NULL; secret */
    char *ca_file;                /* PEM text of extra trusted CAs, or NULL */
    int64_t insecure;             /* 0/1: no TLS certificate checks */
    char *resolve;                /* "host:port:addr" lines joined by '\n',
                                   * or NULL */
    int64_t obey_robots;          /* 0/1 */
    int64_t allow_private;        /* 0/1: lift the SSRF guard */
    int64_t follow_nofollow;      /* 0/1: follow rel=nofollow, meta nofollow */
    int64_t connect_timeout_ms;
    int64_t timeout_ms;           /* whole transfer */
    int64_t low_speed_bps;        /* abort below this rate ... */
    int64_t low_speed_ms;         /* ... sustained this long */
    int64_t max_body;             /* decoded body bytes */
    int64_t max_redirects;
    int64_t max_links;            /* links taken from one page */
    int64_t max_url_len;
    int64_t max_attempts;         /* transient failures before dead */
    int64_t backoff_ms;           /* first retry delay, doubled per try */
    int64_t backoff_max_ms;
    int64_t lease_ms;             /* in-flight lease before a reap */
    int64_t robots_ttl_ms;
    int64_t robots_retry_ms;     /* first wait after an unreachable robots.txt */
    int64_t max_crawl_delay_ms;   /* cap on robots Crawl-delay */
    int64_t breaker_failures;     /* consecutive host failures to trip */
    int64_t breaker_ms;           /* how long a tripped host waits */
    int64_t store_links;          /* 0/1: keep outlinks in results */
    int64_t sitemap_priority;     /* 0/1: order sitemap URLs by <priority> */
    char *text;                   /* "off", "plain", "markdown" */
    int64_t text_max;             /* bytes of text kept per page */
    int64_t warc;                 /* 0/1: archive responses in WARC files */
    int64_t warc_skip_noindex;    /* 0/1: with warc, pages marked noindex
                                   * are not archived */
    char *fetch_types;            /* content types downloaded: "html",
                                   * "all" or a list of type/subtype (a
                                   * "type/" + "*" matches the type); NULL:
                                   * all with warc, html without */
    char *extract;                /* NAME=SELECTOR rules joined by '\n',
                                   * or NULL (selector.h) */
    int64_t extract_max_values;   /* values kept per field and page */
    int64_t extract_max_bytes;    /* bytes of values per field and page */
    int64_t extract_jsonld;       /* 0/1: keep JSON-LD blocks */
    int64_t results_maxlen;       /* results stream cap (XADD MAXLEN ~);
                                   * 0: none */
    char *skip_ext;               /* link extensions not queued, lower
                                   * case, comma-separated; "none" */
};

#define CF_EXTRACT_VALUES_DEFAULT 100        /* extract_max_values */
#define CF_EXTRACT_BYTES_DEFAULT (64 * 1024) /* extract_max_bytes */

#define CF_TEXT_MAX_DEFAULT (64 * 1024) /* text_max's default */

/* What --text asks for. */
enum cf_text_mode {
    CF_TEXT_OFF = 0,  /* no text */
    CF_TEXT_PLAIN,    /* visible text, blocks on lines of their own */
    CF_TEXT_MARKDOWN, /* the same with headings, lists, links, emphasis */
};

/* The mode c->text names (CF_TEXT_OFF for anything else). */
enum cf_text_mode cf_config_text_mode(const struct cf_config *c);

/* skip_ext's default: extensions of things that are not pages. */
#define CF_SKIP_EXT_DEFAULT                                                 \
    "jpg,jpeg,png,gif,webp,svg,ico,bmp,tif,tiff,avif,css,js,mjs,map,json,"  \
    "pdf,zip,gz,tgz,tar,bz2,xz,7z,rar,mp3,mp4,m4a,m4v,ogg,oga,ogv,wav,"     \
    "flac,webm,avi,mov,mkv,wmv,flv,woff,woff2,ttf,otf,eot,exe,msi,dmg,iso," \
    "bin,deb,rpm,apk,jar,doc,docx,xls,xlsx,ppt,pptx,odt,ods,swf,psd,wasm"

/* Defaults for every field. */
void cf_config_init(struct cf_config *c);
void cf_config_cleanup(struct cf_config *c);

/* Set field name from text as a user gives it (a flag, a config file
 * line), validating type and bounds. Accepts the field name with '_' or
 * '-' ("max-depth"). List fields ("header", "resolve") append one item
 * per set (repeatable; "" clears the list); file fields ("cookies",
 * "ca_file") name a file, read and checked here. Returns
 * 0, or CF_ENOTFOUND for an unknown name, or CF_EINVAL with errstr
 * ("max_depth: not a number: x"); errors about secret fields never quote
 * their values. */
int cf_config_set(struct cf_config *c, const char *name, const char *value,
                  char *errstr);

/* The same for a value in its stored form, as cf_config_field_value
 * renders it (what the crawl's config hash in Redis holds): the header
 * lists' items joined by '\n', the files' checked contents. */
int cf_config_set_stored(struct cf_config *c, const char *name,
                         const char *value, char *errstr);

/* Rules between fields, checked once every source (file, flags, Redis
 * hash) has been applied, since the order of settings must not matter:
 * lease_ms > timeout_ms, backoff_ms <= backoff_max_ms, no two extract
 * rules with one NAME. Returns 0, or
 * CF_EINVAL with errstr naming the fields. */
int cf_config_check(const struct cf_config *c, char *errstr);

/* Fields, for serialising: count, the i-th name, and the i-th value as a
 * heap string (NULL for an unset string field). */
size_t cf_config_nfields(void);
const char *cf_config_field_name(size_t i);
const char *cf_config_field_help(size_t i);
/* What a flag of the i-th field given without a value means: "1" for a
 * switch, a word for fields like text ("--text" is "plain"), else NULL
 * (the flag needs a value). */
const char *cf_config_field_bare(size_t i);
/* 1 if the i-th field is a 0/1 switch (a CLI flag may omit its value). */
int cf_config_field_is_bool(size_t i);
/* 1 if the i-th field's value must never be shown (headers, cookies). */
int cf_config_field_is_secret(size_t i);
char *cf_config_field_value(const struct cf_config *c, size_t i);

/* Read "name = value" lines ('#' comments, blank lines; a value in double
 * quotes keeps spaces and '#'). Stops at the first error: returns CF_ERR
 * if the file cannot be read, CF_EINVAL with "path:line: message" for bad
 * content (settings before that line stay applied). */
int cf_config_load_file(struct cf_config *c, const char *path, char *errstr);

/* The version both binaries print (--version). */
#define CF_VERSION "0.1.0"

#endif
