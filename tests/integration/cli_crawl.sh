#!/bin/sh
# cli_crawl.sh - crawlfleet end to end against the cf-fixture site:
#   1. `crawlfleet crawl` with the embedded Redis gives exactly the ground
#      truth as JSON Lines;
#   2. `seed` + two `crawlfleet-worker` processes + `export` (and a
#      concurrent `export --follow` and `run` daemon) give it too, and
#      `status --json` adds up at every sample during the crawl;
#   3. Ctrl-C (SIGINT) then `--resume` finishes with nothing lost or
#      repeated;
#   4. a URL that fails for good is in the output once, marked dead; a
#      crawl with no successful page exits 3 and names the cause.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
W=$B/crawlfleet-worker
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-crawl.XXXXXX")
PIDS=""

cleanup() {
    for p in $PIDS; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $PIDS; do
        wait "$p" 2>/dev/null
    done
    redis_stop
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$W" "$FX"; do
    if [ ! -x "$bin" ]; then
        t_fail "$bin is not built"
        t_summary cli_crawl
        exit 1
    fi
done
command -v jq >/dev/null || {
    t_fail "jq is installed (tools/deps.sh installs it)"
    t_summary cli_crawl
    exit 1
}

# fixture NAME ARGS...: start cf-fixture, wait for its ready line; sets
# FXPID and SEED (host 0's root).
fixture() {
    _n=$1
    shift
    "$FX" "$@" >"$T/$_n.ready" 2>"$T/$_n.err" &
    FXPID=$!
    PIDS="$PIDS $FXPID"
    wait_for grep -q '^ready ' "$T/$_n.ready" || return 1
    _port=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/$_n.ready")
    SEED=http://127.0.0.1:$_port/
}

# truth MANIFEST OUT DESC: OUT (JSON Lines) holds each URL once; its 200
# ok results are exactly the manifest's pages, its 404s exactly the broken
# links, and anything else a robots-denied URL.
truth() {
    _m=$1
    _o=$2
    _d=$3
    awk '$1 == "page" { print $2 }' "$_m" | sort >"$T/want.pages"
    awk '$1 == "broken" { print $2 }' "$_m" | sort >"$T/want.broken"
    awk '$1 == "denied" { print $2 }' "$_m" | sort >"$T/want.denied"
    if ! jq -r .url "$_o" >"$T/got.all" 2>"$T/jq.err"; then
        t_fail "$_d: output is not JSON Lines: $(head -c 200 "$T/jq.err")"
        return
    fi
    sort "$T/got.all" | uniq -d >"$T/got.dups"
    jq -r 'select(.status == 200 and .error_type == "ok") | .url' "$_o" |
        sort >"$T/got.pages"
    jq -r 'select(.status == 404) | .url' "$_o" | sort >"$T/got.broken"
    jq -r 'select(.status != 200 and .status != 404) | .url' "$_o" |
        sort >"$T/got.other"
    if [ -s "$T/got.dups" ]; then
        t_fail "$_d: URLs repeated: $(head -n 3 "$T/got.dups" | tr '\n' ' ')"
    else
        t_ok "$_d: every URL once ($(wc -l <"$T/got.all") results)"
    fi
    if cmp -s "$T/want.pages" "$T/got.pages"; then
        t_ok "$_d: pages = ground truth ($(wc -l <"$T/want.pages"))"
    else
        t_fail "$_d: pages differ: $(diff "$T/want.pages" "$T/got.pages" |
            head -n 6 | tr '\n' ' ')"
    fi
    if cmp -s "$T/want.broken" "$T/got.broken"; then
        t_ok "$_d: broken links = ground truth ($(wc -l <"$T/want.broken"))"
    else
        t_fail "$_d: broken links differ: $(diff "$T/want.broken" \
            "$T/got.broken" | head -n 6 | tr '\n' ' ')"
    fi
    if [ -z "$(comm -23 "$T/got.other" "$T/want.denied")" ]; then
        t_ok "$_d: nothing else fetched"
    else
        t_fail "$_d: unexpected results: $(comm -23 "$T/got.other" \
            "$T/want.denied" | head -n 3 | tr '\n' ' ')"
    fi
}

SITE="--hosts 3 --pages 30 --seed 11 --scope any --robots allow,disallow,404"
CFG="--allow-private --scope any --timeout 5000 --lease 8000"

# -- 1. crawl with the embedded Redis
fixture f1 $SITE --manifest "$T/m1" || t_fail "fixture f1 did not start"
"$CF" crawl "$SEED" $CFG --workers 2 --state-dir "$T/s1" --keep-state \
    -o "$T/o1.jsonl" \
    >"$T/c1.out" 2>"$T/c1.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$T/o1.jsonl" ] && [ ! -e "$T/o1.jsonl.tmp" ]; then
    t_ok "crawl exits 0, FILE written and renamed"
else
    t_fail "crawl exit $rc: $(tail -n 3 "$T/c1.err")"
fi
[ -s "$T/o1.jsonl" ] && truth "$T/m1" "$T/o1.jsonl" "crawl"
if pgrep -f "$T/s1/redis.sock" >/dev/null; then
    t_fail "embedded redis-server still running after crawl"
else
    t_ok "embedded redis-server stopped"
fi
t_check "state dir kept the AOF" test -d "$T/s1/appendonlydir"
"$CF" crawl "$SEED" $CFG --state-dir "$T/s1" -o "$T/o1b.jsonl" \
    >"$T/c1b.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q -- "--resume" "$T/c1b.out"; then
    t_ok "second crawl without --resume refused, names --resume"
else
    t_fail "second crawl: exit $rc: $(cat "$T/c1b.out")"
fi
"$CF" crawl "$SEED" $CFG --state-dir "$T/s1" --resume -o "$T/o1c.jsonl" \
    >"$T/c1c.out" 2>&1
rc=$?
# its results left Redis as crawl wrote them to o1.jsonl: none again
if [ $rc -eq 0 ] && [ ! -s "$T/o1c.jsonl" ]; then
    t_ok "--resume of a done crawl writes no result again"
else
    t_fail "--resume of a done crawl: exit $rc: $(tail -n 2 "$T/c1c.out")"
fi
kill -TERM "$FXPID" 2>/dev/null

# -- 2. seed + two workers + export, status adds up, run daemon
redis_start || t_fail "redis_start"
trap cleanup EXIT # redis_start set its own
R=$REDIS_URL
fixture f2 $SITE --manifest "$T/m2" --delay-ms 5 ||
    t_fail "fixture f2 did not start"
out=$("$CF" seed --redis "$R" --crawl t2 $CFG "$SEED" 2>&1)
if [ "$out" = "1 new, 0 duplicate, 0 rejected" ]; then
    t_ok "seed: $out"
else
    t_fail "seed: $out"
fi
# a metrics port below the ephemeral range (a port in it may be taken by
# some connection's local end), another one if that port is taken
for _try in 1 2 3 4 5; do
    MPORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
    "$CF" run --redis "$R" --metrics-port "$MPORT" --metrics-addr 127.0.0.1 \
        2>"$T/run.err" &
    RUNPID=$!
    wait_for sh -c "grep -q 'coordinator started' '$T/run.err' ||
        ! kill -0 $RUNPID 2>/dev/null"
    grep -q 'coordinator started' "$T/run.err" && break
    wait "$RUNPID" 2>/dev/null
done
PIDS="$PIDS $RUNPID"
"$CF" export --redis "$R" t2 --follow -o "$T/follow.jsonl" \
    2>"$T/follow.err" &
FOLPID=$!
PIDS="$PIDS $FOLPID"
"$W" --redis "$R" --crawl t2 --exit-when-done --concurrency 8 \
    2>"$T/w1.log" &
W1=$!
"$W" --redis "$R" --crawl t2 --exit-when-done --concurrency 8 \
    2>"$T/w2.log" &
W2=$!
PIDS="$PIDS $W1 $W2"
samples=0
bad=0
while kill -0 "$W1" 2>/dev/null || kill -0 "$W2" 2>/dev/null; do
    "$CF" status --redis "$R" t2 --json >"$T/st.json" 2>"$T/st.err" ||
        break
    samples=$((samples + 1))
    if ! jq -e '.queued + .inflight + .done + .dead == .discovered' \
        "$T/st.json" >/dev/null; then
        bad=$((bad + 1))
        cp "$T/st.json" "$T/st.bad"
    fi
done
if [ "$samples" -gt 0 ] && [ "$bad" -eq 0 ]; then
    t_ok "status --json adds up at all $samples samples"
else
    t_fail "status --json: $bad of $samples samples do not add up: \
$(cat "$T/st.bad" "$T/st.err" 2>/dev/null | head -c 300)"
fi
wait "$W1"
r1=$?
wait "$W2"
r2=$?
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then
    t_ok "both workers exit 0 when the crawl is done"
else
    t_fail "workers exited $r1 $r2: $(tail -n 2 "$T/w1.log" "$T/w2.log")"
fi
if WAIT_TIMEOUT=20 wait_for test -s "$T/follow.jsonl" &&
    WAIT_TIMEOUT=20 wait_for sh -c "! kill -0 $FOLPID 2>/dev/null"; then
    wait "$FOLPID"
    t_check "export --follow ends by itself (exit $?)" test $? -eq 0
    truth "$T/m2" "$T/follow.jsonl" "seed+workers+export --follow"
else
    t_fail "export --follow did not finish: $(cat "$T/follow.err")"
fi
# what it wrote has left Redis: the stream is trimmed to nothing
t_check "the results stream is drained ($(redis-cli -s "$REDIS_SOCK" \
    xlen 'cf:{t2}:results') left)" test "$(redis-cli -s "$REDIS_SOCK" \
    xlen 'cf:{t2}:results')" -eq 0
t_check "no checkpoint is left" test ! -e "$T/follow.jsonl.tmp.cursor"
"$CF" export --redis "$R" t2 -o "$T/o2.jsonl" 2>"$T/e2.err"
t_check "export of the drained stream exits 0" test $? -eq 0
"$CF" export --redis "$R" t2 --format csv >"$T/o2.csv" 2>/dev/null
t_check "csv export: a header" grep -q '^url,final_url,status,' "$T/o2.csv"
"$CF" status --redis "$R" t2 --json >"$T/st.json"
if jq -e '.state == "done" and .queued == 0 and .inflight == 0' \
    "$T/st.json" >/dev/null; then
    t_ok "status: done, nothing queued or in flight"
else
    t_fail "final status: $(head -c 300 "$T/st.json")"
fi
"$CF" status --redis "$R" t2 >"$T/st.txt"
t_check "status text shows the counters" grep -q "discovered" "$T/st.txt"
if wait_for sh -c "curl -sf http://127.0.0.1:$MPORT/metrics |
    grep -q 'crawlfleet_crawl_done{crawl=\"t2\"} [1-9]'"; then
    t_ok "run serves /metrics with the crawl's gauges"
else
    t_fail "/metrics: $(curl -s http://127.0.0.1:$MPORT/metrics | head -c 300)"
fi
t_check "run serves /healthz" curl -sf -o /dev/null \
    "http://127.0.0.1:$MPORT/healthz"
t_check "rate samples in cf:{t2}:rate" test \
    "$(redis-cli -s "$REDIS_SOCK" llen 'cf:{t2}:rate')" -ge 1
kill -TERM "$RUNPID"
wait "$RUNPID"
t_check "run stops with exit 0 on SIGTERM" test $? -eq 0
kill -TERM "$FXPID" 2>/dev/null

# -- 3. Ctrl-C, then --resume: nothing lost, nothing repeated
fixture f3 $SITE --manifest "$T/m3" --delay-ms 40 ||
    t_fail "fixture f3 did not start"
"$CF" crawl "$SEED" $CFG --workers 1 --concurrency 4 --state-dir "$T/s3" \
    -o "$T/o3.jsonl" >"$T/c3.out" 2>"$T/c3.err" &
CPID=$!
PIDS="$PIDS $CPID"
if wait_for sh -c "[ -f '$T/o3.jsonl.tmp' ] &&
    [ \$(wc -l <'$T/o3.jsonl.tmp') -ge 10 ]"; then
    kill -INT "$CPID"
    wait "$CPID"
    rc=$?
    if [ $rc -eq 130 ]; then
        t_ok "Ctrl-C: exit 130"
    else
        t_fail "Ctrl-C: exit $rc: $(tail -n 3 "$T/c3.err")"
    fi
    if [ ! -e "$T/o3.jsonl" ]; then
        t_ok "Ctrl-C: FILE not written before the crawl is done"
    else
        t_fail "Ctrl-C: FILE exists after an interrupted crawl"
    fi
    # redis-server and the workers both name the socket in their argv
    if pgrep -f "$T/s3/redis.sock" >/dev/null; then
        t_fail "Ctrl-C: children left running: $(pgrep -af "$T/s3/")"
    else
        t_ok "Ctrl-C: redis-server and workers stopped"
    fi
    n1=$(awk '$1 == "page" || $1 == "broken"' "$T/m3" | wc -l)
    if [ "$(wc -l <"$T/o3.jsonl.tmp")" -lt "$n1" ]; then
        t_ok "Ctrl-C came before the end ($(wc -l <"$T/o3.jsonl.tmp") of $n1)"
    else
        t_fail "the crawl finished before Ctrl-C; the test proves nothing"
    fi
    "$CF" crawl "$SEED" $CFG --workers 2 --state-dir "$T/s3" --resume \
        -o "$T/o3.jsonl" >"$T/c3r.out" 2>"$T/c3r.err"
    rc=$?
    if [ $rc -eq 0 ]; then
        t_ok "--resume exits 0"
    else
        t_fail "--resume: exit $rc: $(tail -n 3 "$T/c3r.err")"
    fi
    [ -s "$T/o3.jsonl" ] && truth "$T/m3" "$T/o3.jsonl" "Ctrl-C + --resume"
else
    t_fail "crawl wrote no results to interrupt: $(tail -n 3 "$T/c3.err")"
fi

# -- 4. dead letters: one final result each; a crawl of nothing exits 3
fixture f4 --hosts 1 --pages 5 --manifest "$T/m4" ||
    t_fail "fixture f4 did not start"
DEADCFG="--allow-private --no-robots --backoff 10 --max-attempts 2"
"$CF" crawl "$SEED" http://127.0.0.1:1/ $DEADCFG --workers 1 \
    --state-dir "$T/s4" -o "$T/o4.jsonl" >"$T/c4.out" 2>"$T/c4.err"
rc=$?
t_check "crawl with a dead seed exits 0 (exit $rc)" test $rc -eq 0
n=$(jq -c 'select(.url == "http://127.0.0.1:1/")' "$T/o4.jsonl" | wc -l)
t_check "the dead URL is in the output once ($n)" test "$n" -eq 1
v=$(jq -s 'map(select(.url == "http://127.0.0.1:1/")) | .[0] |
    .dead == true and .error_type == "connect" and .attempts == 2' \
    "$T/o4.jsonl")
t_check "its result says dead, connect, 2 attempts" test "$v" = true
t_check "summary counts it: $(grep done: "$T/c4.err")" \
    grep -q '1 dead)' "$T/c4.err"
"$CF" crawl http://127.0.0.1:1/ $DEADCFG --workers 1 --state-dir "$T/s5" \
    -o "$T/o5.jsonl" >"$T/c5.out" 2>"$T/c5.err"
rc=$?
t_check "crawl of an unreachable seed exits 3 (exit $rc)" test $rc -eq 3
t_check "... and names the cause: $(tail -n 1 "$T/c5.err")" \
    grep -q 'most common cause: connect' "$T/c5.err"
t_check "... and still writes its result" test "$(wc -l <"$T/o5.jsonl")" -eq 1

# -- 5. past 1,000 results the last lines say what the embedded
# redis-server cost: its CPU and its script calls, each per result
fixture f6 --hosts 1 --pages 1100 --seed 6 --manifest "$T/m6" ||
    t_fail "fixture f6 did not start"
"$CF" crawl "$SEED" --allow-private --no-obey-robots --workers 1 \
    --per-host-concurrency 8 --state-dir "$T/s6" -o "$T/o6.jsonl" \
    >"$T/c6.out" 2>"$T/c6.err"
rc=$?
n=$(wc -l <"$T/o6.jsonl" 2>/dev/null || echo 0)
t_check "a crawl of $n results exits 0 (exit $rc)" \
    test $rc -eq 0 -a "$n" -ge 1000
line=$(grep 'embedded redis-server:' "$T/c6.err")
calls=$(echo "$line" | sed -n 's/.*, \([0-9]*\) script calls (\([0-9.]*\) per result)$/\1/p')
per=$(echo "$line" | sed -n 's/.*script calls (\([0-9.]*\) per result)$/\1/p')
t_check "its redis-server line names CPU and script calls: $line" \
    test -n "$calls" -a -n "$per"
# every result came through an ack call, each call carries at most 1,000
# pages, and the share is calls / results
t_check "script calls ($calls) between results / 1000 and 3 x results" \
    test "${calls:-0}" -ge $((n / 1000)) -a "${calls:-0}" -le $((3 * n))
t_check "per result ($per) is calls / results" \
    test "$per" = "$(awk -v c="${calls:-0}" -v n="$n" \
        'BEGIN { printf "%.3f", c / n }')"

t_summary cli_crawl
