#!/bin/sh
# worker_slots.sh - transfer slots and leases counted apart: a worker holds
# more leases than --concurrency (a ready queue) and makes results from a
# queue of its own, yet never has more than --concurrency requests open,
# two workers never exceed the fleet-wide per-host concurrency, and the
# crawls yield exactly the ground truth.
#
# "Open" is read from the fixture's own request log: every response is held
# --delay-ms D, so a request that starts at s is open over [s, s + D) or
# nearly (the fixture's timer runs from libevent's cached loop time, a few
# ms early at worst), and a slot's next request cannot start before its
# previous response arrived. The test counts [s, s + D/2): the most such
# intervals that overlap is a lower bound of what the server had open at
# once, over the limit only if the limit was broken. Needs $B/crawlfleet,
# $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_slots

stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"; }

# fixture NAME DELAY_MS ARGS...: start a fixture with a request log.
fixture() {
    _n=$1
    _d=$2
    shift 2
    "$B/cf-fixture" --manifest "$T/$_n.man" --log "$T/$_n.log" \
        --delay-ms "$_d" "$@" >"$T/$_n.ready" 2>"$T/$_n.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$_n.ready"
}

seeds() { awk '$1 == "seed" { print $2 }' "$T/$1.man"; }

worker() {
    "$B/crawlfleet-worker" --redis "$R" "$@" 2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    LAST_W=$!
}

# max_open NAME MS: the most requests of the log whose [start, start + MS)
# intervals overlap (all ports together).
max_open() {
    awk -v d="$2" '{ printf "%.0f 1\n%.0f -1\n", $1, $1 + d * 1000 }' \
        "$T/$1.log" |
        sort -k1,1n -k2,2n |
        awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

# ---- 1. one worker: leases beyond --concurrency, transfers capped --------
fixture cap 40 --hosts 2 --pages 40 --scope host || t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl cap --allow-private \
    --per-host-concurrency 16 $(seeds cap) >/dev/null
worker --crawl cap --exit-when-done --concurrency 3 --batch 16
wait_exit "$LAST_W" 90
t_check "capped worker exits 0 when the crawl is done" [ $? -eq 0 ]
t_check "capped crawl equals the ground truth" same_as_truth cap "$T/cap.man"
t_check "capped crawl: nothing in flight" [ "$(stat cap inflight)" = 0 ]
open=$(max_open cap 20)
echo "# --concurrency 3: at most $open requests open at once," \
    "$(wc -l <"$T/cap.log") requests"
t_check "never more than --concurrency requests open" [ "$open" -le 3 ]
t_check "the request log is read (some request was seen)" [ "$open" -ge 1 ]

# ---- 2. two workers, one host: the per-host limit holds fleet-wide -------
fixture host 40 --hosts 1 --pages 30 --scope host || t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl host --allow-private \
    --per-host-concurrency 2 $(seeds host) >/dev/null
worker --crawl host --exit-when-done --concurrency 4 --batch 8
a=$LAST_W
worker --crawl host --exit-when-done --concurrency 4 --batch 8
b=$LAST_W
wait_exit "$a" 90
ra=$?
wait_exit "$b" 90
rb=$?
t_check "both workers exit 0" [ "$ra" -eq 0 -a "$rb" -eq 0 ]
t_check "two-worker crawl equals the ground truth" \
    same_as_truth host "$T/host.man"
open=$(max_open host 20)
echo "# per-host concurrency 2, two workers: at most $open open at once"
t_check "never more than the per-host limit open on the host" \
    [ "$open" -le 2 ]

t_summary worker_slots
