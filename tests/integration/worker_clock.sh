#!/bin/sh
# worker_clock.sh - a worker whose wall clock steps back 60 s keeps
# crawling: its timers (crawl list refresh, pop backoff, config reloads,
# heartbeat, robots cache) run on the monotonic clock. The worker and the
# CLI run under libfaketime (Debian faketime) with the wall clock read
# from a file and the monotonic clock left alone; crawl a is crawled
# before the step, crawl b is created after it and must be crawled in
# full well inside 60 s.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture, faketime.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}

LIBFT=
for d in /usr/lib/*/faketime /usr/lib/faketime /usr/local/lib/faketime; do
    [ -f "$d/libfaketime.so.1" ] && LIBFT=$d/libfaketime.so.1 && break
done
if [ -z "$LIBFT" ]; then
    echo "worker_clock: libfaketime.so.1 not found (tools/deps.sh installs" \
        "Debian faketime)" >&2
    echo "worker_clock: 0 passed, 1 failed"
    exit 1
fi

wt_setup worker_clock

stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"; }
is_done() { [ "$(stat "$1" state)" = done ]; }

# faked CMD...: CMD with its wall clock at the offset in $T/clock (read
# at every call) and its monotonic clock untouched. An ASan build must
# not insist on being first in the preload list. "faked CMD &" runs in
# a subshell that execs CMD, so $! is CMD's pid; in the foreground, run
# it as "(faked CMD)".
echo "+0" >"$T/clock"
faked() {
    exec env LD_PRELOAD="$LIBFT" FAKETIME_TIMESTAMP_FILE="$T/clock" \
        FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$@"
}

# The wall clock really is stepped for a faked process, the monotonic
# one is not.
now_s() { (faked date +%s); }
echo "-60" >"$T/clock"
d=$(($(date +%s) - $(now_s)))
t_check "faketime steps the wall clock back 60 s (got $d)" \
    test "$d" -ge 59 -a "$d" -le 61
echo "+0" >"$T/clock"

"$B/cf-fixture" --manifest "$T/man" --hosts 2 --pages 40 --scope host \
    >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"

seed() {
    (faked "$B/crawlfleet" seed --redis "$R" --crawl "$1" --allow-private \
        $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null)
}

# One worker for every crawl in cf:crawls (it finds new ones by its
# timer-driven list refresh).
faked "$B/crawlfleet-worker" --redis "$R" --concurrency 8 \
    --metrics-port 0 2>"$T/worker.log" &
WP=$!
W_PIDS=$WP

t_check "seed a" seed a
WAIT_TIMEOUT=30 wait_for is_done a
t_check "crawl a is done before the step" is_done a
t_check "crawl a's results are the ground truth" same_as_truth a "$T/man"

# Step the wall clock back 60 s, for the worker and the CLI alike (a
# machine whose clock was set back). Crawl b is new: the worker must
# read the crawl list again, load b's config and pop it.
echo "-60" >"$T/clock"
t_check "seed b after the step" seed b
WAIT_TIMEOUT=20 wait_for is_done b
t_check "crawl b is done within 20 s of the step" is_done b
t_check "crawl b's results are the ground truth" same_as_truth b "$T/man"
t_check "the worker is still running" kill -0 "$WP"

kill -TERM "$WP"
wait_exit "$WP" 30
t_check "the worker exits 0 on SIGTERM" test $? -eq 0

t_summary worker_clock
