/* frontier.c - not written yet. */
#include "frontier.h"
