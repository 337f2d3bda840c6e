#!/bin/sh
# worker_crawl.sh - crawlfleet-worker against a real redis-server and the
# cf-fixture site: ground truth, politeness across two workers, kill -9,
# SIGTERM, Redis connections killed, hostile endpoints, SSRF guard.
# Needs $B/crawlfleet (seed, export), $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_crawl

# fx_start NAME ARGS...: run a fixture; sets FX_PORTS (space separated),
# FX_MAN (manifest), FX_LOG (request log).
fx_start() {
    _n=$1
    shift
    FX_MAN=$T/$_n.manifest
    FX_LOG=$T/$_n.log
    "$B/cf-fixture" --manifest "$FX_MAN" --log "$FX_LOG" "$@" \
        >"$T/$_n.ready" 2>"$T/$_n.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$_n.ready" || {
        cat "$T/$_n.err" >&2
        return 1
    }
    FX_PORTS=$(sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/$_n.ready" |
        tr ',' ' ')
}

seeds() { awk '$1 == "seed" { print $2 }' "$FX_MAN"; }

count_results() {
    redis-cli -s "$REDIS_SOCK" xlen "cf:{$1}:results"
}

stat() {
    redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"
}

at_least() { [ "$(count_results "$1")" -ge "$2" ]; }

worker() {
    "$B/crawlfleet-worker" --redis "$R" "$@" 2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    LAST_W=$!
}

no_duplicates() {
    results "$1" | awk '{ print $1 }' | uniq -d >"$T/dups"
    [ ! -s "$T/dups" ]
}

# ---- 1. a crawl of the fixture site yields exactly the ground truth ------
fx_start site --hosts 3 --pages 30 --scope host --robots allow,disallow,404 ||
    t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl site --allow-private $(seeds) \
    >/dev/null
t0=$(date +%s%N)
worker --crawl site --exit-when-done
wait_exit "$LAST_W" 60
t_check "worker exits 0 when the crawl is done" [ $? -eq 0 ]
t1=$(date +%s%N)
n=$(count_results site)
echo "# site crawl: $n results in $(((t1 - t0) / 1000000)) ms"
t_check "results equal the ground truth" same_as_truth site "$FX_MAN"
t_check "each URL has one result" no_duplicates site
t_check "stats say done" [ "$(stat site state)" = done ]
t_check "nothing in flight" [ "$(stat site inflight)" = 0 ]

# ---- 2. politeness across two workers ------------------------------------
fx_start polite --hosts 2 --pages 8 --scope host || t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl polite --allow-private \
    --delay 200ms $(seeds) >/dev/null
worker --crawl polite --exit-when-done --concurrency 8
a=$LAST_W
worker --crawl polite --exit-when-done --concurrency 8
b=$LAST_W
wait_exit "$a" 60
ra=$?
wait_exit "$b" 60
rb=$?
t_check "both workers exit 0" [ "$ra" -eq 0 -a "$rb" -eq 0 ]
t_check "polite crawl equals the ground truth" same_as_truth polite "$FX_MAN"
# min_gap [UNITS_PER_MS]: the smallest gap between two fetch starts on
# one host, in whole ms, from lines "host time" (any order; time in ms,
# or in 1/UNITS_PER_MS ms); -1 with fewer than two on every host.
min_gap() {
    sort -k1,1 -k2,2n | awk -v u="${1:-1}" '
        p == $1 { g = ($2 - t) / u; if (m == "" || g < m) m = g }
        { p = $1; t = $2 } END { print m == "" ? -1 : int(m) }'
}
# Politeness is decided where fetches start: the frontier leases a
# host's next request no sooner than the last one's start (the worker's
# clock, after the connection: started_ms + connect) plus the delay, and
# a fetch starts after its lease. So the results' started_ms (the
# workers' clocks, one machine) are 200 ms apart however loaded the
# machine is; the fixture's arrival times are not (a request can be
# delayed on its way, and the next one not), so they are only shown.
# Without politeness the gaps are near 0.
gap=$("$B/crawlfleet" export polite --redis "$R" 2>/dev/null |
    sed -n 's|^{"url":"\(http://[^/]*\)/[^"]*".*"started_ms":\([0-9]*\).*|\1 \2|p' |
    min_gap)
fx_gap=$(awk '$4 != "/robots.txt" { print $2, $1 }' "$FX_LOG" | min_gap 1000)
echo "# smallest gap between fetch starts on one host: $gap ms" \
    "(arrivals at the fixture: $fx_gap ms)"
t_check "fetch starts on one host at least 200 ms apart ($gap ms)" \
    [ "$gap" -ge 200 ]
t_check "both workers fetched" [ "$(grep -c . "$FX_LOG")" -gt 0 ]

# ---- 3. kill -9 mid-crawl, another worker finishes -----------------------
fx_start kill --hosts 2 --pages 40 --scope host --delay-ms 20 ||
    t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl kill --allow-private \
    --timeout 1500ms --lease 2s $(seeds) >/dev/null
worker --crawl kill --concurrency 8
a=$LAST_W
wait_for at_least kill 10
kill -9 "$a"
wait "$a" 2>/dev/null
k=$(count_results kill)
worker --crawl kill --exit-when-done
wait_exit "$LAST_W" 60
t_check "second worker finishes after a kill -9 (at $k results)" [ $? -eq 0 ]
t_check "killed crawl equals the ground truth" same_as_truth kill "$FX_MAN"
t_check "killed crawl: each URL once" no_duplicates kill

# ---- 4. SIGTERM: finish in-flight work, exit 0, lose nothing -------------
fx_start term --hosts 2 --pages 40 --scope host --delay-ms 100 ||
    t_fail "fixture starts"
"$B/crawlfleet" seed --redis "$R" --crawl term --allow-private $(seeds) \
    >/dev/null
worker --crawl term --concurrency 16 --id hb-term
a=$LAST_W
wait_for at_least term 5
hb_ttl() { redis-cli -s "$REDIS_SOCK" pttl cf:worker:hb-term; }
wait_for sh -c "[ \$(redis-cli -s '$REDIS_SOCK' exists cf:worker:hb-term) = 1 ]"
t_check "heartbeat key carries a TTL" [ "$(hb_ttl)" -gt 0 ]
kill -TERM "$a"
wait_exit "$a" 30
t_check "SIGTERM: exit 0" [ $? -eq 0 ]
t_check "SIGTERM: no lease left in flight" [ "$(stat term inflight)" = 0 ]
t_check "SIGTERM: heartbeat key gone" [ "$(hb_ttl)" = -2 ]
worker --crawl term --exit-when-done
wait_exit "$LAST_W" 60
t_check "crawl finished after SIGTERM equals the ground truth" \
    same_as_truth term "$FX_MAN"

# ---- 5. Redis connections killed mid-crawl -------------------------------
fx_start rkill --hosts 2 --pages 40 --scope host --delay-ms 10 ||
    t_fail "fixture starts"
# A pop whose reply dies with its connection leaves leases no worker
# holds: short leases let the frontier re-queue them within the test.
"$B/crawlfleet" seed --redis "$R" --crawl rkill --allow-private \
    --timeout 2s --lease-ms 3s $(seeds) >/dev/null
worker --crawl rkill --exit-when-done --concurrency 4
a=$LAST_W
for i in 1 2 3; do
    wait_for at_least rkill $((i * 10))
    redis-cli -s "$REDIS_SOCK" client kill type normal skipme yes >/dev/null
done
wait_exit "$a" 60
t_check "worker survives dropped Redis connections" [ $? -eq 0 ]
t_check "crawl after dropped connections equals the ground truth" \
    same_as_truth rkill "$FX_MAN"
t_check "worker logged the reconnects" \
    grep -q 'redis unavailable, retrying' "$T/worker.log"

# ---- 6. hostile endpoints: each ends as a typed result -------------------
fx_start hostile --hosts 1 --pages 2 || t_fail "fixture starts"
h=http://127.0.0.1:$(echo $FX_PORTS | awk '{print $1}')
cat >"$T/hostile.want" <<W
$h/t/404 http
$h/t/empty ok
$h/t/gzip-bomb/64 too_large
$h/t/huge-chunked/8 too_large
$h/t/huge/8 too_large
$h/t/jpeg ok
$h/t/malformed ok
$h/t/no-type ok
$h/t/pdf ok
$h/t/redirect-file redirect
$h/t/redirect-ftp redirect
$h/t/redirect-loop/a ok
$h/t/redirect-loop/b ok
$h/t/redirect/2 ok
$h/t/redirect/1 ok
$h/t/redirect/0 ok
$h/t/flaky/1/x ok
W
sort -o "$T/hostile.want" "$T/hostile.want"
# transient failures: retried, then dead letters (their last result, marked
# dead, is their one result)
transient="$h/t/500 $h/t/503 $h/t/hang $h/t/slow $h/t/stall"
"$B/crawlfleet" seed --redis "$R" --crawl hostile --allow-private \
    --max-depth 3 --max-links 10 --timeout 2s --lease 4s --max-body 1MiB \
    --low-speed-bps 1000 --low-speed 1s --max-attempts 2 --backoff 100ms \
    --breaker-failures 0 $transient $(awk '{ print $1 }' "$T/hostile.want" |
    grep -v -e '/redirect/[01]$' -e 'loop/b') >/dev/null
# The worker stays up after the crawl is done, so that its peak resident
# size (VmHWM, the kernel's high-water mark) is read once, at the end.
worker --crawl hostile
hw=$LAST_W
hostile_done() { [ "$(stat hostile state)" = done ]; }
WAIT_TIMEOUT=90 wait_for hostile_done
t_check "hostile crawl is done" hostile_done
peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$hw/status" 2>/dev/null)
t_check "the worker's peak RSS is read (VmHWM)" [ -n "$peak" ]
peak=${peak:-0}
kill -TERM "$hw"
wait_exit "$hw" 30
t_check "hostile crawl: worker exits 0" [ $? -eq 0 ]
results hostile >"$T/hostile.all"
# pages linked from /t/malformed also appear; compare the seeded ones
awk 'NR == FNR { want[$1] = 1; next } $1 in want' "$T/hostile.want" \
    "$T/hostile.all" >"$T/hostile.got"
t_check "every hostile result has a known type" \
    sh -c "! awk '{ print \$2 }' '$T/hostile.all' | grep -v -x -e ok \
        -e http -e too_large -e not_html -e redirect -e timeout -e parse"
t_check "hostile endpoints end as the expected typed results" \
    cmp -s "$T/hostile.want" "$T/hostile.got"
cmp -s "$T/hostile.want" "$T/hostile.got" ||
    diff "$T/hostile.want" "$T/hostile.got" >&2
echo "# hostile crawl: peak RSS $peak KiB"
t_check "RSS stays under 100 MiB on hostile pages" \
    [ "$peak" -gt 0 -a "$peak" -lt 102400 ]
t_check "the 5 transient endpoints went dead after their attempts" \
    [ "$(stat hostile dead)" -eq 5 ]
t_check "...after 2 attempts each" [ "$(stat hostile retries)" -ge 5 ]
ndead=$("$B/crawlfleet" export hostile --redis "$R" 2>/dev/null |
    grep -c '"dead":true')
t_check "...each with one final result marked dead ($ndead)" [ "$ndead" -eq 5 ]
nct=$("$B/crawlfleet" export hostile --redis "$R" 2>/dev/null | grep -c \
    -e '"url":"[^"]*/t/pdf".*"content_type":"application/pdf"')
t_check "a PDF is an ok result with its content type ($nct)" [ "$nct" -eq 1 ]
ntl=$("$B/crawlfleet" export hostile --redis "$R" 2>/dev/null | grep -c \
    -e '"error_type":"too_large","error":"body over 1048576 bytes"')
t_check "too_large says the cap: 'body over 1048576 bytes' ($ntl of 3)" \
    [ "$ntl" -eq 3 ]

# ---- 7. SSRF guard: loopback refused without allow_private ---------------
"$B/crawlfleet" seed --redis "$R" --crawl ssrf --obey-robots=0 \
    "$h/t/ssrf-target" >/dev/null
worker --crawl ssrf --exit-when-done
wait_exit "$LAST_W" 30
t_check "ssrf crawl: worker exits 0" [ $? -eq 0 ]
t_check "loopback target ends as blocked" \
    [ "$(results ssrf)" = "$h/t/ssrf-target blocked" ]
t_check "the fixture never saw the blocked request" \
    sh -c "! grep -q ssrf-target '$FX_LOG'"

# ---- 8. a slow answer holds back no other request to its host ------------
# The slow request's connection is open and unanswered when the second
# request to the same host starts: it must take a connection of its own
# at once, not wait to learn whether the first could be shared.
"$B/crawlfleet" seed --redis "$R" --crawl share --allow-private \
    --obey-robots=0 --per-host-concurrency 2 --delay 0 "$h/t/delay/3000" \
    >/dev/null
worker --crawl share --exit-when-done --concurrency 4
wait_for sh -c "[ \"\$(redis-cli -s '$REDIS_SOCK' hget 'cf:{share}:stats' \
    inflight)\" = 1 ]"
"$B/crawlfleet" seed --redis "$R" --crawl share "$h/t/delay/20" >/dev/null
wait_exit "$LAST_W" 30
t_check "share crawl: worker exits 0" [ $? -eq 0 ]
done_ms() {
    "$B/crawlfleet" export share --redis "$R" 2>/dev/null |
        sed -n "s|^{\"url\":\"$h/t/delay/$1\".*\"done_ms\":\([0-9]*\).*|\1|p"
}
fast=$(done_ms 20)
slow=$(done_ms 3000)
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
t_check "the second request ended before the slow one ($fast < $slow)" \
    before "$fast" "$slow"

# ---- 9. descriptors: the soft limit is raised to fit the connections ------
# 1,000 transfers keep up to 4,000 connections: a soft limit of 256 is
# raised (the hard one allows it); with the hard limit at 256 too, the
# worker says the limit is below --concurrency.
soft_files() { awk '/^Max open files/ { print $4 }' "/proc/$1/limits"; }
# The worker logs "worker starting" once the limit is set and its signal
# handlers are in place: that is what is waited for. /proc/$p before it
# may still be the shell that runs ulimit (with the limit it inherited:
# a raise seen at once), and a SIGTERM there went to the shell's trap
# and the worker started after it, never to exit.
starting() { grep -q "pid=$1 .*msg=\"worker starting\"" "$T/fds.log"; }
(ulimit -Sn 256 && exec "$B/crawlfleet-worker" --redis "$R" --crawl fds \
    --concurrency 1000 2>>"$T/fds.log") &
p=$!
wait_for starting "$p"
waited=$?
got=$(soft_files "$p")
kill "$p"
wait_exit "$p" 10
t_check "a worker draining with a crawl not yet seeded exits on SIGTERM" \
    [ $? -ne 124 ]
t_check "soft descriptor limit raised from 256 (to $got)" [ "$got" -ge 4064 ]
[ "$waited" -eq 0 ] || echo "# no start seen in ${WAIT_TIMEOUT:-30} s;" \
    "the worker's log: $(tail -n 5 "$T/fds.log" 2>/dev/null | tr '\n' ' ')"
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 256 ]; then
    (ulimit -n 256 && exec "$B/crawlfleet-worker" --redis "$R" \
        --crawl fds --concurrency 1000 2>>"$T/fds.log") &
    p=$!
    wait_for starting "$p"
    t_check "a hard limit below --concurrency is logged" \
        grep -q "pid=$p .*descriptor limit below --concurrency.*limit=256" \
        "$T/fds.log"
    kill "$p"
    wait_exit "$p" 10
fi

# ---- 9b. SIGTERM while a command waits on Redis ---------------------------
# A crawl not yet seeded has its config asked for on every tick; the exit
# check must still find the link idle once Redis answers (it ran after
# that tick's request and never did: the worker stayed up its whole grace
# period). CLIENT PAUSE holds the requests; SIGTERM comes while the
# worker's metrics say one is pending; the pause ends after 2 s.
pending() {
    curl -s --max-time 5 "http://127.0.0.1:$1/metrics" |
        awk '$1 == "crawlfleet_worker_redis_pending" && $2 > 0 { ok = 1 }
             END { exit !ok }'
}
metrics_up() { grep -q "pid=$1 .*msg=\"metrics listening\"" "$T/term.log"; }
for try in 1 2 3 4 5; do
    mp=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
    "$B/crawlfleet-worker" --redis "$R" --crawl unseeded --metrics-port "$mp" \
        2>>"$T/term.log" &
    p=$!
    wait_for sh -c "grep -q 'pid=$p .*msg=\"metrics listening\"' '$T/term.log' ||
        ! kill -0 $p 2>/dev/null"
    metrics_up "$p" && break
    wait "$p" 2>/dev/null
done
W_PIDS="$W_PIDS $p"
redis-cli -s "$REDIS_SOCK" client pause 2000 all >/dev/null
wait_for pending "$mp"
t_check "a config request waits on the paused Redis" [ $? -eq 0 ]
kill "$p"
wait_exit "$p" 10
t_check "SIGTERM with a request pending: exit 0 once Redis answers" \
    [ $? -eq 0 ]

# ---- 10. flags -------------------------------------------------------------
"$B/crawlfleet-worker" --concurrency x >/dev/null 2>"$T/err"
t_check "bad flag: exit 2" [ $? -eq 2 ]
t_check "bad flag: one line" [ "$(wc -l <"$T/err")" -eq 1 ]
"$B/crawlfleet-worker" --help >/dev/null
t_check "--help exits 0" [ $? -eq 0 ]

t_summary worker_crawl
