#!/bin/sh
# cli_state.sh - what `crawlfleet crawl` leaves in its state directory:
# nothing after a crawl that is done (the same command runs twice in a
# row), everything after a failure or Ctrl-C (for --resume), all of it
# with --keep-state, and nothing at all after a failed `crawl --redis`.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$(cd "$B" && pwd)/crawlfleet
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-state.XXXXXX")
PIDS=""

cleanup() {
    for p in $PIDS; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    redis_stop
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$FX"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_state; exit 1; }
done
"$FX" --hosts 1 --pages 20 --seed 3 --delay-ms 20 >"$T/fx.ready" \
    2>"$T/fx.err" &
PIDS="$PIDS $!"
wait_for grep -qs '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")
SEED=http://127.0.0.1:$PORT/
CFG="--allow-private --workers 1 -q"
mkdir "$T/cwd"
cd "$T/cwd" || exit 1

# -- the same command twice in a row, in the default state dir
for run in 1 2; do
    "$CF" crawl "$SEED" $CFG -o "out$run.jsonl" 2>"$T/c$run.err"
    rc=$?
    if [ $rc -eq 0 ] && [ -s "out$run.jsonl" ]; then
        t_ok "crawl run $run: exit 0"
    else
        t_fail "crawl run $run: exit $rc: $(cat "$T/c$run.err")"
    fi
    t_check "crawl run $run: no .crawlfleet left" test ! -e .crawlfleet
done
t_check "both runs give the same results" \
    test "$(wc -l <out1.jsonl)" -eq "$(wc -l <out2.jsonl)"

# -- --keep-state keeps it; the next run without --resume is refused
"$CF" crawl "$SEED" $CFG --keep-state -o keep.jsonl 2>"$T/k.err"
rc=$?
t_check "--keep-state: exit 0 ($rc)" test $rc -eq 0
t_check "--keep-state: the state dir stays" \
    test -d ".crawlfleet/127.0.0.1-$PORT/appendonlydir"
"$CF" crawl "$SEED" $CFG -o keep2.jsonl 2>"$T/k2.err"
rc=$?
if [ $rc -eq 1 ] && grep -q -- "--resume" "$T/k2.err"; then
    t_ok "kept state: a new run is refused, names --resume"
else
    t_fail "kept state: exit $rc: $(cat "$T/k2.err")"
fi
rm -rf .crawlfleet

# -- Ctrl-C keeps the state for --resume, which then cleans up
"$CF" crawl "$SEED" $CFG --concurrency 1 --state-dir "$T/sc" \
    -o int.jsonl 2>"$T/i.err" &
CPID=$!
if wait_for test -s int.jsonl.tmp; then
    kill -INT "$CPID"
    wait "$CPID"
    rc=$?
    t_check "Ctrl-C: exit 130 ($rc)" test $rc -eq 130
    t_check "Ctrl-C: the state dir stays" test -d "$T/sc/appendonlydir"
    "$CF" crawl "$SEED" $CFG --state-dir "$T/sc" --resume -o int.jsonl \
        2>"$T/r.err"
    rc=$?
    t_check "--resume: exit 0 ($rc)" test $rc -eq 0
    t_check "--resume: done, the state dir goes" test ! -e "$T/sc"
else
    t_fail "Ctrl-C: no results to interrupt: $(cat "$T/i.err")"
    kill -TERM "$CPID"
    wait "$CPID"
fi

# -- a failure keeps the state: the workers cannot start
mkdir "$T/nobin"
cp "$CF" "$T/nobin/crawlfleet"
PATH=/usr/bin:/bin "$T/nobin/crawlfleet" crawl "$SEED" $CFG \
    --state-dir "$T/sf" -o fail.jsonl 2>"$T/f.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "crawlfleet-worker not found" "$T/f.err"; then
    t_ok "no worker binary: exit 1"
else
    t_fail "no worker binary: exit $rc: $(cat "$T/f.err")"
fi
t_check "failure: the state dir stays for --resume" test -d "$T/sf"
t_check "failure: no FILE.tmp" test ! -e fail.jsonl.tmp

# -- a failed crawl --redis leaves nothing
"$CF" crawl "$SEED" $CFG --redis redis://127.0.0.1:1 -o r.jsonl \
    2>"$T/rd.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "127.0.0.1:1" "$T/rd.err"; then
    t_ok "crawl --redis unreachable: exit 1"
else
    t_fail "crawl --redis unreachable: exit $rc: $(cat "$T/rd.err")"
fi
t_check "crawl --redis unreachable: no .crawlfleet, no r.jsonl*" \
    test -z "$(ls -A | grep -e '^\.crawlfleet' -e '^r\.jsonl')"
redis_start || t_fail "redis_start"
trap cleanup EXIT
"$CF" crawl "$SEED" $CFG --redis "$REDIS_URL" --name shared -o s1.jsonl \
    2>"$T/s1.err"
rc=$?
t_check "crawl --redis: exit 0 ($rc)" test $rc -eq 0
t_check "crawl --redis done: no .crawlfleet left" test ! -e .crawlfleet
"$CF" crawl "$SEED" $CFG --redis "$REDIS_URL" --name shared -o s2.jsonl \
    2>"$T/s2.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "already exists" "$T/s2.err"; then
    t_ok "crawl --redis of an existing name: exit 1"
else
    t_fail "crawl --redis of an existing name: exit $rc: $(cat "$T/s2.err")"
fi
t_check "failed crawl --redis: no .crawlfleet, no s2.jsonl*" \
    test -z "$(ls -A | grep -e '^\.crawlfleet' -e '^s2\.jsonl')"

t_summary cli_state
