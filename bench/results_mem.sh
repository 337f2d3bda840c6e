#!/bin/sh
# results_mem.sh BUILD [PAGES] - Redis memory at the end of a crawl whose
# results leave Redis: a private redis-server, the cf-fixture site
# (PAGES pages over 8 hosts, default 20,000), two workers and one
# `crawlfleet export --follow`. Prints used_memory before and after, the
# seen set's share (MEMORY USAGE of every cf:{C}:seen:* bucket), the
# rest, and the results stream's length. Target (issue 15): the rest at
# most 10 MB. Loopback only; not a timing benchmark.
set -eu
B=${1:-build}
PAGES=${2:-20000}
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-resmem.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    redis-cli -s "$T/r.sock" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
redis-server --port 0 --unixsocket "$T/r.sock" --save '' --appendonly no \
    --dir "$T" --daemonize yes >/dev/null
R=unix://$T/r.sock
rc() { redis-cli -s "$T/r.sock" "$@"; }
until rc ping >/dev/null 2>&1; do sleep 0.05; done
before=$(rc info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
"$B/cf-fixture" --hosts 8 --pages $((PAGES / 8)) --seed 1 \
    --manifest "$T/man" >"$T/fx.ready" 2>/dev/null &
PIDS="$PIDS $!"
until grep -q '^ready' "$T/fx.ready" 2>/dev/null; do sleep 0.05; done
"$B/crawlfleet" seed --redis "$R" --crawl mem --allow-private --scope any \
    --no-obey-robots $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null
"$B/crawlfleet" export mem --redis "$R" --follow -o "$T/out.jsonl" &
E=$!
PIDS="$PIDS $E"
"$B/crawlfleet-worker" --redis "$R" --crawl mem --exit-when-done \
    --log-level warn &
W1=$!
"$B/crawlfleet-worker" --redis "$R" --crawl mem --exit-when-done \
    --log-level warn &
W2=$!
PIDS="$PIDS $W1 $W2"
wait "$W1" "$W2" "$E"
after=$(rc info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
seen=0
for k in $(rc --scan --pattern 'cf:{mem}:seen:*'); do
    seen=$((seen + $(rc memory usage "$k")))
done
done_n=$(rc hget 'cf:{mem}:stats' done)
echo "results_mem: pages=$done_n written=$(wc -l <"$T/out.jsonl")" \
    "stream=$(rc xlen 'cf:{mem}:results') used_memory_before=$before" \
    "after=$after seen_set=$seen rest=$((after - before - seen))" \
    "rest_mb=$(echo "$after $before $seen" |
        awk '{ printf "%.2f", ($1 - $2 - $3) / 1048576 }')"
