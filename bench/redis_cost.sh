#!/bin/sh
# redis_cost.sh BUILD_DIR [DOC] [crawl flags...] - where the Redis CPU of a
# crawl goes. One crawl of a Debian documentation tree (S4's; default
# rust-doc, which S4 has installed and has a manifest for) served in place
# by nginx, as bench/run.sh s4 runs crawlfleet (2 workers, concurrency 32
# each, per-host concurrency 32), but against a private redis-server
# started with the embedded server's settings (unix socket, append-only
# file, fsync every second) and left running after the crawl, so that
# its INFO commandstats and CPU can be read. Prints redis-server CPU per
# result and the commands that took the most time (a script's own
# commands count in their rows and again in its EVALSHA row).
#
# A timing benchmark: run it under the bench lock, e.g.
#   flock /work/bench.lock sh bench/redis_cost.sh build
# Work files stay in ${CF_REDIS_COST_DIR:-/tmp/cf-redis-cost}.
set -u
B=$(cd "${1:-build}" && pwd)
DOC=${2:-rust-doc}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CF_BENCH_SHARED:-$TOP/../shared/bench}
SITE=/tmp/cf-bench-real-$DOC
O=${CF_REDIS_COST_DIR:-/tmp/cf-redis-cost}
[ -f "$SITE/manifest.json" ] || {
    echo "redis_cost: no $SITE/manifest.json (run bench/run.sh s4 once)" >&2
    exit 2
}
START=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["start_url"])' "$SITE/manifest.json")
HOSTS=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["hosts"]))' "$SITE/manifest.json")
rm -rf "$O"
mkdir -p "$O/redis"
redis-server --port 0 --unixsocket "$O/redis/sock" --unixsocketperm 700 \
    --dir "$O/redis" --appendonly yes --appendfsync everysec --save '' \
    --daemonize no --logfile "$O/redis/log" --latency-tracking no \
    --zset-max-listpack-entries 16 --hash-max-listpack-entries 16 &
RP=$!
trap 'kill "$RP" 2>/dev/null; "$SHARED/serve.sh" stop "$SITE" >/dev/null 2>&1' EXIT
n=0
until redis-cli -s "$O/redis/sock" ping >/dev/null 2>&1; do
    n=$((n + 1))
    [ $n -lt 200 ] || { echo "redis_cost: redis-server did not start" >&2; exit 1; }
    sleep 0.05
done
"$SHARED/serve.sh" start "$SITE" >/dev/null || exit 1
/usr/bin/time -f "%e s wall, %U s user, %S s sys (crawl and workers)" \
    "$B/crawlfleet" crawl "$START" --name bench --redis "unix://$O/redis/sock" \
    --state-dir "$O/state" --scope "hosts:$HOSTS" --allow-private \
    --no-obey-robots --workers 2 --concurrency 32 --per-host-concurrency 32 \
    -q -o "$O/pages.jsonl" "$@" 2>"$O/crawl.err"
rc=$?
tail -n 1 "$O/crawl.err"
[ $rc -eq 0 ] || { echo "redis_cost: crawl exited $rc" >&2; exit 1; }
redis-cli -s "$O/redis/sock" info commandstats >"$O/commandstats.txt"
redis-cli -s "$O/redis/sock" info cpu >"$O/cpu.txt"
python3 - "$O" "$(wc -l <"$O/pages.jsonl")" <<'PY'
import re, sys
o, n = sys.argv[1], int(sys.argv[2])
cpu = dict(l.strip().split(':', 1) for l in open(o + '/cpu.txt') if ':' in l)
s = float(cpu['used_cpu_user']) + float(cpu['used_cpu_sys'])
print(f'{n} results; redis-server {s:.2f} s of CPU = {s * 1e6 / n:.0f} us '
      'per result')
rows = []
for l in open(o + '/commandstats.txt'):
    m = re.match(r'cmdstat_(\S+):calls=(\d+),usec=(\d+)', l)
    if m:
        rows.append((int(m[3]), m[1], int(m[2])))
for us, name, calls in sorted(rows, reverse=True)[:12]:
    print(f'  {name:16s} {calls:8d} calls ({calls / n:5.2f} per result) '
          f'{us / calls:8.1f} us each, {us / n:6.1f} us per result')
PY
