#!/bin/sh
# fixed.sh SITE_DIR RUNS BUILD_DIR... - the fixed costs of `crawlfleet
# crawl`, outside fetching pages: from the command's start (its execve)
# to the first request in nginx's access log, and from the last request
# to the command's exit. SITE_DIR is a bench site (gensite.py or
# realsite.py) served by ../shared/bench/serve.sh, started by the caller
# (BENCH_NGINX_STATE as given to serve.sh). Each build runs the S4
# command (2 workers, 32 transfers each, 32 per host) RUNS times, the
# builds taking turns, and gets its medians. strace --seccomp-bpf stops
# the processes only at execve and exit_group, so they run at full speed
# otherwise; nginx's log times are milliseconds (bench/README.md).
set -eu
[ $# -ge 3 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
SITE=$(cd "$1" && pwd)
RUNS=$2
shift 2
n=$#
for b; do
    set -- "$@" "$(cd "$b" && pwd)"
done
shift "$n"
SHARED=${CF_BENCH_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench}
command -v strace >/dev/null || { echo "fixed.sh: needs strace" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/cf-fixed.XXXXXX")
trap 'rm -rf "$W"' EXIT
eval "$(python3 - "$SITE/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("START=%s HOSTS=%s" % (m["start_url"], ",".join(m["hosts"])))
PY
)"
for i in $(seq "$RUNS"); do
    n=0
    for b in "$@"; do
        n=$((n + 1))
        rm -rf "$W/run"
        mkdir "$W/run"
        bash "$SHARED/serve.sh" rotate "$SITE" "$W/run/before.log" >/dev/null
        (cd "$W/run" && strace --seccomp-bpf -f -ttt \
            -e trace=execve,exit_group -o "$W/run/trace" \
            "$b/crawlfleet" crawl "$START" --name fixed --fresh \
            --state-dir "$W/run/state" --scope "hosts:$HOSTS" \
            --allow-private --no-obey-robots --workers 2 --concurrency 32 \
            --per-host-concurrency 32 -o "$W/run/pages.jsonl" -q)
        bash "$SHARED/serve.sh" rotate "$SITE" "$W/run/access.log" >/dev/null
        python3 - "$W/run" "$n" >>"$W/rows" <<'PY'
import json, sys
d, n = sys.argv[1], sys.argv[2]
ts = [float(json.loads(l)["t"]) for l in open(d + "/access.log")]
tr = open(d + "/trace").read().splitlines()
pid, t0 = tr[0].split()[0], float(tr[0].split()[1])
end = [float(l.split()[1]) for l in tr
       if l.startswith(pid + " ") and "exited with" in l][0]
print(n, (min(ts) - t0) * 1000, (end - max(ts)) * 1000, len(ts))
PY
    done
done
python3 - "$W/rows" "$@" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for n, b in enumerate(sys.argv[2:], 1):
    r = [x for x in rows if x[0] == str(n)]
    s = sorted(float(x[1]) for x in r)
    e = sorted(float(x[2]) for x in r)
    print("%s: %d runs, start to first request %.0f ms median (%.0f-%.0f), "
          "last request to exit %.0f ms median (%.0f-%.0f), %s requests"
          % (b, len(r), statistics.median(s), s[0], s[-1],
             statistics.median(e), e[0], e[-1], r[-1][3]))
PY
