#!/bin/sh
# worker_auth.sh - a worker whose Redis refuses its password says so once
# per link, backs off like for any Redis failure (a few log lines, not
# one every 100 ms), and with --exit-when-done gives up after 30 s with
# exit 1; with the right password it runs.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
W=$B/crawlfleet-worker
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-worker-auth.XXXXXX")
trap 'redis_stop; rm -rf "$T"' EXIT

[ -x "$W" ] || { t_fail "$W not built"; t_summary worker_auth; exit 1; }
redis_start --requirepass sekret || { t_fail "redis_start"; t_summary worker_auth; exit 1; }
trap 'redis_stop; rm -rf "$T"' EXIT

start=$(date +%s)
CRAWLFLEET_REDIS_PASSWORD=wrong timeout 60 "$W" --redis "$REDIS_URL" \
    --exit-when-done --metrics-port 0 2>"$T/w.log"
rc=$?
secs=$(($(date +%s) - start))
t_check "wrong password: exit 1 ($rc)" test $rc -eq 1
t_check "wrong password: gave up after about 30 s ($secs s)" \
    test "$secs" -ge 29 -a "$secs" -le 40
n=$(wc -l <"$T/w.log")
t_check "wrong password: $n log lines in $secs s (at most 40)" test "$n" -le 40
r=$(grep -c 'rejected the connection setup' "$T/w.log")
t_check "WRONGPASS said once per link ($r)" test "$r" -ge 1 -a "$r" -le 2
t_check "the give-up is logged" grep -q 'giving up: redis refuses our credentials' \
    "$T/w.log"
CRAWLFLEET_REDIS_PASSWORD=sekret "$W" --redis "$REDIS_URL" --crawl none \
    --metrics-port 0 2>"$T/ok.log" &
wp=$!
wait_for grep -q 'redis connected' "$T/ok.log"
t_check "right password: connected" grep -q 'redis connected' "$T/ok.log"
kill -TERM "$wp"
wait "$wp"
t_check "right password: stops with exit 0" test $? -eq 0

t_summary worker_auth
