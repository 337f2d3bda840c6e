/* test_frontier_err.c - cf_frontier_no_functions (common/frontier.c):
 * which Redis errors mean the server has no functions. */
#include "frontier.h"
#include "test.h"

static const struct {
    const char *err;
    int none;
} errs[] = {
    /* Redis 7.0 with FCALL renamed away, and 6.2's backquotes */
    {"ERR unknown command 'FCALL', with args beginning with: 'cf_1' '1' ", 1},
    {"ERR unknown command `FCALL`, with args beginning with: `cf_1` ", 1},
    {"ERR unknown command 'FUNCTION', with args beginning with: 'LOAD' ", 1},
    {"ERR unknown command `function`, with args beginning with: ", 1},
    {"ERR unknown command 'fcall', with args beginning with: ", 1},
    /* other commands, other errors, near misses */
    {"ERR unknown command 'FCALL_RO', with args beginning with: ", 0},
    {"ERR unknown command 'FCAL', with args beginning with: ", 0},
    {"ERR unknown command 'FCALL`, with args beginning with: ", 0},
    {"ERR unknown command 'EVALSHA', with args beginning with: ", 0},
    {"ERR Function not found", 0},
    {"NOSCRIPT No matching script", 0},
    {"ERR unknown command ", 0},
    {"", 0},
    {NULL, 0},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        CHECKF(cf_frontier_no_functions(errs[i].err) == errs[i].none,
               "no_functions(%s)", errs[i].err ? errs[i].err : "NULL");
    return test_summary("test_frontier_err");
}
