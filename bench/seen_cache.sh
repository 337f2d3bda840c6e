#!/bin/sh
# seen_cache.sh [BUILD] - Redis CPU per page with and without the worker's
# dedup cache (--seen-cache): the cf-fixture site (8 hosts x 2000 pages,
# scope host) crawled by 2 workers, once per setting, each on a fresh
# redis-server. Prints redis-server CPU (INFO cpu, user + sys) per page
# and links sent to Redis per page.
set -u
B=${1:-build}
. "$(dirname "$0")/../tests/lib/redis.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-bseen.XXXXXX")
FX=

cleanup() {
    [ -n "$FX" ] && kill "$FX" 2>/dev/null
    redis_stop
    rm -rf "$T"
}
trap cleanup EXIT

"$B/cf-fixture" --manifest "$T/man" --hosts 8 --pages 2000 --scope host \
    >"$T/fx.ready" 2>"$T/fx.err" &
FX=$!
wait_for grep -q '^ready' "$T/fx.ready" || exit 1

cpu() {
    redis-cli -s "$REDIS_SOCK" info cpu | tr -d '\r' |
        awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { s += $2 }
                 END { printf "%.3f\n", s }'
}
stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{b}:stats" "$1"; }
is_done() { [ "$(stat state)" = done ]; }

run() {
    _cache=$1
    redis_start || exit 1
    "$B/crawlfleet" seed --redis "$REDIS_URL" --crawl b --allow-private \
        --per-host-concurrency 4 $(awk '$1 == "seed" { print $2 }' \
        "$T/man") >/dev/null
    c0=$(cpu)
    t0=$(date +%s%N)
    for i in 1 2; do
        "$B/crawlfleet-worker" --redis "$REDIS_URL" --crawl b \
            --exit-when-done --seen-cache "$_cache" --log-level warn &
        eval "w$i=\$!"
    done
    wait "$w1" "$w2"
    t1=$(date +%s%N)
    c1=$(cpu)
    pages=$(stat done)
    found=$(stat links_found)
    dups=$(stat dup_links)
    disc=$(stat discovered)
    # links sent = reached Redis: new (discovered minus seeds) + dup_links
    seeds=$(stat seeded)
    sent=$((disc - seeds + dups))
    echo "seen-cache=$_cache pages=$pages wall_ms=$(((t1 - t0) / 1000000))" \
        "redis_cpu_s=$(echo "$c1 - $c0" | bc)" \
        "redis_cpu_us_per_page=$(echo "($c1 - $c0) * 1000000 / $pages" | bc)" \
        "links_found_per_page=$(echo "scale=2; $found / $pages" | bc)" \
        "links_sent_per_page=$(echo "scale=2; $sent / $pages" | bc)" \
        "dup_links=$dups"
    redis_stop
}

for rep in 1 2; do
    run 0
    run 1048576
done
