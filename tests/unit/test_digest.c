/* test_digest.c - Base32 (RFC 4648 vectors) and SHA-1 text (known
 * digests, the same bytes fed whole and in pieces). */
#include <stdlib.h>

#include "digest.h"
#include "test.h"

static void test_base32(void)
{
    static const struct {
        const char *in, *want;
    } t[] = {
        {"", ""},
        {"f", "MY======"},
        {"fo", "MZXQ===="},
        {"foo", "MZXW6==="},
        {"foob", "MZXW6YQ="},
        {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======"},
    };
    char out[64];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t n = cf_base32((const uint8_t *)t[i].in, strlen(t[i].in), out);
        CHECK_STR(out, t[i].want);
        CHECK_INT(n, strlen(t[i].want));
    }
}

static void test_sha1(void)
{
    static const struct {
        const char *in;
        size_t rep; /* the input repeated this many times */
        const char *want;
    } t[] = {
        {"", 1, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"},
        {"abc", 1, "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"},
        {"a", 1000, "sha1:FEPJU3DGTFEUTNL3UXTFANQ6TD6DNMN2"},
    };
    struct cf_sha1 h = {0};
    char out[CF_SHA1_TEXT_LEN];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cf_sha1_init(&h);
        for (size_t k = 0; k < t[i].rep; k++)
            cf_sha1_update(&h, t[i].in, strlen(t[i].in));
        cf_sha1_final_text(&h, out);
        CHECK_STR(out, t[i].want);
        CHECK_INT(strlen(out), CF_SHA1_TEXT_LEN - 1);
    }
    cf_sha1_cleanup(&h);
    cf_sha1_cleanup(&h); /* twice, and a zeroed one, are fine */
}

int main(void)
{
    test_base32();
    test_sha1();
    return test_summary("test_digest");
}
