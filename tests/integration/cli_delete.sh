#!/bin/sh
# cli_delete.sh - `crawlfleet delete` leaves no key of the crawl (and
# touches no other crawl's), asks for --yes without a terminal, refuses
# a running crawl without --force; with --force its worker leaves
# cleanly. pause and resume of a done or cancelled crawl fail.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
W=$B/crawlfleet-worker
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-delete.XXXXXX")
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

for bin in "$CF" "$W" "$FX"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_delete; exit 1; }
done
redis_start || { t_fail "redis_start"; t_summary cli_delete; exit 1; }
trap cleanup EXIT
R=$REDIS_URL
"$FX" --hosts 1 --pages 30 --seed 7 --delay-ms 30 >"$T/fx.ready" \
    2>"$T/fx.err" &
PIDS="$PIDS $!"
wait_for grep -qs '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
SEED=http://127.0.0.1:$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' \
    "$T/fx.ready")/
CFG="--allow-private --timeout 5000"

keys() {
    redis-cli -s "$REDIS_SOCK" --scan --pattern "cf:{$1}:*" | wc -l
}
member() {
    redis-cli -s "$REDIS_SOCK" sismember cf:crawls "$1"
}

# expect CODE PATTERN CMD...: CMD exits CODE, its stderr matches PATTERN
expect() {
    _code=$1
    _pat=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    _rc=$?
    if [ "$_rc" -eq "$_code" ] && grep -Eq -- "$_pat" "$T/out" "$T/err"; then
        t_ok "$* -> $_rc"
    else
        t_fail "$* -> exit $_rc, want $_code /$_pat/: $(cat "$T/out" \
            "$T/err" | head -c 300)"
    fi
}

# -- a finished crawl and a bystander
"$CF" seed --redis "$R" --crawl keep $CFG "$SEED" >/dev/null
"$CF" seed --redis "$R" --crawl gone $CFG "$SEED" >/dev/null
"$W" --redis "$R" --crawl gone --exit-when-done 2>"$T/w1.log"
t_check "worker finished crawl 'gone'" test $? -eq 0
"$CF" status --redis "$R" gone --json >"$T/st.json"
t_check "crawl 'gone' is done" grep -q '"state": *"done"' "$T/st.json"
before=$(keys keep)
n=$(keys gone)
t_check "crawl 'gone' has keys ($n)" test "$n" -gt 3

expect 1 "crawl 'gone' is done" "$CF" pause --redis "$R" gone
expect 1 "crawl 'gone' is done" "$CF" resume --redis "$R" gone
expect 2 "give --yes" "$CF" delete --redis "$R" gone
t_check "no --yes: nothing deleted" test "$(keys gone)" -eq "$n"
expect 1 "unknown crawl 'nope'" "$CF" delete --redis "$R" --yes nope
expect 2 "bad crawl name" "$CF" delete --redis "$R" --yes 'a*'
expect 0 "gone: deleted \($n keys\)" "$CF" delete --redis "$R" --yes gone
t_check "delete: no cf:{gone}:* key left" test "$(keys gone)" -eq 0
t_check "delete: not in cf:crawls" test "$(member gone)" -eq 0
t_check "delete: the other crawl untouched" test "$(keys keep)" -eq "$before"
expect 1 "unknown crawl 'gone'" "$CF" status --redis "$R" gone
"$CF" seed --redis "$R" --crawl gone $CFG "$SEED" >"$T/out" 2>&1
t_check "the name can be seeded again: $(cat "$T/out")" \
    grep -q "^1 new" "$T/out"

# -- a running crawl: refused, then --force with a worker at work
expect 1 "is running; cancel it first, or --force" "$CF" delete --redis "$R" \
    --yes gone
t_check "refused: keys kept" test "$(keys gone)" -gt 3
"$W" --redis "$R" --crawl gone --exit-when-done --concurrency 2 \
    2>"$T/w2.log" &
WPID=$!
PIDS="$PIDS $WPID"
wait_for sh -c "[ \$(redis-cli -s '$REDIS_SOCK' hget 'cf:{gone}:stats' \
    done) -ge 3 ]" || t_fail "the worker made no progress"
expect 0 "gone: deleted" "$CF" delete --redis "$R" --yes --force gone
WAIT_TIMEOUT=20 wait_for sh -c "! kill -0 $WPID 2>/dev/null"
wait "$WPID"
rc=$?
t_check "--force: the worker exits 0 ($rc)" test $rc -eq 0
t_check "--force: no key left after the worker is gone" \
    test "$(keys gone)" -eq 0
if grep -q "level=warn" "$T/w2.log"; then
    t_fail "--force: the worker warned: $(grep level=warn "$T/w2.log" |
        head -n 3)"
else
    t_ok "--force: the worker left without a warning"
fi

# -- cancelled: pause and resume fail, delete needs no --force
"$CF" seed --redis "$R" --crawl c $CFG "$SEED" >/dev/null
"$CF" cancel --redis "$R" c >/dev/null
expect 1 "crawl 'c' is cancelled" "$CF" pause --redis "$R" c
expect 1 "crawl 'c' is cancelled" "$CF" resume --redis "$R" c
"$CF" seed --redis "$R" --crawl p $CFG "$SEED" >/dev/null
expect 0 "p: paused" "$CF" pause --redis "$R" p
expect 0 "p: running" "$CF" resume --redis "$R" p
expect 0 "c: deleted" "$CF" delete --redis "$R" -y c
t_check "cancelled crawl deleted" test "$(keys c)" -eq 0

t_summary cli_delete
