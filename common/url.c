/* url.c - not written yet. */
#include "url.h"
