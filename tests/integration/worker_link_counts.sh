#!/bin/sh
# worker_link_counts.sh - links not followed are counted by why: a crawl
# (scope host, --max-depth 1) of a small static site whose seed page links
# to one page of another host, to three files with skipped extensions and
# to one page that links on to two pages one level too deep. Each reason
# has its own count (1 out of scope, 2 too deep, 3 skipped extension:
# different numbers, so counters that are swapped or summed show) in the
# crawl's stats hash, in `crawlfleet status` (text and --json) and on the
# worker's /metrics.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture, curl.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_link_counts

stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"; }
is_done() { [ "$(stat "$1" state)" = done ]; }
started() {
    grep -q 'metrics listening' "$1" || ! kill -0 "$2" 2>/dev/null
}
metric() {
    curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

mkdir "$T/site"
cat >"$T/site/index.html" <<'EOF'
<!DOCTYPE html><html><head><title>Seed</title></head><body>
<a href="in.html">in scope, depth 1</a>
<a href="http://other.test/x.html">another host</a>
<a href="a.jpg">image</a> <a href="b.PDF">pdf</a> <a href="c.css?v=1">css</a>
</body></html>
EOF
cat >"$T/site/in.html" <<'EOF'
<!DOCTYPE html><html><head><title>In</title></head><body>
<a href="deep1.html">depth 2</a> <a href="deep2.html">depth 2</a>
</body></html>
EOF
"$B/cf-fixture" --root "$T/site" --log "$T/fx.log" >"$T/fx.ready" \
    2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")

"$B/crawlfleet" seed --redis "$R" --crawl lc --allow-private --scope host \
    --max-depth 1 "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1 ||
    t_fail "seed lc"
# a worker with a metrics port below the ephemeral range (another one if
# that port is taken), left running until the crawl is done
for _try in 1 2 3 4 5; do
    MP=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
    "$B/crawlfleet-worker" --redis "$R" --crawl lc --metrics-port "$MP" \
        2>"$T/worker.log" &
    WP=$!
    wait_for started "$T/worker.log" "$WP"
    grep -q 'metrics listening' "$T/worker.log" && break
    wait "$WP" 2>/dev/null
    WP=
done
[ -n "$WP" ] && W_PIDS=$WP
t_check "a worker starts" [ -n "$WP" ]
WAIT_TIMEOUT=30 wait_for is_done lc || t_fail "crawl lc is done"
echo "# stats: $(redis-cli -s "$REDIS_SOCK" hgetall 'cf:{lc}:stats' |
    paste -sd' ')"

t_check "two pages fetched (the seed and in.html)" [ "$(stat lc done)" = 2 ]
t_check "links_found 7" [ "$(stat lc links_found)" = 7 ]
t_check "out_of_scope 1 (the other host)" [ "$(stat lc out_of_scope)" = 1 ]
t_check "too_deep 2 (deep1, deep2)" [ "$(stat lc too_deep)" = 2 ]
t_check "skipped_ext 3 (jpg, PDF, css)" [ "$(stat lc skipped_ext)" = 3 ]
t_check "no link not followed was fetched" \
    sh -c "! grep -Eq 'deep|\.jpg|\.PDF|\.css' '$T/fx.log'"

"$B/crawlfleet" status lc --redis "$R" >"$T/status.txt" 2>&1
t_check "status names each count" grep -q \
    "links not followed: out of scope 1, too deep 2, skipped extension 3" \
    "$T/status.txt"
"$B/crawlfleet" status lc --redis "$R" --json >"$T/status.json" 2>&1
t_check "status --json has each count" sh -c \
    "grep -q '\"out_of_scope\": *1[,}]' '$T/status.json' &&
     grep -q '\"too_deep\": *2[,}]' '$T/status.json' &&
     grep -q '\"skipped_ext\": *3[,}]' '$T/status.json'"

for m in out_of_scope:1 too_deep:2 skipped_ext:3; do
    got=$(metric "$MP" "crawlfleet_worker_links_${m%:*}_total")
    t_check "/metrics crawlfleet_worker_links_${m%:*}_total ${m#*:} (${got:-none})" \
        [ "$got" = "${m#*:}" ]
done
kill -TERM "$WP"
wait_exit "$WP" 20
t_check "worker exits 0 on SIGTERM" [ $? -eq 0 ]

t_summary worker_link_counts
