#!/bin/sh
# worker_robots_retry.sh - a robots.txt that cannot be had is not
# "disallowed": a server refusing connections for its first 3 s is
# crawled whole once it answers; one that never answers (or answers 5xx)
# has its pages dead-lettered after the attempt limit with the real
# cause; an address the SSRF guard refuses is outcome `blocked`, naming
# the address and --allow-private, on robots.txt and on a page.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-robots-retry.XXXXXX")
PIDS=""

cleanup() {
    for p in $PIDS; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$FX"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary worker_robots_retry; exit 1; }
done
command -v jq >/dev/null || { t_fail "jq missing"; t_summary worker_robots_retry; exit 1; }

# fixture NAME ARGS...: start cf-fixture; sets SEED
fixture() {
    _n=$1
    shift
    "$FX" "$@" >"$T/$_n.ready" 2>"$T/$_n.err" &
    PIDS="$PIDS $!"
    wait_for grep -qs '^ready ' "$T/$_n.ready" || return 1
    SEED=http://127.0.0.1:$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' \
        "$T/$_n.ready")/
}

# -- refused for 3 s, then up: every page (robots_retry_ms 2 s: tries at
# about 0, 2 and 6 s, within the default 3 attempts)
fixture up --hosts 1 --pages 20 --seed 4 --refuse-ms 3000 --manifest \
    "$T/m.up" || t_fail "fixture up"
"$CF" crawl "$SEED" --allow-private --workers 1 -q --keep-state \
    --state-dir "$T/s.up" -o "$T/up.jsonl" 2>"$T/up.err"
rc=$?
t_check "refused 3 s: crawl exits 0 ($rc)" test $rc -eq 0
want=$(awk '$1 == "page"' "$T/m.up" | wc -l)
got=$(jq -r 'select(.error_type == "ok") | .url' "$T/up.jsonl" | sort -u |
    wc -l)
t_check "refused 3 s: every page fetched ($got of $want)" test "$got" -eq "$want"
t_check "refused 3 s: nothing else but the broken links (404)" \
    test "$(jq -r 'select(.error_type != "ok" and .status != 404) | .url' \
        "$T/up.jsonl" | wc -l)" -eq 0
n=$(grep -c 'robots.txt unreachable' "$T/s.up/workers.log")
t_check "refused 3 s: robots.txt tried again ($n failures logged)" \
    test "$n" -ge 1

# -- never up: dead letters after the attempt limit, with the cause
fixture down --hosts 1 --pages 5 --refuse-ms 600000 || t_fail "fixture down"
"$CF" crawl "$SEED" --allow-private --workers 1 -q --robots-retry 100ms \
    --max-attempts 2 --state-dir "$T/s.down" -o "$T/down.jsonl" \
    2>"$T/down.err"
rc=$?
t_check "never up: exit 3, no page ($rc)" test $rc -eq 3
if jq -e 'select(.error_type == "robots_unreachable" and
    (.error | test("^robots.txt: connect: .*(refused|connect)")))' \
    "$T/down.jsonl" >/dev/null; then
    t_ok "never up: robots_unreachable with the cause: $(jq -r .error \
        "$T/down.jsonl" | head -n 1)"
else
    t_fail "never up: $(head -c 400 "$T/down.jsonl")"
fi
t_check "never up: the cause named at exit" \
    grep -q "robots_unreachable" "$T/down.err"

# -- robots.txt answers 500: the same retries, then dead letters
fixture e500 --hosts 1 --pages 5 --robots 500 || t_fail "fixture e500"
"$CF" crawl "$SEED" --allow-private --workers 1 -q --robots-retry 100ms \
    --max-attempts 2 --state-dir "$T/s.500" -o "$T/e500.jsonl" \
    2>"$T/e500.err"
rc=$?
t_check "robots.txt 500: exit 3 ($rc)" test $rc -eq 3
t_check "robots.txt 500: robots_unreachable, 'robots.txt: HTTP 500'" \
    jq -e 'select(.error_type == "robots_unreachable" and
        .error == "robots.txt: HTTP 500")' "$T/e500.jsonl" >/dev/null

# -- the SSRF guard: blocked, on robots.txt and on a page
"$CF" crawl "$SEED" --workers 1 -q --state-dir "$T/s.b1" \
    -o "$T/b1.jsonl" 2>"$T/b1.err"
rc=$?
t_check "blocked robots.txt: exit 3 ($rc)" test $rc -eq 3
t_check "blocked robots.txt: outcome blocked, address and flag named" \
    jq -e 'select(.error_type == "blocked" and .error ==
        "robots.txt: private address 127.0.0.1 (see --allow-private)")' \
    "$T/b1.jsonl" >/dev/null
"$CF" crawl "$SEED" --no-robots --workers 1 -q --state-dir "$T/s.b2" \
    -o "$T/b2.jsonl" 2>"$T/b2.err"
t_check "blocked page: outcome blocked, address and flag named" \
    jq -e 'select(.error_type == "blocked" and .error ==
        "private address 127.0.0.1 (see --allow-private)")' "$T/b2.jsonl" \
    >/dev/null

# -- an unreachable proxy is outcome proxy (not dns or connect), on the
# page and, as the cause, on robots.txt
"$CF" crawl "$SEED" --no-robots --allow-private --proxy http://127.0.0.1:1 \
    --max-attempts 1 --workers 1 -q --state-dir "$T/s.p1" \
    -o "$T/p1.jsonl" 2>"$T/p1.err"
t_check "unreachable proxy: outcome proxy" \
    jq -e 'select(.error_type == "proxy")' "$T/p1.jsonl" >/dev/null
"$CF" crawl "$SEED" --allow-private --proxy http://127.0.0.1:1 \
    --max-attempts 1 --workers 1 -q --state-dir "$T/s.p2" \
    -o "$T/p2.jsonl" 2>"$T/p2.err"
t_check "unreachable proxy on robots.txt: the cause says proxy" \
    jq -e 'select(.error_type == "robots_unreachable" and
        (.error | startswith("robots.txt: proxy: ")))' "$T/p2.jsonl" \
    >/dev/null

t_summary worker_robots_retry
