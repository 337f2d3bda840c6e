/* charset.c - find a page's character encoding and decode it to UTF-8.
 *
 * Order (WHATWG "encoding sniffing", simplified): a byte order mark, then
 * the Content-Type header's charset parameter, then a prescan of the first
 * 1024 bytes for <meta charset=...> or <meta http-equiv=content-type
 * content="...charset=...">, else UTF-8. The BOM goes first because it is
 * proof in the bytes themselves, while headers are often wrong. Labels map
 * to iconv names the way browsers map them (latin1 and us-ascii are
 * windows-1252, gb2312 is GB18030, shift_jis is windows-31j). An unknown
 * label decodes as UTF-8 and is flagged; undecodable bytes become U+FFFD. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ascii.h"
#include "parse.h"

#define PRESCAN_LEN 1024

struct label {
    const char *label; /* lower case label as declared */
    const char *iconv; /* iconv name, NULL for UTF-8 */
    int ascii;         /* 1: ASCII bytes mean ASCII (skip if all < 0x80) */
};

static const struct label labels[] = {
    {"utf-8", NULL, 1},          {"utf8", NULL, 1},
    {"unicode-1-1-utf-8", NULL, 1},
    {"us-ascii", "WINDOWS-1252", 1}, {"ascii", "WINDOWS-1252", 1},
    {"iso-8859-1", "WINDOWS-1252", 1}, {"iso8859-1", "WINDOWS-1252", 1},
    {"latin1", "WINDOWS-1252", 1}, {"l1", "WINDOWS-1252", 1},
    {"windows-1252", "WINDOWS-1252", 1}, {"cp1252", "WINDOWS-1252", 1},
    {"x-cp1252", "WINDOWS-1252", 1},
    {"iso-8859-15", "ISO-8859-15", 1}, {"latin9", "ISO-8859-15", 1},
    {"iso-8859-2", "ISO-8859-2", 1}, {"windows-1250", "WINDOWS-1250", 1},
    {"windows-1251", "WINDOWS-1251", 1}, {"koi8-r", "KOI8-R", 1},
    {"koi8-u", "KOI8-U", 1}, {"iso-8859-5", "ISO-8859-5", 1},
    {"shift_jis", "WINDOWS-31J", 1}, {"shift-jis", "WINDOWS-31J", 1},
    {"sjis", "WINDOWS-31J", 1}, {"x-sjis", "WINDOWS-31J", 1},
    {"windows-31j", "WINDOWS-31J", 1}, {"ms_kanji", "WINDOWS-31J", 1},
    {"euc-jp", "EUC-JP", 1}, {"x-euc-jp", "EUC-JP", 1},
    {"iso-2022-jp", "ISO-2022-JP", 0},
    {"gb2312", "GB18030", 1}, {"gbk", "GB18030", 1},
    {"gb18030", "GB18030", 1}, {"x-gbk", "GB18030", 1},
    {"big5", "BIG5-HKSCS", 1}, {"euc-kr", "EUC-KR", 1},
    {"utf-16", "UTF-16LE", 0}, {"utf-16le", "UTF-16LE", 0}, {"utf-16be", "UTF-16BE", 0},
};

static const struct label *label_find(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strlen(labels[i].label) == n &&
            strncasecmp(labels[i].label, s, n) == 0)
            return &labels[i];
    return NULL;
}

/* The value of charset= in a Content-Type-like string s[0..n), or NULL;
 * *vlen its length (quotes stripped). */
static const char *charset_param(const char *s, size_t n, size_t *vlen)
{
    size_t i, j;

    for (i = 0; i + 7 <= n; i++) {
        if (strncasecmp(s + i, "charset", 7) != 0)
            continue;
        j = i + 7;
        while (j < n && cf_is_space((unsigned char)s[j]))
            j++;
        if (j >= n || s[j] != '=')
            continue;
        j++;
        while (j < n && cf_is_space((unsigned char)s[j]))
            j++;
        if (j < n && (s[j] == '"' || s[j] == '\'')) {
            char q = s[j++];
            size_t k = j;
            while (k < n && s[k] != q)
                k++;
            *vlen = k - j;
            return s + j;
        }
        i = j;
        while (i < n && !cf_is_space((unsigned char)s[i]) && s[i] != ';' &&
               s[i] != '"' && s[i] != '\'')
            i++;
        *vlen = i - j;
        return s + j;
    }
    return NULL;
}

/* One attribute of a tag at p (before end): name and value spans. Returns
 * the position after it, or NULL at the tag's end. */
static const char *next_attr(const char *p, const char *end, const char **name,
                             size_t *nlen, const char **val, size_t *vlen)
{
    while (p < end && (cf_is_space((unsigned char)*p) || *p == '/'))
        p++;
    if (p >= end || *p == '>')
        return NULL;
    *name = p;
    while (p < end && !cf_is_space((unsigned char)*p) && *p != '=' && *p != '>')
        p++;
    *nlen = (size_t)(p - *name);
    *val = p;
    *vlen = 0;
    while (p < end && cf_is_space((unsigned char)*p))
        p++;
    if (p >= end || *p != '=')
        return p;
    p++;
    while (p < end && cf_is_space((unsigned char)*p))
        p++;
    if (p < end && (*p == '"' || *p == '\'')) {
        char q = *p++;
        *val = p;
        while (p < end && *p != q)
            p++;
        *vlen = (size_t)(p - *val);
        return p < end ? p + 1 : p;
    }
    *val = p;
    while (p < end && !cf_is_space((unsigned char)*p) && *p != '>')
        p++;
    *vlen = (size_t)(p - *val);
    return p;
}

/* Prescan for a <meta> charset declaration in the first PRESCAN_LEN
 * bytes. Returns the label span or NULL. */
static const char *meta_prescan(const char *s, size_t n, size_t *llen)
{
    const char *end = s + (n < PRESCAN_LEN ? n : PRESCAN_LEN);
    const char *p = s;

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        const char *name, *val, *cs = NULL, *content = NULL;
        size_t nlen, vlen, cslen = 0, clen = 0;
        int http_ct = 0;

        if (lt == NULL)
            break;
        p = lt + 1;
        if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
            const char *q = p + 3;
            while (q + 3 <= end && memcmp(q, "-->", 3) != 0)
                q++;
            p = q + 3;
            continue;
        }
        if (end - p < 5 || strncasecmp(p, "meta", 4) != 0 ||
            !(cf_is_space((unsigned char)p[4]) || p[4] == '/'))
            continue;
        p += 4;
        while ((p = next_attr(p, end, &name, &nlen, &val, &vlen)) != NULL) {
            if (nlen == 7 && strncasecmp(name, "charset", 7) == 0) {
                cs = val;
                cslen = vlen;
            } else if (nlen == 10 && strncasecmp(name, "http-equiv", 10) == 0)
                http_ct = vlen == 12 && strncasecmp(val, "content-type",
                                                    12) == 0;
            else if (nlen == 7 && strncasecmp(name, "content", 7) == 0) {
                content = val;
                clen = vlen;
            }
        }
        if (cs != NULL && cslen > 0) {
            *llen = cslen;
            return cs;
        }
        if (http_ct && content != NULL) {
            cs = charset_param(content, clen, &cslen);
            if (cs != NULL && cslen > 0) {
                *llen = cslen;
                return cs;
            }
        }
        p = lt + 1;
    }
    return NULL;
}

static void set_label(struct parse_result *r, const char *s, size_t n)
{
    size_t i;

    if (n >= sizeof(r->charset))
        n = sizeof(r->charset) - 1;
    for (i = 0; i < n; i++)
        r->charset[i] = (char)tolower((unsigned char)s[i]);
    r->charset[n] = '\0';
}

/* Only plain labels reach iconv_open() (no "//" suffixes, no paths). */
static int plain_label(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
            *s != '.' && *s != ':')
            return 0;
    return 1;
}

static int all_ascii(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Convert with cd, replacing bad input bytes by U+FFFD. */
static char *convert(iconv_t cd, const char *in, size_t inlen, size_t *outlen,
                     uint32_t *replaced)
{
    size_t alloc = inlen * 3 + 16, used = 0;
    char *out = cf_malloc(alloc);
    char *ip = (char *)in;
    size_t ileft = inlen;

    while (ileft > 0) {
        char *op = out + used;
        size_t oleft = alloc - used - 1;
        size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);

        used = (size_t)(op - out);
        if (rc != (size_t)-1)
            break;
        if (errno == E2BIG || alloc - used < 8) {
            alloc *= 2;
            out = cf_realloc(out, alloc);
            continue;
        }
        /* EILSEQ or EINVAL (truncated at the end): skip one byte. */
        memcpy(out + used, "\xEF\xBF\xBD", 3);
        used += 3;
        (*replaced)++;
        ip++;
        ileft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    out[used] = '\0';
    *outlen = used;
    return out;
}

void parse_decode(const char *body, size_t len, const char *content_type,
                  struct parse_result *r, char **utf8, size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)body;
    const struct label *lab = NULL;
    const char *decl = NULL;
    size_t dlen = 0, skip = 0;
    iconv_t cd;

    *utf8 = NULL;
    *outlen = len;
    r->charset_unknown = 0;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        decl = "utf-8";
        r->charset_src = PARSE_CS_BOM;
        skip = 3;
    } else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        decl = "utf-16le";
        r->charset_src = PARSE_CS_BOM;
        skip = 2;
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        decl = "utf-16be";
        r->charset_src = PARSE_CS_BOM;
        skip = 2;
    }
    if (decl != NULL) {
        dlen = strlen(decl);
    } else if (content_type != NULL &&
               (decl = charset_param(content_type, strlen(content_type),
                                     &dlen)) != NULL && dlen > 0) {
        r->charset_src = PARSE_CS_HEADER;
    } else if ((decl = meta_prescan(body, len, &dlen)) != NULL) {
        r->charset_src = PARSE_CS_META;
    } else {
        decl = "utf-8";
        dlen = 5;
        r->charset_src = PARSE_CS_DEFAULT;
    }
    set_label(r, decl, dlen);
    lab = label_find(decl, dlen);
    /* A <meta> can't truthfully declare UTF-16: the bytes read as ASCII. */
    if (lab != NULL && r->charset_src == PARSE_CS_META && !lab->ascii)
        lab = label_find("utf-8", 5);
    if (lab == NULL) {
        /* Not in the table: iconv may still know it (e.g. "cp866"). */
        cd = plain_label(r->charset) && r->charset[0] != '\0'
                 ? iconv_open("UTF-8", r->charset)
                 : (iconv_t)-1;
        if (cd == (iconv_t)-1) {
            r->charset_unknown = 1;
            goto as_is;
        }
    } else if (lab->iconv == NULL ||
               (lab->ascii && all_ascii(body + skip, len - skip))) {
        goto as_is;
    } else {
        cd = iconv_open("UTF-8", lab->iconv);
        if (cd == (iconv_t)-1) {
            r->charset_unknown = 1;
            goto as_is;
        }
    }
    *utf8 = convert(cd, body + skip, len - skip, outlen, &r->stats.replaced);
    iconv_close(cd);
    return;
as_is:
    if (skip > 0) {
        /* UTF-8 BOM: drop it. */
        *utf8 = cf_memdup(body + skip, len - skip);
        *outlen = len - skip;
    }
}
