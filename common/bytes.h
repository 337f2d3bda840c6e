/* bytes.h - finding bytes in short spans, inline.
 *
 * The HTML scanner and the parse stage's nesting prescan look for the
 * next '<', '>' or closing quote thousands of times a page, mostly a few
 * to a few dozen bytes away: there memchr's call and set-up cost about
 * as much as its scan (callgrind of bench/page_bench.c on rust-doc: the
 * inline form took 1.5% off the page stage in htmlscan_run alone). */
#ifndef CF_BYTES_H
#define CF_BYTES_H

#include <stddef.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The offset of the first c in d[p..n), or n when there is none (p <= n).
 * SSE2 (every x86-64) compares 16 bytes a step. */
static inline size_t cf_find_byte(const char *d, size_t p, size_t n, char c)
{
#ifdef __SSE2__
    const __m128i cv = _mm_set1_epi8(c);

    for (; n - p >= 16; p += 16) {
        int m = _mm_movemask_epi8(_mm_cmpeq_epi8(
            _mm_loadu_si128((const __m128i *)(const void *)(d + p)), cv));

        if (m != 0)
            return p + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    for (; p < n; p++)
        if (d[p] == c)
            return p;
    return n;
}

/* The bytes of s[0..n), from the start, in whole 16-byte blocks without
 * a byte below lim or at or above 0x80 (one signed compare), x1 or x2:
 * the blocks a byte loop need not look at, before it gives the exact
 * verdict from there. 0 without SSE2. The JSON export's string values
 * use it (coordinator/results.c: no control byte, '"', '\\' or byte from
 * 0x80 up). */
static inline size_t cf_plain_blocks2(const char *s, size_t n, char lim,
                                      char x1, char x2)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i lv = _mm_set1_epi8(lim), v1 = _mm_set1_epi8(x1),
                  v2 = _mm_set1_epi8(x2);

    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i odd = _mm_or_si128(
            _mm_cmplt_epi8(v, lv),
            _mm_or_si128(_mm_cmpeq_epi8(v, v1), _mm_cmpeq_epi8(v, v2)));

        if (_mm_movemask_epi8(odd) != 0)
            break;
    }
#else
    (void)s;
    (void)n;
    (void)lim;
    (void)x1;
    (void)x2;
#endif
    return i;
}

/* cf_plain_blocks2 with DEL and extra: the URL fast path and the
 * scanner's attribute values use it (references of 40-100 bytes on
 * rust-doc, where the byte loops were 5% of the page stage). */
static inline size_t cf_plain_blocks(const char *s, size_t n, char lim,
                                     char extra)
{
    return cf_plain_blocks2(s, n, lim, 0x7f, extra);
}

#endif
