/* main.c - crawlfleet-worker (not written yet). */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "crawlfleet-worker: not implemented yet\n");
    return 1;
}
