#!/bin/sh
# worker_robots_redirects.sh - robots.txt behind redirects (RFC 9309
# 2.3.1.2): five are followed and the rules at the end apply; more than
# five make robots.txt unavailable, as a 4xx: everything is allowed, the
# host crawled at once (not retried as unreachable and given up). Two
# fixture hosts, robots modes hops5 and hops6; the crawl must equal the
# fixture's ground truth, and the request log shows where curl stopped.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_robots_redirects

"$B/cf-fixture" --hosts 2 --pages 20 --scope host --robots hops5,hops6 \
    --manifest "$T/man" --log "$T/fx.log" >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
set -- $(sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/fx.ready" | tr ',' ' ')
P5=${1:-0}
P6=${2:-0}

t_check "the ground truth denies /private/ on hops5 only" sh -c \
    "grep -q '^denied http://127.0.0.1:$P5/private/' '$T/man' &&
     ! grep -q '^denied http://127.0.0.1:$P6/' '$T/man'"
"$B/crawlfleet" seed --redis "$R" --crawl rr --allow-private --scope host \
    --max-attempts 2 --robots-retry 100ms \
    $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null 2>&1 ||
    t_fail "seed rr"
"$B/crawlfleet-worker" --redis "$R" --crawl rr --exit-when-done \
    2>"$T/worker.log" &
W_PIDS=$!
wait_exit "$W_PIDS" 60
t_check "worker exits 0" [ $? -eq 0 ]
t_check "the crawl equals the ground truth" same_as_truth rr "$T/man"

# hops: the robots.txt requests on a port, in order
hops() { awk -v p="$1" '$2 == p && ($4 == "/robots.txt" ||
    $4 ~ /^\/robots-hop\//) { printf "%s ", $4 }' "$T/fx.log"; }
echo "# hops5: $(hops "$P5")"
echo "# hops6: $(hops "$P6")"
t_check "hops5: robots.txt fetched once through its 5 redirects" \
    [ "$(hops "$P5")" = "/robots.txt /robots-hop/4 /robots-hop/3 \
/robots-hop/2 /robots-hop/1 /robots-hop/0 " ]
t_check "hops6: curl stops after 5 redirects, once, not retried" \
    [ "$(hops "$P6")" = "/robots.txt /robots-hop/5 /robots-hop/4 \
/robots-hop/3 /robots-hop/2 /robots-hop/1 " ]
t_check "hops6: its /private/ pages fetched (allowed)" \
    grep -q " $P6 GET /private/[0-9]*.html 200" "$T/fx.log"
t_check "no result is robots_unreachable" \
    sh -c "! grep -q robots_unreachable '$T/got.rr'"

t_summary worker_robots_redirects
