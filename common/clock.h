/* clock.h - the two clocks: monotonic for what is waited on or measured
 * locally, wall for what is stored (Redis) or shown to people.
 *
 * A wall clock that steps (NTP, an operator, a VM resumed) must not stall
 * a timer or turn a duration negative, so every deadline, backoff, cache
 * lifetime and duration inside one process reads cf_mono_*; every time
 * another process reads (lease deadlines, host schedules, result
 * timestamps, the heartbeat's started_ms) reads cf_wall_ms. Monotonic
 * values mean nothing outside the process that read them. */
#ifndef CF_CLOCK_H
#define CF_CLOCK_H

#include <stdint.h>

/* Monotonic time (CLOCK_MONOTONIC) in milliseconds; only differences
 * mean anything. */
int64_t cf_mono_ms(void);
/* The same clock in microseconds. */
int64_t cf_mono_us(void);
/* Unix time (CLOCK_REALTIME) in milliseconds. */
int64_t cf_wall_ms(void);

#endif
