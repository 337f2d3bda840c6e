/* test_charset.c - worker/charset.c: the WHATWG label table, held to the
 * standard's own list (tests/unit/data/encodings.json, the Encoding
 * Standard's encodings.json), its decoders and its converter cache. */
#include <iconv.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "parse.h"
#include "test.h"

#define ENCODINGS_JSON "tests/unit/data/encodings.json"

/* HTML's ASCII whitespace, the only bytes a label may be wrapped in. */
static const char ws[] = " \t\n\f\r";

/* Whether label resolves to name as written, in upper case and wrapped
 * in ASCII whitespace; which variant failed into why. */
static int resolves(const char *label, const char *name, const char **why)
{
    char up[64], wrapped[80];
    size_t n = strlen(label);
    const char *got;

    if (n >= sizeof(up)) {
        *why = "too long for the test";
        return 0;
    }
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)(label[i] >= 'a' && label[i] <= 'z' ? label[i] - 32
                                                          : label[i]);
    snprintf(wrapped, sizeof(wrapped), "%s%s%s", ws, up, ws);
    got = charset_name(label, n);
    *why = "as written";
    if (!got || strcmp(got, name) != 0)
        return 0;
    got = charset_name(up, n);
    *why = "upper case";
    if (!got || strcmp(got, name) != 0)
        return 0;
    got = charset_name(wrapped, strlen(wrapped));
    *why = "in whitespace";
    return got && strcmp(got, name) == 0;
}

/* Every label of the standard names its encoding; the table holds no
 * label the standard does not, and is in bsearch order. */
static void test_labels(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(ENCODINGS_JSON, 0, &jerr);
    size_t nlabels = 0, ntable = 0, i, j, k;
    json_t *section, *enc, *label;

    CHECKF(root != NULL, "%s: %s", ENCODINGS_JSON, jerr.text);
    if (!root)
        return;
    json_array_foreach(root, i, section)
    {
        json_array_foreach(json_object_get(section, "encodings"), j, enc)
        {
            const char *name = json_string_value(json_object_get(enc, "name"));

            json_array_foreach(json_object_get(enc, "labels"), k, label)
            {
                const char *l = json_string_value(label), *why = "";

                CHECKF(l && name && resolves(l, name, &why),
                       "label %s: want %s (%s)", l ? l : "?", name ? name : "?",
                       why);
                nlabels++;
            }
        }
    }
    json_decref(root);
    while (charset_label_at(ntable))
        ntable++;
    CHECKF(nlabels == ntable && nlabels >= 228,
           "%zu labels in the standard, %zu in the table", nlabels, ntable);
    for (i = 1; i < ntable; i++)
        if (strcmp(charset_label_at(i - 1), charset_label_at(i)) >= 0)
            break;
    CHECKF(i == ntable, "table out of order at %s",
           i < ntable ? charset_label_at(i) : "");
}

/* What is not a label: the standard trims ASCII whitespace only and
 * compares ASCII case only. */
static void test_not_labels(void)
{
    static const char *const no[] = {
        "",
        " \t",
        "utf-8\v",
        "\xC2\xA0utf-8",
        "utf 8",
        "utf-8;",
        "\"utf-8\"",
        "x-klingon",
        "utf-32",
        "utf-7",
        "iso-8859-11x",
        "cseucpkdfmtjapanesex",
        "windows-1252 x",
        "\xC4\xB1so-8859-1",
    };

    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        CHECKF(charset_name(no[i], strlen(no[i])) == NULL, "'%s' resolved",
               no[i]);
}

/* Every encoding glibc decodes for us has a converter on this system;
 * the rest are the three decoded without iconv. */
static void test_iconv_names(void)
{
    static const char *const names[] = {
        "UTF-8",          "IBM866",       "ISO-8859-2",   "ISO-8859-3",
        "ISO-8859-4",     "ISO-8859-5",   "ISO-8859-6",   "ISO-8859-7",
        "ISO-8859-8",     "ISO-8859-8-I", "ISO-8859-10",  "ISO-8859-13",
        "ISO-8859-14",    "ISO-8859-15",  "ISO-8859-16",  "KOI8-R",
        "KOI8-U",         "macintosh",    "windows-874",  "windows-1250",
        "windows-1251",   "windows-1252", "windows-1253", "windows-1254",
        "windows-1255",   "windows-1256", "windows-1257", "windows-1258",
        "x-mac-cyrillic", "GBK",          "gb18030",      "Big5",
        "EUC-JP",         "ISO-2022-JP",  "Shift_JIS",    "EUC-KR",
        "replacement",    "UTF-16BE",     "UTF-16LE",     "x-user-defined",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *ic = charset_iconv_name(names[i]);
        int by_hand = strcmp(names[i], "UTF-8") == 0 ||
                      strcmp(names[i], "replacement") == 0 ||
                      strcmp(names[i], "x-user-defined") == 0;
        iconv_t cd = ic ? iconv_open("UTF-8", ic) : (iconv_t)-1;

        CHECKF(by_hand ? ic == NULL : cd != (iconv_t)-1, "%s: iconv %s",
               names[i], ic ? ic : "none");
        if (cd != (iconv_t)-1)
            iconv_close(cd);
    }
}

/* parse_decode of body with Content-Type ct: the UTF-8 text (heap) and
 * what r says. */
static char *decode(const char *body, size_t len, const char *ct,
                    struct parse_result *r)
{
    char *out;
    size_t n;

    memset(r, 0, sizeof(*r));
    parse_decode(body, len, ct, r, &out, &n);
    if (!out)
        out = strndup(body, len);
    return out;
}

/* Pages through the decoders, including the two done by hand and the
 * prescan's own rules. */
static const struct {
    const char *body;
    size_t len;
    const char *ct, *want, *label;
    unsigned replaced;
} pages[] = {
    {"a\x80\xff", 3, "text/html; charset=x-user-defined",
     "a\xEF\x9E\x80\xEF\x9F\xBF", "x-user-defined", 0},
    {"<meta charset=x-user-defined>\x80", 31, NULL,
     "<meta charset=x-user-defined>\xE2\x82\xAC", "x-user-defined", 0},
    {"<title>x</title>", 16, "text/html; charset=iso-2022-kr", "\xEF\xBF\xBD",
     "iso-2022-kr", 1},
    {"", 0, "text/html; charset=replacement", "", "replacement", 0},
    {"\x93\xfa\x96\x7b", 4, "text/html; charset=\" Shift_JIS\t\"",
     "\xE6\x97\xA5\xE6\x9C\xAC", "shift_jis", 0},
    /* EUC-KR is windows-949: 0x81 0x41 is only in its extension */
    {"\xB0\xA1\x81\x41", 4, "text/html; charset=ks_c_5601-1987",
     "\xEA\xB0\x80\xEA\xB0\x82", "ks_c_5601-1987", 0},
    {"\x81\x30\x81\x30", 4, "text/html; charset=gbk", "\xC2\x80", "gbk", 0},
    {"\xa4\x40", 2, "text/html; charset=big5-hkscs", "\xE4\xB8\x80",
     "big5-hkscs", 0},
    {"\x80", 1, "text/html; charset=windows-874", "\xE2\x82\xAC", "windows-874",
     0},
    {"\xf9\xe0", 2, "text/html; charset=logical", "\xD7\xA9\xD7\x90", "logical",
     0},
    {"<title>\xa4</title>", 16, "text/html; charset=x-mac-ukrainian",
     "<title>\xC2\xA7</title>", "x-mac-ukrainian", 0},
};

static void test_pages(void)
{
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        struct parse_result r;
        char *got = decode(pages[i].body, pages[i].len, pages[i].ct, &r);

        CHECKF(strcmp(got, pages[i].want) == 0 &&
                   strcmp(r.charset, pages[i].label) == 0 &&
                   r.stats.replaced == pages[i].replaced && !r.charset_unknown,
               "page %zu: '%s' as %s, %u replaced", i, got, r.charset,
               r.stats.replaced);
        free(got);
    }
}

/* A cached converter starts each page afresh: ISO-2022-JP page a ends
 * inside a JIS X 0208 escape, and page b must read the same after it as
 * on a converter of its own; a page decodes the same twice, and the
 * second time opens no converter. */
static void test_cache(void)
{
    static const char a[] = "\x1b$B\x30\x21";
    static const char b[] = "<title>ab</title>";
    static const char sj[] = "<title>\x93\xfa\x96\x7b</title>";
    const char *jis = "text/html; charset=iso-2022-jp";
    const char *sjis = "text/html; charset=sjis";
    struct parse_result r;
    char *fresh, *after, *one, *two;
    unsigned long opens;

    charset_cleanup();
    fresh = decode(b, sizeof(b) - 1, jis, &r);
    free(decode(a, sizeof(a) - 1, jis, &r));
    after = decode(b, sizeof(b) - 1, jis, &r);
    CHECKF(strcmp(fresh, "<title>ab</title>") == 0 && strcmp(after, fresh) == 0,
           "iso-2022-jp after a shifted page: '%s', fresh '%s'", after, fresh);
    free(fresh);
    free(after);

    one = decode(sj, sizeof(sj) - 1, sjis, &r);
    opens = charset_opens();
    two = decode(sj, sizeof(sj) - 1, sjis, &r);
    CHECKF(strcmp(one, two) == 0 &&
               strcmp(one, "<title>\xE6\x97\xA5\xE6\x9C\xAC</title>") == 0 &&
               charset_opens() == opens,
           "shift_jis twice: '%s' then '%s', %lu opens then %lu", one, two,
           opens, charset_opens());
    free(one);
    free(two);

    /* Four other encodings push Shift_JIS out of the cache. */
    static const char *const others[] = {"koi8-r", "euc-jp", "cp1251",
                                         "latin2"};
    for (size_t i = 0; i < 4; i++) {
        char ct[64];

        snprintf(ct, sizeof(ct), "text/html; charset=%s", others[i]);
        free(decode("\xe9", 1, ct, &r));
    }
    opens = charset_opens();
    free(decode(sj, sizeof(sj) - 1, sjis, &r));
    CHECKF(charset_opens() == opens + 1, "%lu opens after eviction, want %lu",
           charset_opens(), opens + 1);
    charset_cleanup();
}

int main(void)
{
    test_labels();
    test_not_labels();
    test_iconv_names();
    test_pages();
    test_cache();
    charset_cleanup();
    return test_summary("test_charset");
}
