#!/bin/sh
# metric-names.sh OUT - write to OUT the name of every metric family the
# worker and the coordinator serve on /metrics (one per line, sorted),
# read from the real binaries: a private redis-server, a crawl seeded so
# that the per-crawl families appear, a worker and `crawlfleet run`.
# The dashboard and autoscaler checks compare what they name with this.
# Exits non-zero (and writes nothing) if a family list cannot be read.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
OUT=$1
wt_setup metric_names

started() { grep -q "$3" "$1" || ! kill -0 "$2" 2>/dev/null; }

# scrape NAME WHAT PATTERN CMD...: run CMD with a free metrics port
# (until it logs WHAT), save its /metrics to $T/NAME.prom once they
# contain PATTERN.
scrape() {
    _n=$1
    _what=$2
    _pat=$3
    shift 3
    for _try in 1 2 3 4 5; do
        _p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
        "$@" --metrics-port "$_p" 2>"$T/$_n.log" &
        _pid=$!
        W_PIDS="$W_PIDS $_pid"
        wait_for started "$T/$_n.log" "$_pid" "$_what"
        grep -q "$_what" "$T/$_n.log" && break
    done
    # the per-crawl families appear once the crawl has been read
    wait_for sh -c "curl -sf http://127.0.0.1:$_p/metrics >'$T/$_n.prom' &&
        grep -q '$_pat' '$T/$_n.prom'"
}

"$B/crawlfleet" seed --redis "$R" --crawl names --allow-private \
    http://127.0.0.1:1/ >/dev/null || exit 1
scrape worker 'metrics listening' crawlfleet_worker_pages_total \
    "$B/crawlfleet-worker" --redis "$R" --crawl names --concurrency 2 ||
    exit 1
scrape coord 'coordinator started' 'crawlfleet_crawl_hosts_ready{' \
    "$B/crawlfleet" run --redis "$R" --metrics-addr 127.0.0.1 || exit 1
# Families from # TYPE lines, and every sample's name (a histogram's
# _bucket, _sum and _count included).
cat "$T/worker.prom" "$T/coord.prom" |
    awk '$1 == "#" && $2 == "TYPE" { print $3; next }
         $1 !~ /^#/ && NF { sub(/\{.*/, "", $1); print $1 }' |
    sort -u >"$T/names"
[ -s "$T/names" ] || exit 1
mv "$T/names" "$OUT"
