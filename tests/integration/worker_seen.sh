#!/bin/sh
# worker_seen.sh - the worker's dedup cache (--seen-cache): crawls with it
# on (two workers), off and tiny (cleared at its cap over and over) all
# yield exactly the ground truth; with it on, links are dropped locally
# (crawlfleet_worker_dup_local_total) and fewer links reach Redis. Links
# over --max-links are counted (crawlfleet_worker_links_over_cap_total).
# Acks carry the worker's next pops (crawlfleet_worker_ack_pops_total).
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture, curl.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_seen

stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"; }
is_done() { [ "$(stat "$1" state)" = done ]; }

# started LOG PID: the worker logged that it serves metrics, or exited.
started() {
    grep -q 'metrics listening' "$1" || ! kill -0 "$2" 2>/dev/null
}

# worker CRAWL ARGS...: a worker with a metrics port below the ephemeral
# range (another one if that port is taken); sets LAST_W, LAST_P. Each
# worker logs to $T/worker.PORT.log.
worker() {
    _c=$1
    shift
    for _try in 1 2 3 4 5; do
        LAST_P=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
        _log="$T/worker.$LAST_P.log"
        "$B/crawlfleet-worker" --redis "$R" --crawl "$_c" --concurrency 16 \
            --metrics-port "$LAST_P" "$@" 2>"$_log" &
        LAST_W=$!
        wait_for started "$_log" "$LAST_W"
        if grep -q 'metrics listening' "$_log"; then
            W_PIDS="$W_PIDS $LAST_W"
            return 0
        fi
        wait "$LAST_W" 2>/dev/null
    done
    t_fail "a worker starts: $(tail -n 3 "$_log")"
}

# metric PORT NAME: the value of a metric, or empty.
metric() {
    curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

# mget PORT NAME: sets MV to metric NAME, or to 0 with a failure that
# quotes the worker's log.
mget() {
    MV=$(metric "$1" "$2")
    if [ -z "$MV" ]; then
        t_fail "worker on port $1 answers $2: $(tail -n 3 "$T/worker.$1.log")"
        MV=0
    fi
}

# stop PID: SIGTERM and reap; 0 if it exited 0.
stop() {
    kill -TERM "$1"
    WAIT_TIMEOUT=20 wait_for sh -c "! kill -0 $1 2>/dev/null"
    wait "$1"
}

"$B/cf-fixture" --manifest "$T/man" --hosts 3 --pages 150 --scope host \
    >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"

# crawl NAME WORKERS ARGS...: seed NAME, run WORKERS workers with ARGS
# until done; sets DUP (dup_local summed), LINKS (links pushed summed),
# CLEARS (cache clears summed), ACKPOPS (pops inside acks summed).
crawl() {
    _name=$1
    _nw=$2
    shift 2
    "$B/crawlfleet" seed --redis "$R" --crawl "$_name" --allow-private \
        ${SEED_ARGS:-} $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null
    _ws=
    for _i in $(seq "$_nw"); do
        worker "$_name" "$@"
        _ws="$_ws $LAST_W:$LAST_P"
    done
    WAIT_TIMEOUT=90 wait_for is_done "$_name" || t_fail "$_name finishes"
    DUP=0 LINKS=0 CLEARS=0 OVER=0 ACKPOPS=0 RC=0
    for _wp in $_ws; do
        _p=${_wp#*:}
        mget "$_p" crawlfleet_worker_dup_local_total
        DUP=$((DUP + MV))
        mget "$_p" crawlfleet_worker_links_total
        LINKS=$((LINKS + MV))
        mget "$_p" crawlfleet_worker_seen_cache_clears_total
        CLEARS=$((CLEARS + MV))
        mget "$_p" crawlfleet_worker_links_over_cap_total
        OVER=$((OVER + MV))
        mget "$_p" crawlfleet_worker_ack_pops_total
        ACKPOPS=$((ACKPOPS + MV))
        stop "${_wp%:*}" || RC=1
    done
    echo "# $_name: $(stat "$_name" done) pages, links found" \
        "$(stat "$_name" links_found), sent $LINKS, dropped locally $DUP," \
        "dup_links in Redis $(stat "$_name" dup_links), clears $CLEARS"
}

crawl on 2
t_check "cache on, 2 workers: exit 0" [ "$RC" -eq 0 ]
t_check "cache on: results equal the ground truth" same_as_truth on "$T/man"
t_check "cache on: links dropped locally" [ "$DUP" -gt 0 ]
t_check "pops ride on acks" [ "$ACKPOPS" -gt 0 ]
on_links=$LINKS

crawl off 1 --seen-cache 0
t_check "cache off: exit 0" [ "$RC" -eq 0 ]
t_check "cache off: results equal the ground truth" same_as_truth off "$T/man"
t_check "cache off: nothing dropped locally" [ "$DUP" -eq 0 ]
t_check "cache on sends fewer links than off" [ "$on_links" -lt "$LINKS" ]
t_check "found = sent + dropped + out of scope (off and on alike)" \
    [ "$(stat off links_found)" -eq "$(stat on links_found)" ]

crawl tiny 1 --seen-cache 20
t_check "tiny cache: exit 0" [ "$RC" -eq 0 ]
t_check "tiny cache: results equal the ground truth" \
    same_as_truth tiny "$T/man"
t_check "tiny cache: cleared at its cap" [ "$CLEARS" -gt 0 ]

t_check "no page over --max-links by default" [ "$OVER" -eq 0 ]

# The link cap: links past it are counted, not silently lost.
SEED_ARGS="--max-links 1" crawl capped 1
t_check "capped: exit 0" [ "$RC" -eq 0 ]
t_check "capped: links over --max-links counted" [ "$OVER" -gt 0 ]

t_summary worker_seen
