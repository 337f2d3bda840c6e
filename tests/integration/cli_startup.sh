#!/bin/sh
# cli_startup.sh - how `crawlfleet crawl` starts and stops its children:
#   1. a worker with --wait-stdin waits at its stdin without touching
#      Redis, starts on a byte and crawls to the end; at the end of its
#      stdin instead it exits 0, still without a connection;
#   2. `crawl --redis` whose setup fails after its workers were started
#      (a crawl of that name exists) leaves no worker behind, and none
#      of them ever connected;
#   3. the embedded redis-server is told where to send its readiness
#      notice (it says it is supervised) and a crawl ends with every
#      page; a redis-server that never notifies (no NOTIFY_SOCKET) is
#      found by polling, and that crawl ends with every page too.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$(cd "$B" && pwd)/crawlfleet
W=$(cd "$B" && pwd)/crawlfleet-worker
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-startup.XXXXXX")
PIDS=""

cleanup() {
    exec 7>&- 2>/dev/null
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
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_startup; exit 1; }
done
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || {
    t_fail "redis-server and redis-cli installed (tools/deps.sh)"
    t_summary cli_startup
    exit 1
}
"$FX" --hosts 1 --pages 20 --seed 5 --manifest "$T/m" >"$T/fx.ready" \
    2>"$T/fx.err" &
PIDS="$PIDS $!"
wait_for grep -qs '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")
SEED=http://127.0.0.1:$PORT/
CFG="--allow-private --scope any"
# the pages of the site: a finished crawl has them all
PAGES=$(awk '$1 == "page"' "$T/m" | wc -l)

redis_start || t_fail "redis_start"
trap cleanup EXIT # redis_start set its own

# conns: connections Redis has accepted so far (this call's included)
conns() {
    redis-cli -s "$REDIS_SOCK" INFO stats |
        sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p'
}

# ok_pages FILE: the 200 results in FILE, as a count
ok_pages() {
    grep -c '"status":200' "$1" 2>/dev/null || echo 0
}

# -- 1. --wait-stdin: nothing before the byte, a crawl after it
out=$("$CF" seed --redis "$REDIS_URL" --crawl gate $CFG "$SEED" 2>&1)
t_check "seed: $out" test "$out" = "1 new, 0 duplicate, 0 rejected"
mkfifo "$T/gate"
"$W" --redis "$REDIS_URL" --crawl gate --exit-when-done --wait-stdin \
    <"$T/gate" 2>"$T/w1.log" &
WP=$!
PIDS="$PIDS $WP"
exec 7>"$T/gate"
# at its gate: blocked in read(2) on descriptor 0 (syscall 0 on x86-64,
# first argument 0; other machines number read differently)
if [ "$(uname -m)" = x86_64 ]; then
    if wait_for grep -q '^0 0x0 ' "/proc/$WP/syscall"; then
        before=$(conns)
        after=$(conns)
        t_check "--wait-stdin: no connection while at the gate \
($before, $after)" test "$after" -eq $((before + 1))
        t_check "--wait-stdin: nothing in its log yet" \
            test ! -s "$T/w1.log"
    else
        t_fail "--wait-stdin: the worker never reached read(0): \
$(cat "/proc/$WP/syscall" 2>&1)"
    fi
else
    echo "skipped: --wait-stdin gate check (reads /proc/PID/syscall, x86-64)"
fi
trap '' PIPE # a worker that is gone already fails the checks below
printf g >&7
exec 7>&-
wait "$WP"
rc=$?
t_check "--wait-stdin, a byte: the worker crawls and exits 0 ($rc)" \
    test "$rc" -eq 0
done_n=$("$CF" status --redis "$REDIS_URL" gate --json 2>&1 | jq -r .done)
t_check "--wait-stdin, a byte: the crawl is done ($done_n results)" \
    test "$done_n" -gt 0
before=$(conns)
"$W" --redis "$REDIS_URL" --crawl gate --exit-when-done --wait-stdin \
    </dev/null 2>"$T/w2.log"
rc=$?
after=$(conns)
t_check "--wait-stdin, end of stdin: exit 0 ($rc)" test "$rc" -eq 0
t_check "--wait-stdin, end of stdin: no connection ($before, $after)" \
    test "$after" -eq $((before + 1))

# -- 2. a setup that fails after the workers were started
mkdir "$T/cwd"
cd "$T/cwd" || exit 1
before=$(conns)
"$CF" crawl "$SEED" $CFG --redis "$REDIS_URL" --name gate --workers 2 -q \
    -o dup.jsonl 2>"$T/dup.err"
rc=$?
after=$(conns)
if [ $rc -eq 1 ] && grep -q "already exists" "$T/dup.err"; then
    t_ok "crawl --redis of an existing name: exit 1"
else
    t_fail "crawl --redis of an existing name: exit $rc: $(cat "$T/dup.err")"
fi
# the crawl's own connection and this count's: the workers made none
t_check "failed setup: the workers never connected ($before, $after)" \
    test "$after" -eq $((before + 2))
t_check "failed setup: no worker left running" \
    test -z "$(pgrep -f -- "--crawl gate --exit-when-done --wait-stdin")"
t_check "failed setup: no .crawlfleet left" test ! -e .crawlfleet

# -- 3. the embedded redis-server: notified, and not
"$CF" crawl "$SEED" $CFG --workers 2 -q --state-dir "$T/s1" --keep-state \
    -o n1.jsonl 2>"$T/n1.err"
rc=$?
t_check "embedded redis: exit 0 ($rc)" test "$rc" -eq 0
t_check "embedded redis: every page ($(ok_pages n1.jsonl) of $PAGES)" \
    test "$(ok_pages n1.jsonl)" -eq "$PAGES"
t_check "embedded redis: supervised, its notice had a reader" \
    grep -q "Supervised by systemd" "$T/s1/redis.log"
t_check "embedded redis: no notice error in its log" \
    test -z "$(grep "systemd supervision error" "$T/s1/redis.log")"
cat >"$T/quiet-redis" <<EOF
#!/bin/sh
unset NOTIFY_SOCKET
exec $(command -v redis-server) "\$@"
EOF
chmod +x "$T/quiet-redis"
CRAWLFLEET_REDIS_SERVER=$T/quiet-redis "$CF" crawl "$SEED" $CFG \
    --workers 2 -q --state-dir "$T/s2" --keep-state -o n2.jsonl \
    2>"$T/n2.err"
rc=$?
t_check "redis-server without a notice: exit 0 ($rc)" test "$rc" -eq 0
t_check "redis-server without a notice: every page \
($(ok_pages n2.jsonl) of $PAGES)" test "$(ok_pages n2.jsonl)" -eq "$PAGES"
t_check "redis-server without a notice: it was not supervised" \
    test -z "$(grep "Supervised by systemd" "$T/s2/redis.log")"

t_summary cli_startup
