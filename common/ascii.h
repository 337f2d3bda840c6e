/* ascii.h - byte classes of the ASCII range, locale-free, in one place.
 *
 * What the URL, robots.txt, HTML and charset code each used to define for
 * itself: HTML's ASCII whitespace, letters, digits, hex digits, ASCII
 * lower-casing and RFC 3986's unreserved characters. Any int argument is safe (bytes above 127,
 * EOF): none of them is in a class. */
#ifndef CF_ASCII_H
#define CF_ASCII_H

/* HTML's ASCII whitespace: space, tab, LF, CR, FF (not VT). */
static inline int cf_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Two ranges, not (c | 0x20) - 'a' < 26: in loops that also take
 * digits and '-' (url.c, parse.c) the compiler merges the ranges into
 * one bit test; the folded form cost S1 parse_bench 0.4% more. */
static inline int cf_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int cf_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* The value of hex digit c (either case), or -1. */
static inline int cf_hexval(int c)
{
    if (cf_is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ASCII upper case to lower case; every other value as it is. */
static inline int cf_to_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/* RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
static inline int cf_is_unreserved(int c)
{
    return cf_is_alpha(c) || cf_is_digit(c) || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

#endif
