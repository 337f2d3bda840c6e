#!/bin/sh
# worker_redis_restart.sh - Redis with an append-only file (fsync on every
# write) is shut down and started again (same dir, socket and port) twice
# mid-crawl; the worker stays up, reconnects, resends what got no answer,
# and the crawl ends with exactly the ground truth, each URL once.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
AOF="--appendonly yes --appendfsync always"
wt_setup worker_redis_restart $AOF
C=rr

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
stat() { rcli hget "cf:{$C}:stats" "$1"; }
count_results() { rcli xlen "cf:{$C}:results"; }
at_least() { [ "$(count_results)" -ge "$1" ]; }

# ---- the server keeps its data across a restart (the helper itself) ----
rcli set cf:probe kept >/dev/null
redis_restart $AOF
t_check "redis_restart: server answers again" [ $? -eq 0 ]
t_check "redis_restart: data kept with appendonly" \
    [ "$(rcli get cf:probe)" = kept ]
rcli del cf:probe >/dev/null

# 20 ms per response: the crawl takes a few seconds.
"$B/cf-fixture" --manifest "$T/man" --hosts 3 --pages 60 --scope host \
    --delay-ms 20 >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
# A short lease: a pop that Redis ran but whose reply the shutdown lost
# leaves leases nobody works on; they come back after 3 s.
"$B/crawlfleet" seed --redis "$R" --crawl $C --allow-private \
    --timeout 2s --lease 3s $(awk '$1 == "seed" { print $2 }' "$T/man") \
    >/dev/null
total=$(awk '$1 == "page" || $1 == "broken" || $1 == "denied"' "$T/man" |
    wc -l)

"$B/crawlfleet-worker" --redis "$R" --crawl $C --concurrency 8 \
    --exit-when-done 2>"$T/worker.log" &
W=$!
W_PIDS=$W
for at in $((total / 4)) $((total / 2)); do
    WAIT_TIMEOUT=60 wait_for at_least "$at"
    n=$(count_results)
    redis_restart $AOF
    t_check "redis restarted at $n results" [ $? -eq 0 ]
    t_check "results survive the restart" [ "$(count_results)" -ge "$n" ]
done
WAIT_TIMEOUT=90 wait_for sh -c "! kill -0 $W 2>/dev/null"
wait "$W"
t_check "worker stays up and exits 0 when the crawl is done" [ $? -eq 0 ]
t_check "worker reconnected" \
    [ "$(grep -c 'redis connected' "$T/worker.log")" -ge 3 ]

t_check "results equal the ground truth" same_as_truth "$C" "$T/man"
t_check "each URL once" \
    [ "$(count_results)" -eq "$(wc -l <"$T/want.$C")" ]
t_check "crawl done, nothing in flight or queued" \
    [ "$(stat state)" = done -a "$(stat inflight)" = 0 -a \
    "$(stat queued)" = 0 ]
t_check "queued + inflight + done + dead = discovered" \
    [ $(($(stat queued) + $(stat inflight) + $(stat done) + $(stat dead))) \
    -eq "$(stat discovered)" ]
echo "# stale acks $(stat stale_acks), reaped $(stat reaped)," \
    "retries $(stat retries)"

t_summary worker_redis_restart
