/* charset.c - find a page's character encoding and decode it to UTF-8.
 *
 * Order (WHATWG "encoding sniffing", simplified): a byte order mark, then
 * the Content-Type header's charset parameter, then a prescan of the first
 * 1024 bytes for <meta charset=...> or <meta http-equiv=content-type
 * content="...charset=...">, else UTF-8. The BOM goes first because it is
 * proof in the bytes themselves, while headers are often wrong.
 *
 * Labels: every label of the WHATWG Encoding Standard (encodings.json,
 * kept as tests/unit/data/encodings.json, which test_charset holds this
 * table to), matched as the standard says: ASCII whitespace around it
 * removed, ASCII case ignored. A label outside the standard is not
 * guessed at (no iconv_open of whatever a page declares): the page
 * decodes as UTF-8 and is flagged charset_unknown.
 *
 * Decoders: glibc's iconv under the names in encodings[] below, with the
 * standard's choices of decoder: GBK decodes as gb18030, Big5 as
 * BIG5-HKSCS, Shift_JIS as WINDOWS-31J, EUC-KR as UHC (windows-949),
 * ISO-8859-8-I as ISO-8859-8 (the same bytes; the -I only says logical
 * order). What glibc lacks is done here by hand: x-user-defined (bytes
 * 0x80-0xFF to U+F780-U+F7FF) and replacement (the standard's guard
 * against ISO-2022-KR/CN and HZ, which browsers refuse to decode: the
 * whole page is one U+FFFD). Where glibc's tables differ from the
 * standard's indexes the page still decodes, a few code points apart:
 * windows-1252 and its kin replace the unassigned bytes (0x81, 0x8D,
 * 0x8F, 0x90, 0x9D) with U+FFFD where browsers keep them as C1 controls;
 * glibc's MACINTOSH has the currency sign at 0xDB, the standard the euro.
 * Should an iconv_open fail on a system without these gconv modules, the
 * page decodes as UTF-8 with charset_unknown set, as for an unknown label.
 *
 * Converters: iconv_open loads and sets up tables (thousands of
 * instructions, more for the CJK encodings), so the last CONV_CACHE
 * converters stay open, per thread, and are reset to their initial shift
 * state with iconv(cd, NULL, ...) before each page: a page that ends
 * inside an ISO-2022-JP escape cannot change how the next one reads. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ascii.h"
#include "charset.h"
#include "parse.h"

#define PRESCAN_LEN 1024
#define LABEL_MAX 19 /* the standard's longest label, "cseucpkdfmtjapanese" */
#define CONV_CACHE 4 /* open converters kept per thread */

enum enc {
    ENC_UTF_8, ENC_IBM866, ENC_ISO_8859_2, ENC_ISO_8859_3, ENC_ISO_8859_4,
    ENC_ISO_8859_5, ENC_ISO_8859_6, ENC_ISO_8859_7, ENC_ISO_8859_8,
    ENC_ISO_8859_8_I, ENC_ISO_8859_10, ENC_ISO_8859_13, ENC_ISO_8859_14,
    ENC_ISO_8859_15, ENC_ISO_8859_16, ENC_KOI8_R, ENC_KOI8_U, ENC_MACINTOSH,
    ENC_WINDOWS_874, ENC_WINDOWS_1250, ENC_WINDOWS_1251, ENC_WINDOWS_1252,
    ENC_WINDOWS_1253, ENC_WINDOWS_1254, ENC_WINDOWS_1255, ENC_WINDOWS_1256,
    ENC_WINDOWS_1257, ENC_WINDOWS_1258, ENC_X_MAC_CYRILLIC, ENC_GBK,
    ENC_GB18030, ENC_BIG5, ENC_EUC_JP, ENC_ISO_2022_JP, ENC_SHIFT_JIS,
    ENC_EUC_KR, ENC_REPLACEMENT, ENC_UTF_16BE, ENC_UTF_16LE,
    ENC_X_USER_DEFINED, ENC__COUNT
};

/* How a page in an encoding becomes UTF-8. */
enum how {
    HOW_AS_IS,   /* UTF-8 already */
    HOW_ICONV,   /* glibc iconv from the encoding's iconv name */
    HOW_USER,    /* x-user-defined, by hand */
    HOW_REPLACE, /* replacement: one U+FFFD for a non-empty page */
};

struct encoding {
    const char *name;  /* as the standard spells it */
    enum how how;
    const char *iconv; /* glibc's name, for HOW_ICONV */
    int ascii;         /* 1: bytes below 0x80 are ASCII (skip an all-ASCII
                          page); 0: they may not be (escapes, UTF-16) */
};

static const struct encoding encodings[ENC__COUNT] = {
    [ENC_UTF_8] = {"UTF-8", HOW_AS_IS, NULL, 1},
    [ENC_IBM866] = {"IBM866", HOW_ICONV, "IBM866", 1},
    [ENC_ISO_8859_2] = {"ISO-8859-2", HOW_ICONV, "ISO-8859-2", 1},
    [ENC_ISO_8859_3] = {"ISO-8859-3", HOW_ICONV, "ISO-8859-3", 1},
    [ENC_ISO_8859_4] = {"ISO-8859-4", HOW_ICONV, "ISO-8859-4", 1},
    [ENC_ISO_8859_5] = {"ISO-8859-5", HOW_ICONV, "ISO-8859-5", 1},
    [ENC_ISO_8859_6] = {"ISO-8859-6", HOW_ICONV, "ISO-8859-6", 1},
    [ENC_ISO_8859_7] = {"ISO-8859-7", HOW_ICONV, "ISO-8859-7", 1},
    [ENC_ISO_8859_8] = {"ISO-8859-8", HOW_ICONV, "ISO-8859-8", 1},
    [ENC_ISO_8859_8_I] = {"ISO-8859-8-I", HOW_ICONV, "ISO-8859-8", 1},
    [ENC_ISO_8859_10] = {"ISO-8859-10", HOW_ICONV, "ISO-8859-10", 1},
    [ENC_ISO_8859_13] = {"ISO-8859-13", HOW_ICONV, "ISO-8859-13", 1},
    [ENC_ISO_8859_14] = {"ISO-8859-14", HOW_ICONV, "ISO-8859-14", 1},
    [ENC_ISO_8859_15] = {"ISO-8859-15", HOW_ICONV, "ISO-8859-15", 1},
    [ENC_ISO_8859_16] = {"ISO-8859-16", HOW_ICONV, "ISO-8859-16", 1},
    [ENC_KOI8_R] = {"KOI8-R", HOW_ICONV, "KOI8-R", 1},
    [ENC_KOI8_U] = {"KOI8-U", HOW_ICONV, "KOI8-U", 1},
    [ENC_MACINTOSH] = {"macintosh", HOW_ICONV, "MACINTOSH", 1},
    [ENC_WINDOWS_874] = {"windows-874", HOW_ICONV, "CP874", 1},
    [ENC_WINDOWS_1250] = {"windows-1250", HOW_ICONV, "CP1250", 1},
    [ENC_WINDOWS_1251] = {"windows-1251", HOW_ICONV, "CP1251", 1},
    [ENC_WINDOWS_1252] = {"windows-1252", HOW_ICONV, "CP1252", 1},
    [ENC_WINDOWS_1253] = {"windows-1253", HOW_ICONV, "CP1253", 1},
    [ENC_WINDOWS_1254] = {"windows-1254", HOW_ICONV, "CP1254", 1},
    [ENC_WINDOWS_1255] = {"windows-1255", HOW_ICONV, "CP1255", 1},
    [ENC_WINDOWS_1256] = {"windows-1256", HOW_ICONV, "CP1256", 1},
    [ENC_WINDOWS_1257] = {"windows-1257", HOW_ICONV, "CP1257", 1},
    [ENC_WINDOWS_1258] = {"windows-1258", HOW_ICONV, "CP1258", 1},
    [ENC_X_MAC_CYRILLIC] = {"x-mac-cyrillic", HOW_ICONV, "MAC-CYRILLIC", 1},
    [ENC_GBK] = {"GBK", HOW_ICONV, "GB18030", 1},
    [ENC_GB18030] = {"gb18030", HOW_ICONV, "GB18030", 1},
    [ENC_BIG5] = {"Big5", HOW_ICONV, "BIG5-HKSCS", 1},
    [ENC_EUC_JP] = {"EUC-JP", HOW_ICONV, "EUC-JP", 1},
    [ENC_ISO_2022_JP] = {"ISO-2022-JP", HOW_ICONV, "ISO-2022-JP", 0},
    [ENC_SHIFT_JIS] = {"Shift_JIS", HOW_ICONV, "WINDOWS-31J", 1},
    [ENC_EUC_KR] = {"EUC-KR", HOW_ICONV, "UHC", 1},
    [ENC_REPLACEMENT] = {"replacement", HOW_REPLACE, NULL, 0},
    [ENC_UTF_16BE] = {"UTF-16BE", HOW_ICONV, "UTF-16BE", 0},
    [ENC_UTF_16LE] = {"UTF-16LE", HOW_ICONV, "UTF-16LE", 0},
    [ENC_X_USER_DEFINED] = {"x-user-defined", HOW_USER, NULL, 1},
};

struct label {
    const char *label; /* lower case, as in the standard */
    enum enc enc;
};

/* Sorted by strcmp for bsearch (test_charset checks the order). */
static const struct label labels[] = {
    {"866", ENC_IBM866}, {"ansi_x3.4-1968", ENC_WINDOWS_1252},
    {"arabic", ENC_ISO_8859_6}, {"ascii", ENC_WINDOWS_1252},
    {"asmo-708", ENC_ISO_8859_6}, {"big5", ENC_BIG5}, {"big5-hkscs", ENC_BIG5},
    {"chinese", ENC_GBK}, {"cn-big5", ENC_BIG5}, {"cp1250", ENC_WINDOWS_1250},
    {"cp1251", ENC_WINDOWS_1251}, {"cp1252", ENC_WINDOWS_1252},
    {"cp1253", ENC_WINDOWS_1253}, {"cp1254", ENC_WINDOWS_1254},
    {"cp1255", ENC_WINDOWS_1255}, {"cp1256", ENC_WINDOWS_1256},
    {"cp1257", ENC_WINDOWS_1257}, {"cp1258", ENC_WINDOWS_1258},
    {"cp819", ENC_WINDOWS_1252}, {"cp866", ENC_IBM866}, {"csbig5", ENC_BIG5},
    {"cseuckr", ENC_EUC_KR}, {"cseucpkdfmtjapanese", ENC_EUC_JP},
    {"csgb2312", ENC_GBK}, {"csibm866", ENC_IBM866},
    {"csiso2022jp", ENC_ISO_2022_JP}, {"csiso2022kr", ENC_REPLACEMENT},
    {"csiso58gb231280", ENC_GBK}, {"csiso88596e", ENC_ISO_8859_6},
    {"csiso88596i", ENC_ISO_8859_6}, {"csiso88598e", ENC_ISO_8859_8},
    {"csiso88598i", ENC_ISO_8859_8_I}, {"csisolatin1", ENC_WINDOWS_1252},
    {"csisolatin2", ENC_ISO_8859_2}, {"csisolatin3", ENC_ISO_8859_3},
    {"csisolatin4", ENC_ISO_8859_4}, {"csisolatin5", ENC_WINDOWS_1254},
    {"csisolatin6", ENC_ISO_8859_10}, {"csisolatin9", ENC_ISO_8859_15},
    {"csisolatinarabic", ENC_ISO_8859_6},
    {"csisolatincyrillic", ENC_ISO_8859_5},
    {"csisolatingreek", ENC_ISO_8859_7}, {"csisolatinhebrew", ENC_ISO_8859_8},
    {"cskoi8r", ENC_KOI8_R}, {"csksc56011987", ENC_EUC_KR},
    {"csmacintosh", ENC_MACINTOSH}, {"csshiftjis", ENC_SHIFT_JIS},
    {"csunicode", ENC_UTF_16LE}, {"cyrillic", ENC_ISO_8859_5},
    {"dos-874", ENC_WINDOWS_874}, {"ecma-114", ENC_ISO_8859_6},
    {"ecma-118", ENC_ISO_8859_7}, {"elot_928", ENC_ISO_8859_7},
    {"euc-jp", ENC_EUC_JP}, {"euc-kr", ENC_EUC_KR}, {"gb18030", ENC_GB18030},
    {"gb2312", ENC_GBK}, {"gb_2312", ENC_GBK}, {"gb_2312-80", ENC_GBK},
    {"gbk", ENC_GBK}, {"greek", ENC_ISO_8859_7}, {"greek8", ENC_ISO_8859_7},
    {"hebrew", ENC_ISO_8859_8}, {"hz-gb-2312", ENC_REPLACEMENT},
    {"ibm819", ENC_WINDOWS_1252}, {"ibm866", ENC_IBM866},
    {"iso-10646-ucs-2", ENC_UTF_16LE}, {"iso-2022-cn", ENC_REPLACEMENT},
    {"iso-2022-cn-ext", ENC_REPLACEMENT}, {"iso-2022-jp", ENC_ISO_2022_JP},
    {"iso-2022-kr", ENC_REPLACEMENT}, {"iso-8859-1", ENC_WINDOWS_1252},
    {"iso-8859-10", ENC_ISO_8859_10}, {"iso-8859-11", ENC_WINDOWS_874},
    {"iso-8859-13", ENC_ISO_8859_13}, {"iso-8859-14", ENC_ISO_8859_14},
    {"iso-8859-15", ENC_ISO_8859_15}, {"iso-8859-16", ENC_ISO_8859_16},
    {"iso-8859-2", ENC_ISO_8859_2}, {"iso-8859-3", ENC_ISO_8859_3},
    {"iso-8859-4", ENC_ISO_8859_4}, {"iso-8859-5", ENC_ISO_8859_5},
    {"iso-8859-6", ENC_ISO_8859_6}, {"iso-8859-6-e", ENC_ISO_8859_6},
    {"iso-8859-6-i", ENC_ISO_8859_6}, {"iso-8859-7", ENC_ISO_8859_7},
    {"iso-8859-8", ENC_ISO_8859_8}, {"iso-8859-8-e", ENC_ISO_8859_8},
    {"iso-8859-8-i", ENC_ISO_8859_8_I}, {"iso-8859-9", ENC_WINDOWS_1254},
    {"iso-ir-100", ENC_WINDOWS_1252}, {"iso-ir-101", ENC_ISO_8859_2},
    {"iso-ir-109", ENC_ISO_8859_3}, {"iso-ir-110", ENC_ISO_8859_4},
    {"iso-ir-126", ENC_ISO_8859_7}, {"iso-ir-127", ENC_ISO_8859_6},
    {"iso-ir-138", ENC_ISO_8859_8}, {"iso-ir-144", ENC_ISO_8859_5},
    {"iso-ir-148", ENC_WINDOWS_1254}, {"iso-ir-149", ENC_EUC_KR},
    {"iso-ir-157", ENC_ISO_8859_10}, {"iso-ir-58", ENC_GBK},
    {"iso8859-1", ENC_WINDOWS_1252}, {"iso8859-10", ENC_ISO_8859_10},
    {"iso8859-11", ENC_WINDOWS_874}, {"iso8859-13", ENC_ISO_8859_13},
    {"iso8859-14", ENC_ISO_8859_14}, {"iso8859-15", ENC_ISO_8859_15},
    {"iso8859-2", ENC_ISO_8859_2}, {"iso8859-3", ENC_ISO_8859_3},
    {"iso8859-4", ENC_ISO_8859_4}, {"iso8859-5", ENC_ISO_8859_5},
    {"iso8859-6", ENC_ISO_8859_6}, {"iso8859-7", ENC_ISO_8859_7},
    {"iso8859-8", ENC_ISO_8859_8}, {"iso8859-9", ENC_WINDOWS_1254},
    {"iso88591", ENC_WINDOWS_1252}, {"iso885910", ENC_ISO_8859_10},
    {"iso885911", ENC_WINDOWS_874}, {"iso885913", ENC_ISO_8859_13},
    {"iso885914", ENC_ISO_8859_14}, {"iso885915", ENC_ISO_8859_15},
    {"iso88592", ENC_ISO_8859_2}, {"iso88593", ENC_ISO_8859_3},
    {"iso88594", ENC_ISO_8859_4}, {"iso88595", ENC_ISO_8859_5},
    {"iso88596", ENC_ISO_8859_6}, {"iso88597", ENC_ISO_8859_7},
    {"iso88598", ENC_ISO_8859_8}, {"iso88599", ENC_WINDOWS_1254},
    {"iso_8859-1", ENC_WINDOWS_1252}, {"iso_8859-15", ENC_ISO_8859_15},
    {"iso_8859-1:1987", ENC_WINDOWS_1252}, {"iso_8859-2", ENC_ISO_8859_2},
    {"iso_8859-2:1987", ENC_ISO_8859_2}, {"iso_8859-3", ENC_ISO_8859_3},
    {"iso_8859-3:1988", ENC_ISO_8859_3}, {"iso_8859-4", ENC_ISO_8859_4},
    {"iso_8859-4:1988", ENC_ISO_8859_4}, {"iso_8859-5", ENC_ISO_8859_5},
    {"iso_8859-5:1988", ENC_ISO_8859_5}, {"iso_8859-6", ENC_ISO_8859_6},
    {"iso_8859-6:1987", ENC_ISO_8859_6}, {"iso_8859-7", ENC_ISO_8859_7},
    {"iso_8859-7:1987", ENC_ISO_8859_7}, {"iso_8859-8", ENC_ISO_8859_8},
    {"iso_8859-8:1988", ENC_ISO_8859_8}, {"iso_8859-9", ENC_WINDOWS_1254},
    {"iso_8859-9:1989", ENC_WINDOWS_1254}, {"koi", ENC_KOI8_R},
    {"koi8", ENC_KOI8_R}, {"koi8-r", ENC_KOI8_R}, {"koi8-ru", ENC_KOI8_U},
    {"koi8-u", ENC_KOI8_U}, {"koi8_r", ENC_KOI8_R}, {"korean", ENC_EUC_KR},
    {"ks_c_5601-1987", ENC_EUC_KR}, {"ks_c_5601-1989", ENC_EUC_KR},
    {"ksc5601", ENC_EUC_KR}, {"ksc_5601", ENC_EUC_KR},
    {"l1", ENC_WINDOWS_1252}, {"l2", ENC_ISO_8859_2}, {"l3", ENC_ISO_8859_3},
    {"l4", ENC_ISO_8859_4}, {"l5", ENC_WINDOWS_1254}, {"l6", ENC_ISO_8859_10},
    {"l9", ENC_ISO_8859_15}, {"latin1", ENC_WINDOWS_1252},
    {"latin2", ENC_ISO_8859_2}, {"latin3", ENC_ISO_8859_3},
    {"latin4", ENC_ISO_8859_4}, {"latin5", ENC_WINDOWS_1254},
    {"latin6", ENC_ISO_8859_10}, {"logical", ENC_ISO_8859_8_I},
    {"mac", ENC_MACINTOSH}, {"macintosh", ENC_MACINTOSH},
    {"ms932", ENC_SHIFT_JIS}, {"ms_kanji", ENC_SHIFT_JIS},
    {"replacement", ENC_REPLACEMENT}, {"shift-jis", ENC_SHIFT_JIS},
    {"shift_jis", ENC_SHIFT_JIS}, {"sjis", ENC_SHIFT_JIS},
    {"sun_eu_greek", ENC_ISO_8859_7}, {"tis-620", ENC_WINDOWS_874},
    {"ucs-2", ENC_UTF_16LE}, {"unicode", ENC_UTF_16LE},
    {"unicode-1-1-utf-8", ENC_UTF_8}, {"unicode11utf8", ENC_UTF_8},
    {"unicode20utf8", ENC_UTF_8}, {"unicodefeff", ENC_UTF_16LE},
    {"unicodefffe", ENC_UTF_16BE}, {"us-ascii", ENC_WINDOWS_1252},
    {"utf-16", ENC_UTF_16LE}, {"utf-16be", ENC_UTF_16BE},
    {"utf-16le", ENC_UTF_16LE}, {"utf-8", ENC_UTF_8}, {"utf8", ENC_UTF_8},
    {"visual", ENC_ISO_8859_8}, {"windows-1250", ENC_WINDOWS_1250},
    {"windows-1251", ENC_WINDOWS_1251}, {"windows-1252", ENC_WINDOWS_1252},
    {"windows-1253", ENC_WINDOWS_1253}, {"windows-1254", ENC_WINDOWS_1254},
    {"windows-1255", ENC_WINDOWS_1255}, {"windows-1256", ENC_WINDOWS_1256},
    {"windows-1257", ENC_WINDOWS_1257}, {"windows-1258", ENC_WINDOWS_1258},
    {"windows-31j", ENC_SHIFT_JIS}, {"windows-874", ENC_WINDOWS_874},
    {"windows-949", ENC_EUC_KR}, {"x-cp1250", ENC_WINDOWS_1250},
    {"x-cp1251", ENC_WINDOWS_1251}, {"x-cp1252", ENC_WINDOWS_1252},
    {"x-cp1253", ENC_WINDOWS_1253}, {"x-cp1254", ENC_WINDOWS_1254},
    {"x-cp1255", ENC_WINDOWS_1255}, {"x-cp1256", ENC_WINDOWS_1256},
    {"x-cp1257", ENC_WINDOWS_1257}, {"x-cp1258", ENC_WINDOWS_1258},
    {"x-euc-jp", ENC_EUC_JP}, {"x-gbk", ENC_GBK},
    {"x-mac-cyrillic", ENC_X_MAC_CYRILLIC}, {"x-mac-roman", ENC_MACINTOSH},
    {"x-mac-ukrainian", ENC_X_MAC_CYRILLIC}, {"x-sjis", ENC_SHIFT_JIS},
    {"x-unicode20utf8", ENC_UTF_8}, {"x-user-defined", ENC_X_USER_DEFINED},
    {"x-x-big5", ENC_BIG5},
};

static int label_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct label *)elem)->label);
}

/* The encoding of label s[0..n) (ASCII whitespace around it and ASCII
 * case ignored), or -1. */
static int label_enc(const char *s, size_t n)
{
    char key[LABEL_MAX + 1];
    const struct label *hit;

    while (n > 0 && cf_is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && cf_is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > LABEL_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)cf_to_lower((unsigned char)s[i]);
    key[n] = '\0';
    hit = bsearch(key, labels, sizeof(labels) / sizeof(labels[0]),
                  sizeof(labels[0]), label_cmp);
    return hit ? (int)hit->enc : -1;
}

const char *charset_name(const char *label, size_t len)
{
    int e = label_enc(label, len);

    return e < 0 ? NULL : encodings[e].name;
}

const char *charset_label_at(size_t i)
{
    return i < sizeof(labels) / sizeof(labels[0]) ? labels[i].label : NULL;
}

const char *charset_iconv_name(const char *name)
{
    for (int e = 0; e < ENC__COUNT; e++)
        if (strcmp(encodings[e].name, name) == 0)
            return encodings[e].iconv;
    return NULL;
}

/* The converter cache: the CONV_CACHE converters used last, per thread
 * (the worker parses on one; a caller on several gets a cache each). */
struct conv {
    int enc;       /* -1: empty slot */
    iconv_t cd;
    uint64_t used; /* tick of the last use, for the least recent */
};

static _Thread_local struct conv cache[CONV_CACHE] = {
    {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}};
static _Thread_local uint64_t tick;
static _Thread_local unsigned long opens;

/* A converter from encoding e to UTF-8 in its initial state, or
 * (iconv_t)-1 when glibc has none. */
static iconv_t conv_get(int e)
{
    struct conv *slot = &cache[0];
    iconv_t cd;

    tick++;
    for (int i = 0; i < CONV_CACHE; i++) {
        if (cache[i].enc == e) {
            cache[i].used = tick;
            iconv(cache[i].cd, NULL, NULL, NULL, NULL);
            return cache[i].cd;
        }
        if (cache[i].used < slot->used)
            slot = &cache[i];
    }
    opens++;
    cd = iconv_open("UTF-8", encodings[e].iconv);
    if (cd == (iconv_t)-1)
        return cd;
    if (slot->enc >= 0)
        iconv_close(slot->cd);
    slot->enc = e;
    slot->cd = cd;
    slot->used = tick;
    return cd;
}

unsigned long charset_opens(void)
{
    return opens;
}

void charset_cleanup(void)
{
    for (int i = 0; i < CONV_CACHE; i++) {
        if (cache[i].enc >= 0)
            iconv_close(cache[i].cd);
        cache[i].enc = -1;
        cache[i].used = 0;
    }
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

/* The declared label into r->charset: trimmed of ASCII whitespace, lower
 * case, cut to fit. */
static void set_label(struct parse_result *r, const char *s, size_t n)
{
    size_t i;

    while (n > 0 && cf_is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && cf_is_space((unsigned char)s[n - 1]))
        n--;
    if (n >= sizeof(r->charset))
        n = sizeof(r->charset) - 1;
    for (i = 0; i < n; i++)
        r->charset[i] = (char)cf_to_lower((unsigned char)s[i]);
    r->charset[n] = '\0';
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

/* x-user-defined: bytes below 0x80 as they are, the others to U+F780 +
 * (byte - 0x80), three UTF-8 bytes each. */
static char *user_defined(const char *in, size_t len, size_t *outlen)
{
    char *out = cf_malloc(len * 3 + 1), *q = out;

    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)in[i];

        if (c < 0x80) {
            *q++ = (char)c;
            continue;
        }
        c += 0xF700;
        *q++ = (char)(0xE0 | (c >> 12));
        *q++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *q++ = (char)(0x80 | (c & 0x3F));
    }
    *q = '\0';
    *outlen = (size_t)(q - out);
    return out;
}

void parse_decode(const char *body, size_t len, const char *content_type,
                  struct parse_result *r, char **utf8, size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)body;
    const struct encoding *enc;
    const char *decl = NULL;
    size_t dlen = 0, skip = 0;
    int e;
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
    e = label_enc(decl, dlen);
    if (e < 0) {
        r->charset_unknown = 1;
        goto as_is;
    }
    /* The prescan's rules: a <meta> can't truthfully declare UTF-16 (its
     * bytes read as ASCII), and x-user-defined there is windows-1252. */
    if (r->charset_src == PARSE_CS_META &&
        (e == ENC_UTF_16BE || e == ENC_UTF_16LE))
        e = ENC_UTF_8;
    else if (r->charset_src == PARSE_CS_META && e == ENC_X_USER_DEFINED)
        e = ENC_WINDOWS_1252;
    enc = &encodings[e];
    if (enc->how == HOW_AS_IS ||
        (enc->ascii && all_ascii(body + skip, len - skip)))
        goto as_is;
    switch (enc->how) {
    case HOW_USER:
        *utf8 = user_defined(body + skip, len - skip, outlen);
        return;
    case HOW_REPLACE:
        *utf8 = cf_memdup("\xEF\xBF\xBD", len > skip ? 3 : 0);
        *outlen = len > skip ? 3 : 0;
        r->stats.replaced += len > skip;
        return;
    default:
        break;
    }
    cd = conv_get(e);
    if (cd == (iconv_t)-1) {
        r->charset_unknown = 1;
        goto as_is;
    }
    *utf8 = convert(cd, body + skip, len - skip, outlen, &r->stats.replaced);
    return;
as_is:
    if (skip > 0) {
        /* UTF-8 BOM: drop it. */
        *utf8 = cf_memdup(body + skip, len - skip);
        *outlen = len - skip;
    }
}
