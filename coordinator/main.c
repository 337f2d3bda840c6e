/* main.c - crawlfleet (not written yet). */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "crawlfleet: not implemented yet\n");
    return 1;
}
