/* charset.h - the WHATWG Encoding Standard's labels, and the converters
 * behind parse_decode() (parse.h), which does the decoding.
 *
 * Labels are matched as the standard says: ASCII whitespace around them
 * removed, ASCII case ignored. charset.c says which decoder each encoding
 * gets and what glibc lacks. */
#ifndef CHARSET_H
#define CHARSET_H

#include <stddef.h>

/* The encoding label[0..len) names, spelt as the standard spells it
 * ("UTF-8", "Shift_JIS", "windows-1252"), or NULL for no such label. */
const char *charset_name(const char *label, size_t len);

/* The i-th label of the table (in strcmp order), NULL past its end: for
 * tests that hold the table to the standard's list. */
const char *charset_label_at(size_t i);

/* The iconv name encoding name (as charset_name() gives it) is decoded
 * with, or NULL when it is not decoded by iconv (UTF-8 is used as it is,
 * x-user-defined and replacement are decoded by hand). */
const char *charset_iconv_name(const char *name);

/* iconv_open() calls so far on this thread: the converter cache's misses
 * (tests; a page in an encoding used lately opens none). */
unsigned long charset_opens(void);

/* Close this thread's cached converters. The cache fills again on use. */
void charset_cleanup(void);

#endif
