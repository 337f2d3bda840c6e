/* test_fp.c - common/fp.c */
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "fp.h"
#include "test.h"

static const struct {
    const char *text;
    int ok;
    uint64_t want;
} parse_cases[] = {
    {"0", 1, 0},
    {"1", 1, 1},
    {"9223372036854775807", 1, UINT64_C(9223372036854775807)},
    {"9223372036854775808", 0, 0}, /* 2^63: out of range */
    {"18446744073709551615", 0, 0},
    {"", 0, 0},
    {"-1", 0, 0},
    {"01", 0, 0},
    {"12a", 0, 0},
    {" 1", 0, 0},
};

int main(void)
{
    char buf[CF_FP_STRLEN + 1];
    uint64_t v, a, b;

    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        int rc = cf_fp_parse(parse_cases[i].text, strlen(parse_cases[i].text),
                             &v);

        CHECKF((rc == CF_OK) == parse_cases[i].ok, "parse %s",
               parse_cases[i].text);
        if (rc == CF_OK)
            CHECK_INT(v, parse_cases[i].want);
    }
    /* The fingerprint is fixed: these values are part of the on-Redis
     * format and must never change. */
    a = cf_fp("http://example.org/", 19);
    b = cf_fp("http://example.org/a", 20);
    CHECK(a != b);
    CHECK((a >> 63) == 0 && (b >> 63) == 0);
    CHECK_INT(cf_fp("", 0), UINT64_C(0x2d06800538d394c2) & INT64_MAX);
    /* format/parse round trip */
    for (uint64_t x = 1; x < (UINT64_C(1) << 62); x = x * 3 + 1) {
        size_t n = cf_fp_format(x, buf);

        CHECK_INT(n, strlen(buf));
        CHECK(cf_fp_parse(buf, n, &v) == CF_OK && v == x);
    }
    CHECK_INT(cf_fp_format(0, buf), 1);
    CHECK_STR(buf, "0");
    return test_summary("test_fp");
}
