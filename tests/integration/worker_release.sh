#!/bin/sh
# worker_release.sh - SIGTERM with transfers still running when the grace
# period ends: the worker exits 0 and gives their leases back at once
# (robots leases first, then page leases), nothing waits for a lease
# expiry, and another worker finishes the crawl to the ground truth.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_release
C=rel

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
stat() { rcli hget "cf:{$C}:stats" "$1"; }
count_results() { rcli xlen "cf:{$C}:results"; }
at_least() { [ "$(count_results)" -ge "$1" ]; }
# leases KIND: robots or page leases in the frontier's lease set
leases() {
    if [ "$1" = robots ]; then
        rcli zrange "cf:{$C}:leases" 0 -1 | grep -c '^r '
    else
        rcli zrange "cf:{$C}:leases" 0 -1 | grep -c -v '^r '
    fi
}
leases_ge() { [ "$(leases "$1")" -ge "$2" ]; }

worker() {
    "$B/crawlfleet-worker" --redis "$R" --crawl $C "$@" \
        2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    LAST_W=$!
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Every response takes 800 ms: transfers are surely running at SIGTERM.
"$B/cf-fixture" --manifest "$T/man" --log "$T/fx.log" --hosts 2 \
    --pages 12 --scope host --delay-ms 800 >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
# A 60 s lease: a lease left to expire would hold the crawl past the
# deadlines below.
"$B/crawlfleet" seed --redis "$R" --crawl $C --allow-private --lease 60s \
    $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null

# ---- 1. robots leases in flight at the deadline ---------------------------
worker --concurrency 16 --grace-ms 100
a=$LAST_W
WAIT_TIMEOUT=10 wait_for leases_ge robots 2
t_check "robots fetches in flight" [ "$(leases robots)" -eq 2 ]
t0=$(now_ms)
kill -TERM "$a"
wait_exit "$a" 10
t_check "robots phase: SIGTERM exits 0" [ $? -eq 0 ]
t1=$(now_ms)
echo "# robots phase: exit $((t1 - t0)) ms after SIGTERM"
t_check "robots phase: exit well before the lease expiry" \
    [ $((t1 - t0)) -lt 5000 ]
t_check "robots leases released" [ "$(rcli zcard "cf:{$C}:leases")" -eq 0 ]
t_check "no robots fetch pending on any host" \
    sh -c "! redis-cli -s '$REDIS_SOCK' --scan --pattern 'cf:{$C}:h:*' |
        while read k; do redis-cli -s '$REDIS_SOCK' hexists \"\$k\" rt; done |
        grep -q 1"
t_check "log says 2 robots leases released" \
    grep -q 'leases released.*robots=2' "$T/worker.log"
t_check "robots phase: nothing fetched" [ "$(stat robots_fetched)" = 0 ]

# ---- 2. page leases in flight at the deadline ---------------------------
worker --concurrency 16 --grace-ms 100
a=$LAST_W
WAIT_TIMEOUT=20 wait_for at_least 2
WAIT_TIMEOUT=10 wait_for leases_ge page 2
pages_in_flight=$(leases page)
t_check "page fetches in flight" [ "$pages_in_flight" -ge 1 ]
t0=$(now_ms)
kill -TERM "$a"
wait_exit "$a" 10
t_check "page phase: SIGTERM exits 0" [ $? -eq 0 ]
t1=$(now_ms)
echo "# page phase: exit $((t1 - t0)) ms after SIGTERM," \
    "$pages_in_flight page leases in flight"
t_check "page phase: exit well before the lease expiry" \
    [ $((t1 - t0)) -lt 5000 ]
t_check "inflight = 0 right after the exit" [ "$(stat inflight)" = 0 ]
t_check "lease set empty" [ "$(rcli zcard "cf:{$C}:leases")" -eq 0 ]
q=$(stat queued)
t_check "released pages are queued (queued = discovered - done - dead)" \
    [ "$q" -gt 0 -a "$q" -eq $(($(stat discovered) - $(stat done) - \
    $(stat dead))) ]
t_check "attempts unchanged (none recorded), nothing reaped" \
    [ "$(rcli hlen "cf:{$C}:attempts")" -eq 0 -a "$(stat reaped)" = 0 ]
t_check "no stale acks" [ "$(stat stale_acks)" = 0 ]
t_check "log says page leases released" \
    grep -q 'leases released" pages=[1-9]' "$T/worker.log"

# ---- 3. another worker finishes, long before any lease would expire -----
worker --exit-when-done --concurrency 16
wait_exit "$LAST_W" 40
t_check "second worker finishes the crawl" [ $? -eq 0 ]
t_check "results equal the ground truth" same_as_truth "$C" "$T/man"
t_check "each URL once" \
    [ "$(count_results)" -eq "$(wc -l <"$T/want.$C")" ]
t_check "every result on its first attempt" \
    sh -c "! '$B/crawlfleet' export $C --redis '$R' 2>/dev/null |
        grep -v '\"attempts\":1[,}]'"
t_check "crawl done, nothing reaped" \
    [ "$(stat state)" = done -a "$(stat reaped)" = 0 ]

[ -n "${KEEP_LOG:-}" ] && cat "$T/worker.log" >&2
t_summary worker_release
