#!/bin/sh
# worker_cost.sh BUILD_DIR TOOL [DOC] [crawl flags...] - where one worker's
# CPU goes on a real crawl: the whole process (curl, libevent, hiredis,
# parse, encode), not only the parse stage. One crawl of a Debian
# documentation tree (S4's, default rust-doc) as bench/redis_cost.sh runs
# it (bench/redis_site.sh: private redis-server, nginx serving the tree in
# place), but with ONE worker, started under TOOL:
#
#   callgrind  valgrind --tool=callgrind: instructions per page (whole
#              process, start-up included); the profile stays in
#              $O/callgrind.worker for callgrind_annotate
#   strace     strace -f -c: system calls per page, by name
#   perf       perf stat: task-clock, context switches, user/sys per page
#   record     perf record (cpu-clock samples, no call graphs): where the
#              real CPU goes, e.g. libcrypto's SHA-1 runs on SHA-NI here
#              but not under valgrind; perf report -i $O/perf.worker
#   time       /usr/bin/time: user and sys per page, peak RSS
#
# With WORKER_COST_CRAWL=1 the `crawlfleet crawl` process itself (which
# drains the results stream into pages.jsonl) runs under TOOL as well
# (/usr/bin/time's figures for it include the worker's: it waits for
# it); with WORKER_COST_CRAWL=only, that process alone.
# Bound the crawl for the slow tools, e.g.
#   flock /work/bench.lock sh bench/worker_cost.sh build callgrind \
#       rust-doc --max-pages 3000
# (nginx binds the bench address: always under the bench lock). How it
# starts the worker under TOOL: `crawlfleet crawl` runs the
# crawlfleet-worker next to its own binary, so a copy of crawlfleet goes
# into $O/bin beside a crawlfleet-worker script that execs TOOL on the
# real one. Work files stay in ${CF_WORKER_COST_DIR:-/tmp/cf-worker-cost-TOOL}.
set -u
B=$(cd "${1:-build}" && pwd)
TOOL=${2:-callgrind}
DOC=${3:-rust-doc}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
O=${CF_WORKER_COST_DIR:-/tmp/cf-worker-cost-$TOOL}
ME=worker_cost
. "$(dirname "$0")/redis_site.sh"

# wrap NAME OUT: the command line that runs NAME's process under TOOL
wrap() {
    case "$TOOL" in
    callgrind) echo "valgrind --tool=callgrind -q --callgrind-out-file=$2" ;;
    strace) [ "$1" = worker ] && echo "strace -f ${STRACE_OPTS:--c} -o $2" ||
            echo "strace -c -o $2" ;; # its workers are traced already
    perf) echo "perf stat -x , -e task-clock,context-switches,user_time,system_time -o $2" ;;
    record) echo "perf record -q -F 4999 -e cpu-clock -o $2" ;;
    time) echo "/usr/bin/time -o $2 -f %U:%S:%M" ;;
    *) echo "$ME: unknown tool $TOOL (callgrind, strace, perf, record, time)" >&2
       exit 2 ;;
    esac
}
W=$(wrap worker "$O/out.worker") || exit 2
redis_site_start
mkdir -p "$O/bin"
cp "$B/crawlfleet" "$O/bin/crawlfleet"
[ "${WORKER_COST_CRAWL:-0}" = only ] && W=
printf '#!/bin/sh\nexec %s %s "$@"\n' "$W" "$B/crawlfleet-worker" \
    >"$O/bin/crawlfleet-worker"
chmod +x "$O/bin/crawlfleet-worker"
redis_site_serve
C=
[ "${WORKER_COST_CRAWL:-0}" != 0 ] && C=$(wrap crawl "$O/out.crawl")
set -- crawl "$START" --name bench --redis "unix://$O/redis/sock" \
    --state-dir "$O/state" --scope "hosts:$HOSTS" --allow-private \
    --no-obey-robots --workers 1 --concurrency 32 \
    --per-host-concurrency 32 -q -o "$O/pages.jsonl" "$@"
$C "$O/bin/crawlfleet" "$@" 2>"$O/crawl.err"
rc=$?
[ $rc -eq 0 ] || { tail -n 5 "$O/crawl.err" >&2;
                   echo "$ME: crawl exited $rc" >&2; exit 1; }
N=$(wc -l <"$O/pages.jsonl")
for who in worker crawl; do
    f=$O/out.$who
    [ -f "$f" ] || continue
    echo "$who ($TOOL), $N pages:"
    case "$TOOL" in
    callgrind)
        ir=$(callgrind_annotate "$f" 2>/dev/null |
             sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
        echo "  $ir instructions, $((ir / N)) a page"
        cp "$f" "$O/callgrind.$who" ;;
    strace)
        python3 - "$f" "$N" <<'PY'
import sys
n = int(sys.argv[2])
rows = []
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) >= 5 and p[0][0].isdigit() and p[-1] != 'total':
        calls = int(p[3])
        rows.append((calls, p[-1]))
tot = sum(c for c, _ in rows)
print(f'  {tot} syscalls, {tot / n:.2f} a page')
for c, name in sorted(rows, reverse=True)[:14]:
    print(f'  {name:20s} {c:9d} {c / n:7.3f} a page')
PY
        ;;
    perf)
        awk -F, -v n="$N" 'NF > 2 && $1 ~ /^[0-9.]+$/ {
            printf "  %-18s %14s %10.4f a page\n", $3, $1, $1 / n }' "$f" ;;
    record)
        cp "$f" "$O/perf.$who"
        perf report -i "$f" --no-children --sort dso,sym 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -n 30 ;;
    time)
        awk -F: -v n="$N" '{ printf "  user %.2f s, sys %.2f s: " \
            "%.4f + %.4f ms a page, peak RSS %d MB\n", $1, $2, \
            $1 * 1000 / n, $2 * 1000 / n, $3 / 1024 }' "$f" ;;
    esac
done
