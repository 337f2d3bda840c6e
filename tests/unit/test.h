/* test.h - a tiny table-friendly test harness.
 *
 * Each test binary includes this once, calls the CHECK macros, and ends
 * main() with `return test_summary("name");`, which prints
 * "name: N passed, N failed" and returns the exit status. */
#ifndef CF_TEST_H
#define CF_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define TEST_REPORT(ok, ...) \
    do { \
        if (ok) { \
            test_passed++; \
        } else { \
            test_failed++; \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
        } \
    } while (0)

#define CHECK(cond) TEST_REPORT((cond), "%s", #cond)
#define CHECKF(cond, ...) TEST_REPORT((cond), __VA_ARGS__)

#define CHECK_INT(got, want) \
    do { \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        TEST_REPORT(g_ == w_, "%s = %lld, want %lld", #got, g_, w_); \
    } while (0)

#define CHECK_STR(got, want) \
    do { \
        const char *g_ = (got), *w_ = (want); \
        TEST_REPORT((g_ == NULL && w_ == NULL) || \
                        (g_ && w_ && strcmp(g_, w_) == 0), \
                    "%s = \"%s\", want \"%s\"", #got, g_ ? g_ : "(null)", \
                    w_ ? w_ : "(null)"); \
    } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
