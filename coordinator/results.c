/* results.c - results records as JSON Lines or CSV; reading the results
 * stream. */
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "bytes.h"
#include "cli.h"
#include "err.h"
#include "results.h"
#include "url.h"

#define FOLLOW_BATCH 1000 /* entries per XREAD */

int export_format_parse(const char *s, enum export_format *f)
{
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0) {
        *f = EXPORT_JSONL;
        return 0;
    }
    if (strcmp(s, "csv") == 0) {
        *f = EXPORT_CSV;
        return 0;
    }
    if (strcmp(s, "cdxj") == 0) {
        *f = EXPORT_CDXJ;
        return 0;
    }
    return -1;
}

static json_t *str_or_null(const char *s)
{
    json_t *j;

    if (!s)
        return json_null();
    /* Page titles are not always valid UTF-8: keep what is valid. */
    j = json_string(s);
    if (!j) {
        char *copy = cf_strdup(s);

        for (unsigned char *p = (unsigned char *)copy; *p; p++)
            if (*p >= 0x80)
                *p = '?';
        j = json_string(copy);
        free(copy);
    }
    return j ? j : json_null();
}

/* The result flags exported as booleans (only when set). */
static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CF_RES_DEAD, "dead"},
    {CF_RES_NOINDEX, "noindex"},
    {CF_RES_NOFOLLOW, "nofollow"},
    {CF_RES_INSECURE, "insecure"},
    {CF_RES_TEXT_TRUNCATED, "text_truncated"},
    {CF_RES_FIELDS_TRUNCATED, "fields_truncated"},
    {CF_RES_SITEMAP, "sitemap"},
};

/* The optional string fields, exported under these names when set. */
#define OPT_STRS(X)                                                            \
    X(redirect_url) X(last_modified) X(etag) X(content_length)                 \
    X(content_language) X(location) X(payload_digest) X(warc_file)             \
    X(canonical) X(description) X(lang) X(meta_robots) X(text)                \
    X(sitemap_lastmod) X(sitemap_priority)

/* The optional counts, exported when non-zero (warc_offset with its file). */
#define OPT_NUMS(X)                                                            \
    X(links_internal) X(links_external) X(links_nofollow) X(links_dropped)

/* The export writes two timestamps a result: gmtime_r and snprintf took
 * 3,300 instructions each, 13% of `crawlfleet crawl`'s own (callgrind,
 * the 21,663-result rust-doc crawl). From 1970 to 9999 the date comes
 * from the day count (the proleptic Gregorian calendar in 400-year eras
 * of 146,097 days, March-based years so that the leap day comes last)
 * and the digits are written in place; tests/unit/test_results.c checks
 * it against gmtime_r and snprintf. */
#define ISO_FAST_MAX_MS 253402300800000LL /* 10000-01-01T00:00:00Z */

static void put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

int export_iso8601(char *out, size_t n, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms > 0 && ms < ISO_FAST_MAX_MS && n >= 25) {
        int64_t days = ms / 86400000, z = days + 719468; /* from 0000-03-01 */
        unsigned sod = (unsigned)(ms / 1000 % 86400);
        unsigned era = (unsigned)(z / 146097);
        unsigned doe = (unsigned)(z - (int64_t)era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153; /* 0 = March */
        unsigned day = doy - (153 * mp + 2) / 5 + 1;
        unsigned mon = mp < 10 ? mp + 3 : mp - 9;
        unsigned year = yoe + era * 400 + (mon <= 2);

        put_digits(out, year, 4);
        out[4] = '-';
        put_digits(out + 5, mon, 2);
        out[7] = '-';
        put_digits(out + 8, day, 2);
        out[10] = 'T';
        put_digits(out + 11, sod / 3600, 2);
        out[13] = ':';
        put_digits(out + 14, sod / 60 % 60, 2);
        out[16] = ':';
        put_digits(out + 17, sod % 60, 2);
        out[19] = '.';
        put_digits(out + 20, (unsigned)(ms % 1000), 3);
        out[23] = 'Z';
        out[24] = '\0';
        return 0;
    }
    if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
        return -1;
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ms % 1000));
    return 0;
}

/* A JSON-LD block as a JSON value: as parsed when it parses (the worker
 * keeps only blocks that do), else as a string. */
static json_t *jsonld_value(const char *s)
{
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);

    return j ? j : str_or_null(s);
}

/* The fields after "attempts", set only when present. */
static void result_json_extra(json_t *o, const struct cf_result *r)
{
    char iso[32];

    if (export_iso8601(iso, sizeof(iso), r->started_ms) == 0)
        json_object_set_new(o, "started_at", json_string(iso));
    if (export_iso8601(iso, sizeof(iso), r->done_ms) == 0)
        json_object_set_new(o, "done_at", json_string(iso));
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (r->flags & flag_names[i].flag)
            json_object_set_new(o, flag_names[i].name, json_true());
#define X(m)                                                                   \
    if (r->m)                                                                  \
        json_object_set_new(o, #m, str_or_null(r->m));
    OPT_STRS(X)
#undef X
    if (r->warc_file) {
        json_object_set_new(o, "warc_offset", json_integer(r->warc_offset));
        json_object_set_new(o, "warc_length", json_integer(r->warc_length));
    }
#define X(m)                                                                   \
    if (r->m)                                                                  \
        json_object_set_new(o, #m, json_integer(r->m));
    OPT_NUMS(X)
#undef X
    if (r->nfields) {
        json_t *fo = json_object();

        for (size_t i = 0; i < r->nfields; i++) {
            json_t *a = json_array(), *name;

            for (size_t j = 0; j < r->fields[i].nvalues; j++)
                json_array_append_new(a, str_or_null(r->fields[i].values[j]));
            /* names are identifiers (checked at seed); '?' as for values */
            name = str_or_null(r->fields[i].name);

            json_object_set_new(fo, json_string_value(name), a);
            json_decref(name);
        }
        json_object_set_new(o, "fields", fo);
    }
    if (r->njsonld) {
        json_t *a = json_array();

        for (size_t i = 0; i < r->njsonld; i++)
            json_array_append_new(a, jsonld_value(r->jsonld[i]));
        json_object_set_new(o, "jsonld", a);
    }
}

json_t *export_result_json(const struct cf_result *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "url", str_or_null(r->url));
    json_object_set_new(o, "final_url", str_or_null(r->final_url));
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "content_type", str_or_null(r->content_type));
    json_object_set_new(o, "bytes", json_integer(r->bytes));
    json_object_set_new(o, "title", str_or_null(r->title));
    json_object_set_new(o, "depth", json_integer(r->depth));
    json_object_set_new(o, "links", json_integer(r->nlinks));
    json_object_set_new(o, "fetch_ms", json_integer(r->fetch_ms));
    json_object_set_new(o, "worker", str_or_null(r->worker));
    json_object_set_new(o, "error_type", str_or_null(r->error_type));
    json_object_set_new(o, "error", str_or_null(r->error));
    json_object_set_new(o, "started_ms", json_integer(r->started_ms));
    json_object_set_new(o, "done_ms", json_integer(r->done_ms));
    json_object_set_new(o, "attempts", json_integer(r->attempts));
    if (r->outlinks) {
        json_t *a = json_array();

        for (size_t i = 0; i < r->noutlinks; i++)
            json_array_append_new(a, str_or_null(r->outlinks[i]));
        json_object_set_new(o, "outlinks", a);
    }
    result_json_extra(o, r);
    return o;
}

/* Length of the valid UTF-8 sequence at s (as jansson checks it: no
 * overlong forms, surrogates or code points past U+10FFFF), 0 if none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0], v;
    size_t n, i;

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    v = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

/* s as a JSON string, like jansson's compact dump; when s is not valid
 * UTF-8, every byte from 0x80 up becomes '?' (as str_or_null does). */
static void json_str(struct cf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    int valid = 1;
    size_t k;

    if (s == NULL) {
        cf_buf_add(b, "null", 4);
        return;
    }
    /* whole 16-byte blocks of plain ASCII go as they are (13 strings a
     * result, a byte loop each before); the rest is checked and escaped
     * from there: the blocks end between characters, so whether the
     * string is valid UTF-8 is whether the rest is */
    k = cf_plain_blocks2(s, strlen(s), 0x20, '"', '\\');
    cf_buf_add(b, "\"", 1);
    cf_buf_add(b, s, k);
    p += k;
    for (k = 0; p[k] != '\0';) {
        size_t l = utf8_len(p + k);

        if (l == 0) {
            valid = 0;
            break;
        }
        k += l;
    }
    for (; *p; p++) {
        const unsigned char *run = p;
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        const char *e = esc;
        size_t el = 2;

        while (*p >= 0x20 && *p != '"' && *p != '\\' && (valid || *p < 0x80))
            p++;
        cf_buf_add(b, run, (size_t)(p - run));
        if (*p == '\0')
            break;
        switch (*p) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            if (*p >= 0x80) {
                e = "?";
                el = 1;
            } else {
                esc[4] = hex[*p >> 4];
                esc[5] = hex[*p & 15];
                el = 6;
            }
        }
        cf_buf_add(b, e, el);
    }
    cf_buf_add(b, "\"", 1);
}

static void json_key(struct cf_buf *b, const char *key, int first)
{
    if (!first)
        cf_buf_add(b, ",", 1);
    cf_buf_add(b, "\"", 1);
    cf_buf_addstr(b, key);
    cf_buf_add(b, "\":", 2);
}

/* v in decimal, as "%lld" writes it, without snprintf (a tenth of the
 * instructions of `crawlfleet crawl`: ten numbers a result; checked
 * against snprintf in tests/unit/test_results.c). */
static void json_num(struct cf_buf *b, const char *key, long long v)
{
    char num[24];
    char *e = num + sizeof(num), *p = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    json_key(b, key, 0);
    cf_buf_add(b, p, (size_t)(e - p));
}

static void json_strv(struct cf_buf *b, char *const *v, size_t n)
{
    cf_buf_add(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            cf_buf_add(b, ",", 1);
        json_str(b, v[i]);
    }
    cf_buf_add(b, "]", 1);
}

/* What result_json_extra() adds, in the same order. A field name given
 * twice is written once, where it first stood, with the last values: what
 * jansson's object keeps. */
static void result_line_extra(struct cf_buf *b, const struct cf_result *r)
{
    char iso[32];

    if (export_iso8601(iso, sizeof(iso), r->started_ms) == 0) {
        json_key(b, "started_at", 0);
        json_str(b, iso);
    }
    if (export_iso8601(iso, sizeof(iso), r->done_ms) == 0) {
        json_key(b, "done_at", 0);
        json_str(b, iso);
    }
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (r->flags & flag_names[i].flag) {
            json_key(b, flag_names[i].name, 0);
            cf_buf_add(b, "true", 4);
        }
#define X(m)                                                                   \
    if (r->m) {                                                                \
        json_key(b, #m, 0);                                                    \
        json_str(b, r->m);                                                     \
    }
    OPT_STRS(X)
#undef X
    if (r->warc_file) {
        json_num(b, "warc_offset", r->warc_offset);
        json_num(b, "warc_length", r->warc_length);
    }
#define X(m)                                                                   \
    if (r->m)                                                                  \
        json_num(b, #m, r->m);
    OPT_NUMS(X)
#undef X
    if (r->nfields) {
        json_key(b, "fields", 0);
        cf_buf_add(b, "{", 1);
        for (size_t i = 0, first = 1; i < r->nfields; i++) {
            bool earlier = false;
            size_t last = i;

            for (size_t j = 0; j < i && !earlier; j++)
                earlier = strcmp(r->fields[i].name, r->fields[j].name) == 0;
            if (earlier)
                continue;
            for (size_t j = i + 1; j < r->nfields; j++)
                if (strcmp(r->fields[i].name, r->fields[j].name) == 0)
                    last = j;
            if (!first)
                cf_buf_add(b, ",", 1);
            first = 0;
            json_str(b, r->fields[i].name);
            cf_buf_add(b, ":", 1);
            json_strv(b, r->fields[last].values, r->fields[last].nvalues);
        }
        cf_buf_add(b, "}", 1);
    }
    if (r->njsonld) {
        json_key(b, "jsonld", 0);
        cf_buf_add(b, "[", 1);
        for (size_t i = 0; i < r->njsonld; i++) {
            json_t *j = jsonld_value(r->jsonld[i]);
            char *d = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

            if (i > 0)
                cf_buf_add(b, ",", 1);
            if (d)
                cf_buf_addstr(b, d);
            else
                cf_buf_add(b, "null", 4);
            free(d);
            json_decref(j);
        }
        cf_buf_add(b, "]", 1);
    }
}

void export_result_line(struct cf_buf *b, const struct cf_result *r)
{
    cf_buf_add(b, "{", 1);
    json_key(b, "url", 1);
    json_str(b, r->url);
    json_key(b, "final_url", 0);
    json_str(b, r->final_url);
    json_num(b, "status", r->status);
    json_key(b, "content_type", 0);
    json_str(b, r->content_type);
    json_num(b, "bytes", r->bytes);
    json_key(b, "title", 0);
    json_str(b, r->title);
    json_num(b, "depth", r->depth);
    json_num(b, "links", r->nlinks);
    json_num(b, "fetch_ms", r->fetch_ms);
    json_key(b, "worker", 0);
    json_str(b, r->worker);
    json_key(b, "error_type", 0);
    json_str(b, r->error_type);
    json_key(b, "error", 0);
    json_str(b, r->error);
    json_num(b, "started_ms", r->started_ms);
    json_num(b, "done_ms", r->done_ms);
    json_num(b, "attempts", r->attempts);
    if (r->outlinks) {
        json_key(b, "outlinks", 0);
        cf_buf_add(b, "[", 1);
        for (size_t i = 0; i < r->noutlinks; i++) {
            if (i > 0)
                cf_buf_add(b, ",", 1);
            json_str(b, r->outlinks[i]);
        }
        cf_buf_add(b, "]", 1);
    }
    result_line_extra(b, r);
    cf_buf_add(b, "}\n", 2);
}

static const char *const csv_columns =
    "url,final_url,status,content_type,bytes,title,depth,links,fetch_ms,"
    "worker,error_type,error,started_ms,done_ms,attempts\n";

static void csv_field_raw(FILE *out, const char *s);

void export_fields_init(struct export_fields *f, const char *rules)
{
    memset(f, 0, sizeof(*f));
    while (rules != NULL && *rules) {
        const char *nl = strchr(rules, '\n');
        size_t n = strcspn(rules, "=\n");

        f->names = cf_realloc(f->names, (f->n + 1) * sizeof(*f->names));
        f->names[f->n++] = cf_strndup(rules, n);
        rules = nl ? nl + 1 : NULL;
    }
}

void export_fields_cleanup(struct export_fields *f)
{
    for (size_t i = 0; f && i < f->n; i++)
        free(f->names[i]);
    if (f)
        free(f->names);
    if (f)
        memset(f, 0, sizeof(*f));
}

void export_csv_header(FILE *out, const struct export_fields *fields)
{
    if (fields == NULL || fields->n == 0) {
        fputs(csv_columns, out);
        return;
    }
    fwrite(csv_columns, 1, strlen(csv_columns) - 1, out);
    for (size_t i = 0; i < fields->n; i++) {
        fputc(',', out);
        csv_field_raw(out, fields->names[i]);
    }
    fputc('\n', out);
}

static void csv_field(FILE *out, const char *s, int last)
{
    if (s && strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else if (s) {
        fputs(s, out);
    }
    fputc(last ? '\n' : ',', out);
}

/* One CSV value, quoted when it must be, no separator. */
static void csv_field_raw(FILE *out, const char *s)
{
    if (s && strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else if (s) {
        fputs(s, out);
    }
}

/* The cell of the field named name: its values joined by '\n'. */
static void csv_values(FILE *out, const struct cf_result *r,
                       const char *name)
{
    const struct cf_field *f = NULL;
    size_t n = 1;
    char *cell;

    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].name && strcmp(r->fields[i].name, name) == 0)
            f = &r->fields[i];
    if (f == NULL || f->nvalues == 0)
        return;
    for (size_t i = 0; i < f->nvalues; i++)
        n += strlen(f->values[i] ? f->values[i] : "") + 1;
    cell = cf_calloc(1, n);
    for (size_t i = 0; i < f->nvalues; i++) {
        if (i)
            strcat(cell, "\n");
        strcat(cell, f->values[i] ? f->values[i] : "");
    }
    csv_field_raw(out, cell);
    free(cell);
}

static void csv_num(FILE *out, long long v)
{
    fprintf(out, "%lld,", v);
}

void export_csv_row(FILE *out, const struct cf_result *r,
                    const struct export_fields *fields)
{
    csv_field(out, r->url, 0);
    csv_field(out, r->final_url, 0);
    csv_num(out, r->status);
    csv_field(out, r->content_type, 0);
    csv_num(out, r->bytes);
    csv_field(out, r->title, 0);
    csv_num(out, r->depth);
    csv_num(out, r->nlinks);
    csv_num(out, r->fetch_ms);
    csv_field(out, r->worker, 0);
    csv_field(out, r->error_type, 0);
    csv_field(out, r->error, 0);
    csv_num(out, r->started_ms);
    csv_num(out, r->done_ms);
    fprintf(out, "%u", r->attempts);
    for (size_t i = 0; fields != NULL && i < fields->n; i++) {
        fputc(',', out);
        csv_values(out, r, fields->names[i]);
    }
    fputc('\n', out);
}

/* ---- CDXJ ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_lower(struct cf_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        cf_buf_add(b, &c, 1);
    }
}

int export_surt(struct cf_buf *b, const char *url)
{
    struct cf_url_parts u;
    const char *h, *end, *q, *path_end;
    size_t hl, i;
    int def;

    if (cf_url_split(url, &u) != 0)
        return -1;
    h = u.host;
    hl = u.host_len;
    /* "www." and "www2." go (as pywb's and warcio's SURT do) */
    if (hl > 4 && strncasecmp(h, "www", 3) == 0) {
        i = 3;
        while (i < hl && h[i] >= '0' && h[i] <= '9')
            i++;
        if (i < hl - 1 && h[i] == '.') {
            h += i + 1;
            hl -= i + 1;
        }
    }
    end = h + hl;
    while (end > h) {
        const char *dot = end - 1;

        while (dot > h && dot[-1] != '.')
            dot--;
        add_lower(b, dot, (size_t)(end - dot));
        end = dot > h ? dot - 1 : h;
        if (dot > h)
            cf_buf_add(b, ",", 1);
    }
    def = (u.scheme_len == 4 && u.port == 80) ||
          (u.scheme_len == 5 && u.port == 443);
    if (!def)
        cf_buf_addf(b, ":%d", u.port);
    cf_buf_add(b, ")", 1);
    q = memchr(u.path, '?', u.path_len);
    path_end = q ? q : u.path + u.path_len;
    add_lower(b, u.path, (size_t)(path_end - u.path));
    if (q && q + 1 < u.path + u.path_len) {
        /* the parameters, sorted */
        char *qs = cf_strndup(q + 1, (size_t)(u.path + u.path_len - q - 1));
        char **parts = NULL, *save = NULL, *t;
        size_t n = 0;

        for (t = strtok_r(qs, "&", &save); t; t = strtok_r(NULL, "&", &save)) {
            parts = cf_realloc(parts, (n + 1) * sizeof(*parts));
            for (char *c = t; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            parts[n++] = t;
        }
        qsort(parts, n, sizeof(*parts), cmp_str);
        for (i = 0; i < n; i++)
            cf_buf_addf(b, "%s%s", i ? "&" : "?", parts[i]);
        free(parts);
        free(qs);
    }
    return 0;
}

void export_cdxj_line(struct cf_buf *b, const struct cf_result *r)
{
    char ts[16], num[3][24];
    size_t start = b->len;
    time_t t;
    struct tm tm;
    json_t *o;
    char *js;
    const char *ct = r->content_type;
    char *mime = NULL;

    if (!r->warc_file || !r->url)
        return;
    if (export_surt(b, r->url) != 0)
        cf_buf_addstr(b, r->url);
    t = (time_t)((r->started_ms > 0 ? r->started_ms : r->done_ms) / 1000);
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
    if (ct)
        mime = cf_strndup(ct, strcspn(ct, "; "));
    snprintf(num[0], sizeof(num[0]), "%d", r->status);
    snprintf(num[1], sizeof(num[1]), "%lld", (long long)r->warc_length);
    snprintf(num[2], sizeof(num[2]), "%lld", (long long)r->warc_offset);
    o = json_object();
    json_object_set_new(o, "url", str_or_null(r->url));
    json_object_set_new(o, "mime", mime ? str_or_null(mime) : json_null());
    json_object_set_new(o, "status", json_string(num[0]));
    /* CDX writes the Base32 alone (pywb, warcio.js) */
    json_object_set_new(o, "digest",
                        str_or_null(r->payload_digest &&
                                            !strncmp(r->payload_digest,
                                                     "sha1:", 5)
                                        ? r->payload_digest + 5
                                        : r->payload_digest));
    json_object_set_new(o, "length", json_string(num[1]));
    json_object_set_new(o, "offset", json_string(num[2]));
    json_object_set_new(o, "filename", str_or_null(r->warc_file));
    js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (cf_buf_addf(b, " %s %s\n", ts, js ? js : "{}") != 0) {
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
    }
    free(js);
    json_decref(o);
    free(mime);
}

int export_write(FILE *out, enum export_format fmt,
                 const struct export_fields *fields, const char *p,
                 size_t len, char *errstr)
{
    struct cf_result r;

    if (cf_result_decode(p, len, &r, errstr) != CF_OK)
        return CF_EINVAL;
    if (fmt == EXPORT_CSV) {
        export_csv_row(out, &r, fields);
    } else if (fmt == EXPORT_CDXJ) {
        struct cf_buf b;

        cf_buf_init(&b, 6 * len + 4096);
        export_cdxj_line(&b, &r);
        fwrite(b.data ? b.data : "", 1, b.len, out);
        cf_buf_cleanup(&b);
    } else {
        struct cf_buf b;

        /* a record byte takes at most 6 in JSON (\u00XX); keys and
         * punctuation fit in the rest */
        cf_buf_init(&b, 6 * len + 4096);
        export_result_line(&b, &r);
        fwrite(b.data, 1, b.len, out);
        cf_buf_cleanup(&b);
    }
    cf_result_cleanup(&r);
    return CF_OK;
}

void follower_init(struct follower *f, const char *crawl,
                   enum export_format fmt)
{
    memset(f, 0, sizeof(*f));
    cf_key(f->key, crawl, "results");
    snprintf(f->last_id, sizeof(f->last_id), "0-0");
    f->fmt = fmt;
}

/* Write the entries of one XREAD stream reply. */
static void follower_take(struct follower *f, const redisReply *entries,
                          FILE *out, long *got)
{
    char err[CF_ERRSTR_LEN];

    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i], *fields;

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        snprintf(f->last_id, sizeof(f->last_id), "%s", e->element[0]->str);
        (*got)++;
        fields = e->element[1];
        for (size_t j = 0; j + 1 < fields->elements; j += 2) {
            const redisReply *k = fields->element[j];
            const redisReply *v = fields->element[j + 1];

            if (k->len != 1 || k->str[0] != 'r')
                continue;
            if (export_write(out, f->fmt, &f->fields, v->str, v->len, err) !=
                CF_OK) {
                f->bad++;
                fprintf(stderr, "%s: skipped result %s: %s\n", CLI_PROG,
                        f->last_id, err);
            } else {
                f->written++;
            }
        }
    }
}

int follower_step(struct follower *f, redisContext *rc, FILE *out, int block_ms,
                  long *got, char *errstr)
{
    redisReply *r;

    *got = 0;
    if (block_ms > 0)
        r = redisCommand(rc, "XREAD COUNT %d BLOCK %d STREAMS %s %s",
                         FOLLOW_BATCH, block_ms, f->key, f->last_id);
    else
        r = redisCommand(rc, "XREAD COUNT %d STREAMS %s %s", FOLLOW_BATCH,
                         f->key, f->last_id);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", r ? r->str : rc->errstr);
        if (r)
            freeReplyObject(r);
        return CF_EREDIS;
    }
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *s = r->element[i];

            if (s->type == REDIS_REPLY_ARRAY && s->elements == 2 &&
                s->element[1]->type == REDIS_REPLY_ARRAY)
                follower_take(f, s->element[1], out, got);
        }
    }
    freeReplyObject(r);
    return CF_OK;
}
