#!/bin/sh
# health_probes.sh - the worker's and the coordinator's probes: /livez
# answers 200 whatever Redis does, /readyz is 200 while Redis is reachable
# and the crawls are read and 503 (with the reason) while Redis is away,
# /healthz keeps its earlier meaning; both processes outlive a Redis
# outage and are ready again once it is back. The coordinator's /metrics
# counts the hosts ready now per crawl (the autoscaling backlog).
# Needs $B/crawlfleet, $B/crawlfleet-worker, curl.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup health_probes

# code PORT PATH: the HTTP status of a GET (000 when nothing answers).
code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
        "http://127.0.0.1:$1$2"
}
body() { curl -s --max-time 5 "http://127.0.0.1:$1$2"; }
is_code() { [ "$(code "$1" "$2")" = "$3" ]; }

# started LOG PID WHAT: the process logged WHAT, or exited.
started() { grep -q "$3" "$1" || ! kill -0 "$2" 2>/dev/null; }

# spawn NAME WHAT CMD...: start CMD with a metrics port below the
# ephemeral range (--metrics-port is appended; another port if taken);
# waits for the log line WHAT; sets SP_PID, SP_PORT.
spawn() {
    _n=$1
    _what=$2
    shift 2
    for _try in 1 2 3 4 5; do
        SP_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
        "$@" --metrics-port "$SP_PORT" 2>"$T/$_n.log" &
        SP_PID=$!
        wait_for started "$T/$_n.log" "$SP_PID" "$_what"
        if grep -q "$_what" "$T/$_n.log"; then
            W_PIDS="$W_PIDS $SP_PID"
            return 0
        fi
        wait "$SP_PID" 2>/dev/null
    done
    t_fail "$_n starts: $(tail -n 3 "$T/$_n.log")"
    return 1
}

# Two hosts with work (ports 1 and 2 are never fetched: no worker serves
# the crawl "backlog").
"$B/crawlfleet" seed --redis "$R" --crawl backlog --allow-private \
    http://127.0.0.1:1/a http://127.0.0.1:1/b http://127.0.0.1:2/ \
    >/dev/null || t_fail "seed"

spawn worker 'metrics listening' "$B/crawlfleet-worker" --redis "$R" \
    --crawl absent --concurrency 4 --grace-ms 3000 || { t_summary health_probes; exit 1; }
WPID=$SP_PID
WP=$SP_PORT
spawn coord 'coordinator started' "$B/crawlfleet" run --redis "$R" \
    --metrics-addr 127.0.0.1 --interval 100 ||
    { t_summary health_probes; exit 1; }
CPID=$SP_PID
CP=$SP_PORT

t_check "worker /livez 200" wait_for is_code "$WP" /livez 200
t_check "worker /readyz 200 (Redis up, its crawl's absence read)" \
    wait_for is_code "$WP" /readyz 200
t_check "worker /healthz 200" is_code "$WP" /healthz 200
t_check "coordinator /livez 200" is_code "$CP" /livez 200
t_check "coordinator /readyz 200" wait_for is_code "$CP" /readyz 200
t_check "coordinator /healthz 200" is_code "$CP" /healthz 200
t_check "an unknown path is 404" is_code "$WP" /nope 404

hosts=$(body "$CP" /metrics |
    awk '$1 == "crawlfleet_crawl_hosts_ready{crawl=\"backlog\"}" { print $2 }')
if [ "$hosts" = 2 ]; then
    t_ok "coordinator /metrics: 2 hosts ready now"
else
    t_fail "crawlfleet_crawl_hosts_ready of backlog: '$hosts', want 2"
fi
t_check "coordinator /metrics: hosts waiting" sh -c "curl -s \
    http://127.0.0.1:$CP/metrics | grep -q '^crawlfleet_crawl_hosts_waiting{crawl=\"backlog\"} 0$'"

# hosts_ready: the hosts of a paused crawl are not ready (nothing may be
# fetched), so an autoscaler on it can go to zero.
ready_of() {
    curl -s "http://127.0.0.1:$CP/metrics" |
        grep -qx "crawlfleet_crawl_hosts_ready{crawl=\"backlog\"} $1"
}
"$B/crawlfleet" pause --redis "$R" backlog >/dev/null || t_fail "pause"
t_check "a paused crawl has 0 hosts ready" wait_for ready_of 0
"$B/crawlfleet" resume --redis "$R" backlog >/dev/null || t_fail "resume"
t_check "resumed, its 2 hosts are ready again" wait_for ready_of 2

# Redis away: alive, not ready, and says why.
redis-cli -s "$REDIS_SOCK" shutdown nosave >/dev/null 2>&1
WAIT_TIMEOUT=10 wait_for _redis_gone || t_fail "redis stops"
t_check "worker /readyz 503 while Redis is away" \
    wait_for is_code "$WP" /readyz 503
t_check "worker /readyz says why" sh -c "curl -s \
    http://127.0.0.1:$WP/readyz | grep -qx 'redis unavailable'"
t_check "worker /healthz 503 while Redis is away" is_code "$WP" /healthz 503
t_check "coordinator /readyz 503 while Redis is away" \
    wait_for is_code "$CP" /readyz 503
t_check "worker /livez 200 while Redis is away" is_code "$WP" /livez 200
t_check "coordinator /livez 200 while Redis is away" is_code "$CP" /livez 200
t_check "the worker outlives the outage" kill -0 "$WPID"
t_check "the coordinator outlives the outage" kill -0 "$CPID"

# Redis back: both ready again.
redis_restart || t_fail "redis restarts"
t_check "worker /readyz 200 once Redis is back" \
    wait_for is_code "$WP" /readyz 200
t_check "coordinator /readyz 200 once Redis is back" \
    wait_for is_code "$CP" /readyz 200

# SIGTERM: the worker drains and exits 0; until then it is alive.
kill -TERM "$WPID"
# (--grace-ms 3000: the exit is checked, not how soon it comes.)
if wait_exit "$WPID" 30; then
    t_ok "worker exits 0 on SIGTERM"
else
    t_fail "worker exits 0 on SIGTERM: $(tail -n 5 "$T/worker.log")"
fi

t_summary health_probes
