#!/bin/sh
# redis_call_cost.sh BUILD_DIR [N] - redis-server instructions of one
# frontier call: a pop that leases nothing (n = 0) on a crawl with one
# queued URL, the call's fixed cost (the script's set-up, the crawl's
# stats, config and frontier state loaded, its due leases, retries and
# hosts looked at, its wait computed) without any per-page work. A
# private redis-server runs under callgrind; its counters are zeroed
# after the set-up and dumped after N (default 1,000) calls sent by
# redis-benchmark. Prints instructions per call. Builds from before the
# scripts were Redis functions are measured too (their pop by EVALSHA).
#
# Instruction counts do not depend on the machine's load: no bench lock
# needed. Needs valgrind, redis-benchmark (redis-tools).
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-1000}
O=$(mktemp -d "${TMPDIR:-/tmp}/cf-call-cost.XXXXXX")
trap 'kill "$RP" 2>/dev/null; rm -rf "$O"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$O/cg.out" redis-server \
    --port 0 --unixsocket "$O/sock" --save '' --appendonly no \
    --daemonize no --logfile "$O/log" >"$O/valgrind.log" 2>&1 &
RP=$!
n=0
until redis-cli -s "$O/sock" ping >/dev/null 2>&1; do
    n=$((n + 1))
    [ $n -lt 400 ] || { echo "redis_call_cost: no redis-server" >&2; exit 1; }
    sleep 0.05
done
"$B/crawlfleet" seed --redis "unix://$O/sock" --crawl b --allow-private \
    http://127.0.0.1:9/ >/dev/null
# the pop's command: FCALL <function>, or EVALSHA <sha> (script loaded)
python3 - "$B/gen/scripts.c" "$O" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
if 'library = {' in s:
    cmd = 'FCALL ' + re.search(r'"(cf_[0-9a-f]+_pop)"', s)[1]
else:
    a = s.index('[CF_SCRIPT_POP] = {"pop",')
    b = s.index('\n     , ', a)
    lines = re.findall(r'^     "(.*)\\n"$', s[a:b], re.M)
    open(sys.argv[2] + '/pop.lua', 'w').write(
        '\n'.join(l.replace('\\"', '"').replace('\\\\', '\\')
                  for l in lines) + '\n')
    cmd = 'EVALSHA ' + re.search(r'[0-9a-f]{40}', s[b:])[0]
open(sys.argv[2] + '/cmd', 'w').write(cmd)
PY
if [ -f "$O/pop.lua" ]; then
    redis-cli -s "$O/sock" -x script load <"$O/pop.lua" >/dev/null
fi
CMD=$(cat "$O/cmd")
state=$(redis-cli -s "$O/sock" $CMD 1 'cf:{b}:stats' w 0 20 | head -n 1)
[ "$state" = running ] || { echo "redis_call_cost: pop says $state" >&2; exit 1; }
callgrind_control -z "$RP" >/dev/null 2>&1
redis-benchmark -s "$O/sock" -n "$N" -c 1 $CMD 1 'cf:{b}:stats' w 0 20 \
    >/dev/null
callgrind_control -d "$RP" >/dev/null 2>&1
f=$(ls -S "$O"/cg.out.* | head -n 1)
ir=$(callgrind_annotate "$f" 2>/dev/null |
    sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
echo "$CMD (pop, n = 0): $ir instructions for $N calls," \
    "$((ir / N)) per call"
