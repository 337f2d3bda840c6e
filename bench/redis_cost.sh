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
O=${CF_REDIS_COST_DIR:-/tmp/cf-redis-cost}
ME=redis_cost
. "$(dirname "$0")/redis_site.sh"
redis_site_start
redis_site_serve
REDIS_SITE_TIME=1 redis_site_crawl "$@"
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
