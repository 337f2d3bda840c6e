/* redisaddr.c - not written yet. */
#include "redisaddr.h"
