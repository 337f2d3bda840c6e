# redis_site.sh - sourced by bench/redis_cost.sh and bench/redis_capture.sh:
# S4's crawl of one Debian documentation tree against a private
# redis-server with the embedded server's settings (coordinator/proc.c).
# The caller sets B (build dir), DOC, O (work dir) and ME (its name for
# messages), then calls redis_site_start and redis_site_crawl [flags...];
# PIDS_TOO may name more of its processes to stop on exit.
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CF_BENCH_SHARED:-$TOP/../shared/bench}
SITE=/tmp/cf-bench-real-$DOC
PIDS_TOO=
[ -f "$SITE/manifest.json" ] || {
    echo "$ME: no $SITE/manifest.json (run bench/run.sh s4 once)" >&2
    exit 2
}
START=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["start_url"])' "$SITE/manifest.json")
HOSTS=$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["hosts"]))' "$SITE/manifest.json")

# A fresh $O, redis-server on $O/redis/sock (pid RP) and the site served.
redis_site_start() {
    rm -rf "$O"
    mkdir -p "$O/redis"
    redis-server --port 0 --unixsocket "$O/redis/sock" --unixsocketperm 700 \
        --dir "$O/redis" --appendonly yes --appendfsync everysec --save '' \
        --daemonize no --logfile "$O/redis/log" --latency-tracking no \
        --zset-max-listpack-entries 16 --hash-max-listpack-entries 16 &
    RP=$!
    trap 'kill "$RP" $PIDS_TOO 2>/dev/null; "$SHARED/serve.sh" stop "$SITE" >/dev/null 2>&1' EXIT
    n=0
    until redis-cli -s "$O/redis/sock" ping >/dev/null 2>&1; do
        n=$((n + 1))
        [ $n -lt 200 ] || { echo "$ME: redis-server did not start" >&2; exit 1; }
        sleep 0.05
    done
}

redis_site_serve() {
    "$SHARED/serve.sh" start "$SITE" >/dev/null || exit 1
}

# bench/run.sh's crawlfleet command for S4, against that server; output
# in $O/pages.jsonl, stderr in $O/crawl.err. With REDIS_SITE_TIME set,
# /usr/bin/time's line for the crawl (workers included) comes first on
# stdout.
redis_site_crawl() {
    set -- crawl "$START" --name bench --redis "unix://$O/redis/sock" \
        --state-dir "$O/state" --scope "hosts:$HOSTS" --allow-private \
        --no-obey-robots --workers 2 --concurrency 32 \
        --per-host-concurrency 32 -q -o "$O/pages.jsonl" "$@"
    if [ -n "${REDIS_SITE_TIME:-}" ]; then
        /usr/bin/time -o "$O/time.txt" \
            -f "%e s wall, %U s user, %S s sys (crawl and workers)" \
            "$B/crawlfleet" "$@" 2>"$O/crawl.err"
        rc=$?
        cat "$O/time.txt"
    else
        "$B/crawlfleet" "$@" 2>"$O/crawl.err"
        rc=$?
    fi
    return $rc
}
