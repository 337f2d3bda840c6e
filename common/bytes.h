/* bytes.h - finding one byte in a short span, inline.
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

#endif
