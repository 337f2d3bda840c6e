/* metrics.h - probes and /metrics (Prometheus text) over evhttp.
 *
 * The metrics object always exists (it holds the fetch-time histogram);
 * the HTTP server only when a port is given. Probes answer 200 "ok" or
 * 503 with the reason on one line:
 *   /livez   the process and its event loop answer (never Redis);
 *   /readyz  running, Redis reachable on both links, crawls read;
 *   /healthz Redis reachable (the earlier probe, kept unchanged). */
#ifndef WORKER_METRICS_H
#define WORKER_METRICS_H

#include <stdint.h>

struct worker;
struct metrics;

/* port 0: no server. Returns NULL (with a log line) if the port cannot
 * be bound. */
struct metrics *metrics_new(struct worker *w, int port);
void metrics_free(struct metrics *m);
/* Count one fetch that took ms milliseconds. m may be NULL. */
void metrics_observe_fetch(struct metrics *m, uint32_t ms);
/* The port actually bound (0 if none). */
int metrics_port(const struct metrics *m);

#endif
