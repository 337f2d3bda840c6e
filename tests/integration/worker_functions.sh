#!/bin/sh
# worker_functions.sh - a worker whose Redis lost the frontier's function
# library (FUNCTION FLUSH after the crawl was seeded; as on a fresh Redis)
# loads it on its first call and crawls to the ground truth; another
# build's library in the same Redis stays, and stays callable. Needs
# $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_functions

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
libs() {
    rcli function list libraryname 'cf_*' |
        awk 'p { print; p = 0 } $0 == "library_name" { p = 1 }' |
        sort | tr '\n' ' '
}
OTHER=cf_00000000000000aa

"$B/cf-fixture" --manifest "$T/fx.man" --hosts 2 --pages 20 \
    --scope host >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl fn --allow-private \
    $(awk '$1 == "seed" { print $2 }' "$T/fx.man") >/dev/null
ours=$(libs)
t_check "seed loaded one library ($ours)" [ "$(echo $ours | wc -w)" -eq 1 ]

rcli function flush >/dev/null
printf '#!lua name=%s\nredis.register_function("%s_pop", function() return 7 end)\n' \
    "$OTHER" "$OTHER" | rcli -x function load >/dev/null
t_check "flushed: only the other build's library" [ "$(libs)" = "$OTHER " ]

"$B/crawlfleet-worker" --redis "$R" --crawl fn --exit-when-done \
    --metrics-port 0 2>"$T/worker.log" &
W_PIDS=$!
wait_exit "$W_PIDS" 90
t_check "worker exits 0 when the crawl is done" [ $? -eq 0 ]
t_check "crawl equals the ground truth" same_as_truth fn "$T/fx.man"
t_check "our library is back, the other one kept ($(libs))" \
    [ "$(libs)" = "$(echo "$OTHER $ours" | tr ' ' '\n' | grep . | sort |
        tr '\n' ' ')" ]
t_check "the other build's function still answers" \
    [ "$(rcli fcall "${OTHER}_pop" 0)" = 7 ]
t_check "no function errors logged" \
    sh -c "! grep -q 'refused the frontier' '$T/worker.log'"

t_summary worker_functions
