#!/bin/sh
# export_follow.sh - results that leave Redis:
#   1. two `export --follow` of one consumer group while two workers
#      crawl; one is killed with kill -9 mid-crawl and started again with
#      the same consumer and file: the union of the two files holds every
#      result exactly once (the ground truth), the stream stays short
#      while they run and is empty at the end;
#      --follow started again onto the finished file refuses and leaves it;
#   2. an exporter killed with kill -9 while it holds results it read and
#      never acknowledged, and never started again: a second exporter
#      with another consumer name takes them over (XAUTOCLAIM after
#      --claim-idle); the dead one's file up to its Redis checkpoint and
#      the second one's file hold every result exactly once;
#   3. an exporter stopped (SIGSTOP) while it holds results, which another
#      takes over meanwhile, then let go on: its acknowledgement finds
#      them gone, it cuts its file back to its checkpoint and goes on;
#      the two files hold every result exactly once;
#   4. --results-maxlen caps a stream nobody reads.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup export_follow
command -v jq >/dev/null || {
    t_fail "jq is not installed"
    t_summary export_follow
    exit 1
}

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
xlen() { rcli xlen "cf:{$1}:results"; }
lines() { cat "$@" 2>/dev/null | wc -l; }

"$B/cf-fixture" --manifest "$T/man" --hosts 3 --pages 150 --seed 4 \
    --delay-ms 25 >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"

# ---- 1. two exporters, one killed and restarted --------------------------
"$B/crawlfleet" seed --redis "$R" --crawl ef --allow-private --scope any \
    $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null
exporter() { # NAME: consumer NAME writing $T/NAME.jsonl
    "$B/crawlfleet" export ef --redis "$R" --follow --consumer "$1" \
        -o "$T/$1.jsonl" 2>>"$T/$1.err" &
    W_PIDS="$W_PIDS $!"
    LAST=$!
}
exporter a
A=$LAST
exporter b
B_PID=$LAST
for i in 1 2; do
    "$B/crawlfleet-worker" --redis "$R" --crawl ef --concurrency 4 \
        --exit-when-done 2>>"$T/w.log" &
    W_PIDS="$W_PIDS $!"
done
# kill -9 a once it has checkpointed some results
WAIT_TIMEOUT=30 wait_for test -s "$T/a.jsonl.tmp.cursor"
kill -9 "$A" || cat "$T/a.err" >&2
wait "$A" 2>/dev/null
t_check "exporter a was killed mid-crawl ($(lines "$T/a.jsonl.tmp") lines)" \
    [ "$(rcli hget 'cf:{ef}:stats' state)" = running ]
exporter a
A=$LAST
max=0
while kill -0 "$A" 2>/dev/null || kill -0 "$B_PID" 2>/dev/null; do
    n=$(xlen ef)
    [ "$n" -gt "$max" ] && max=$n
    sleep 0.2
done
wait "$A"
ra=$?
wait "$B_PID"
rb=$?
[ $ra -eq 0 ] || cat "$T/a.err" >&2
t_check "both exporters end by themselves (exit $ra $rb)" \
    [ $ra -eq 0 -a $rb -eq 0 ]
total=$(($(rcli hget 'cf:{ef}:stats' done) + $(rcli hget 'cf:{ef}:stats' dead)))
cat "$T/a.jsonl" "$T/b.jsonl" >"$T/all.jsonl" || { cat "$T/a.err" "$T/b.err"; ls -la "$T"; } >&2
t_check "the two files hold $total results ($(lines "$T/all.jsonl"))" \
    [ "$(lines "$T/all.jsonl")" -eq "$total" ]
t_check "no URL twice" [ -z "$(jq -r .url "$T/all.jsonl" | sort | uniq -d)" ]
t_check "both exporters had a share ($(lines "$T/a.jsonl") + \
$(lines "$T/b.jsonl"))" [ "$(lines "$T/a.jsonl")" -gt 0 -a \
    "$(lines "$T/b.jsonl")" -gt 0 ]
want=$(awk '$1 == "page" || $1 == "broken"' "$T/man" | wc -l)
t_check "every page of the site is there ($want)" [ "$(jq -r \
    'select(.status == 200 or .status == 404) | .url' "$T/all.jsonl" |
    sort -u | wc -l)" -eq "$want" ]
t_check "the stream stayed short while they ran (at most $max of $total)" \
    [ $((max * 10)) -le $((total * 7)) ]
t_check "the stream is empty at the end" [ "$(xlen ef)" -eq 0 ]

# ---- a finished file is not started again ---------------------------------
sum=$(cksum <"$T/a.jsonl")
"$B/crawlfleet" export ef --redis "$R" --follow --consumer a \
    -o "$T/a.jsonl" 2>"$T/again.err"
rc=$?
t_check "--follow onto a finished file is refused (exit $rc)" [ $rc -eq 1 ]
t_check "the refusal names the file" grep -q "a.jsonl.*finished" "$T/again.err"
t_check "the finished file is left as it was" \
    [ "$(cksum <"$T/a.jsonl")" = "$sum" ]
t_check "no a.jsonl.tmp is left" [ ! -e "$T/a.jsonl.tmp" ]

# ---- 2. an exporter that died and never came back ------------------------
"$B/crawlfleet" seed --redis "$R" --crawl ec --allow-private --scope any \
    $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null
"$B/crawlfleet" export ec --redis "$R" --follow --consumer c \
    -o "$T/c.jsonl" 2>>"$T/c.err" &
C=$!
W_PIDS="$W_PIDS $C"
for i in 1 2; do
    "$B/crawlfleet-worker" --redis "$R" --crawl ec --concurrency 4 \
        --exit-when-done 2>>"$T/w.log" &
    W_PIDS="$W_PIDS $!"
    WS="${WS:-} $!"
done
# stop c at a moment it holds results read and not acknowledged (it
# acknowledges once a second), then kill it for good
c_pending() { # entries pending on consumer c
    rcli xpending 'cf:{ec}:results' export - + 100000 c 2>/dev/null |
        grep -c '^[0-9][0-9]*-[0-9][0-9]*$'
}
c_holds() {
    kill -STOP "$C"
    [ "$(c_pending)" -gt 0 ] && return 0
    kill -CONT "$C"
    return 1
}
c_checkpointed() {
    [ -n "$(rcli hget 'cf:{ec}:export' 'export c')" ]
}
WAIT_TIMEOUT=30 wait_for c_checkpointed || t_fail "c checkpoints"
WAIT_TIMEOUT=30 wait_for c_holds
held=$(c_pending)
kill -9 "$C"
wait "$C" 2>/dev/null
t_check "c was killed holding results it never acknowledged ($held)" \
    [ "$held" -gt 0 ]
"$B/crawlfleet" export ec --redis "$R" --follow --consumer d \
    --claim-idle 500 -o "$T/d.jsonl" 2>>"$T/d.err" &
D=$!
W_PIDS="$W_PIDS $D"
wait_exit "$D" 60
rd=$?
[ $rd -eq 0 ] || cat "$T/d.err" >&2
t_check "d ends by itself (exit $rd)" [ $rd -eq 0 ]
t_check "d says it took over results" grep -q "took over" "$T/d.err"
t_check "nothing is left unacknowledged" \
    [ "$(rcli xpending 'cf:{ec}:results' export | head -1)" -eq 0 ]
# c's results: its file up to the size of its checkpoint in Redis
ck=$(rcli hget 'cf:{ec}:export' 'export c')
head -c "${ck#* }" "$T/c.jsonl.tmp" >"$T/c.part" 2>/dev/null
total=$(($(rcli hget 'cf:{ec}:stats' done) + $(rcli hget 'cf:{ec}:stats' dead)))
cat "$T/c.part" "$T/d.jsonl" >"$T/cd.jsonl"
t_check "c's checkpointed part and d's file hold $total results \
($(lines "$T/c.part") + $(lines "$T/d.jsonl"))" \
    [ "$(lines "$T/cd.jsonl")" -eq "$total" ]
t_check "both have a share" [ "$(lines "$T/c.part")" -gt 0 -a \
    "$(lines "$T/d.jsonl")" -gt 0 ]
t_check "no URL twice in them" \
    [ -z "$(jq -r .url "$T/cd.jsonl" | sort | uniq -d)" ]
t_check "every page of the site is in them ($want)" [ "$(jq -r \
    'select(.status == 200 or .status == 404) | .url' "$T/cd.jsonl" |
    sort -u | wc -l)" -eq "$want" ]
t_check "--claim-idle refuses a bad value" sh -c "! '$B/crawlfleet' export \
ec --redis '$R' --follow --claim-idle soon -o '$T/e.jsonl' 2>/dev/null"

# ---- 3. a stalled exporter whose results were taken over ------------------
"$B/crawlfleet" seed --redis "$R" --crawl es --allow-private --scope any \
    $(awk '$1 == "seed" { print $2 }' "$T/man") >/dev/null
"$B/crawlfleet" export es --redis "$R" --follow --consumer x \
    -o "$T/x.jsonl" 2>>"$T/x.err" &
X=$!
W_PIDS="$W_PIDS $X"
for i in 1 2; do
    "$B/crawlfleet-worker" --redis "$R" --crawl es --concurrency 4 \
        --exit-when-done 2>>"$T/w.log" &
    W_PIDS="$W_PIDS $!"
done
x_pending() {
    rcli xpending 'cf:{es}:results' export - + 100000 x 2>/dev/null |
        grep -c '^[0-9][0-9]*-[0-9][0-9]*$'
}
x_holds() {
    kill -STOP "$X"
    [ "$(x_pending)" -gt 0 ] && return 0
    kill -CONT "$X"
    return 1
}
x_checkpointed() {
    [ -n "$(rcli hget 'cf:{es}:export' 'export x')" ]
}
WAIT_TIMEOUT=30 wait_for x_checkpointed || t_fail "x checkpoints"
WAIT_TIMEOUT=30 wait_for x_holds
t_check "x stopped holding results ($(x_pending))" [ "$(x_pending)" -gt 0 ]
"$B/crawlfleet" export es --redis "$R" --follow --consumer y \
    --claim-idle 300 -o "$T/y.jsonl" 2>>"$T/y.err" &
Y=$!
W_PIDS="$W_PIDS $Y"
x_none() { [ "$(x_pending)" -eq 0 ]; }
WAIT_TIMEOUT=30 wait_for x_none
t_check "y took over what x held" [ "$(x_pending)" -eq 0 ]
kill -CONT "$X"
wait_exit "$X" 60
rx=$?
wait_exit "$Y" 60
ry=$?
[ $rx -eq 0 ] || cat "$T/x.err" >&2
t_check "x and y end by themselves (exit $rx $ry)" [ $rx -eq 0 -a $ry -eq 0 ]
t_check "x says its results were taken over" \
    grep -q "taken over by another exporter" "$T/x.err"
total=$(($(rcli hget 'cf:{es}:stats' done) + $(rcli hget 'cf:{es}:stats' dead)))
cat "$T/x.jsonl" "$T/y.jsonl" >"$T/xy.jsonl"
t_check "x's and y's files hold $total results ($(lines "$T/x.jsonl") + \
$(lines "$T/y.jsonl"))" [ "$(lines "$T/xy.jsonl")" -eq "$total" ]
t_check "no URL twice in x's and y's" \
    [ -z "$(jq -r .url "$T/xy.jsonl" | sort | uniq -d)" ]

# ---- 4. --results-maxlen --------------------------------------------------
"$B/crawlfleet" seed --redis "$R" --crawl cap --allow-private --scope any \
    --results-maxlen 50 $(awk '$1 == "seed" { print $2 }' "$T/man") \
    >/dev/null
"$B/crawlfleet-worker" --redis "$R" --crawl cap --exit-when-done \
    2>>"$T/w.log" &
W_PIDS="$W_PIDS $!"
wait_exit $! 60
t_check "capped crawl: worker exits 0" [ $? -eq 0 ]
n=$(xlen cap)
d=$(rcli hget 'cf:{cap}:stats' done)
t_check "--results-maxlen 50 keeps about 50 of $d results ($n)" \
    [ "$n" -ge 50 -a "$n" -le 200 -a "$d" -gt 300 ]

t_summary export_follow
