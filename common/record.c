/* record.c - not written yet. */
#include "record.h"
