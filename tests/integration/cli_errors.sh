#!/bin/sh
# cli_errors.sh - every bad input to crawlfleet: exit code and message,
# and nothing written to Redis after an error.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-errors.XXXXXX")
trap 'redis_stop; rm -rf "$TMP"' EXIT

# expect CODE PATTERN CMD...: CMD exits CODE and its output matches
# PATTERN (grep -E; "" matches anything).
expect() {
    _code=$1
    _pat=$2
    shift 2
    "$@" >"$TMP/out" 2>&1
    _rc=$?
    if [ "$_rc" -ne "$_code" ]; then
        t_fail "$* -> exit $_rc, want $_code: $(head -c 300 "$TMP/out")"
    elif [ -n "$_pat" ] && ! grep -Eq -- "$_pat" "$TMP/out"; then
        t_fail "$* -> output lacks /$_pat/: $(head -c 300 "$TMP/out")"
    else
        t_ok "$* -> $_code"
    fi
}

# one_line: the last command's error output is one line.
one_line() {
    if [ "$(grep -vc '^rejected: ' "$TMP/out")" -le 1 ]; then
        t_ok "one line: $(cat "$TMP/out")"
    else
        t_fail "more than one line: $(cat "$TMP/out")"
    fi
}

redis_dbsize() {
    redis-cli -s "$REDIS_SOCK" dbsize
}

[ -x "$CF" ] || { t_fail "$CF not built"; t_summary cli_errors; exit 1; }
redis_start || { t_fail "redis_start"; t_summary cli_errors; exit 1; }
trap 'redis_stop; rm -rf "$TMP"' EXIT # redis_start set its own
R=$REDIS_URL
DOWN=redis://127.0.0.1:1

# -- the command table, help and version
expect 2 "Usage: crawlfleet COMMAND" "$CF"
expect 2 "unknown command 'frobnicate'" "$CF" frobnicate
one_line
expect 0 "^crawlfleet [0-9]+\.[0-9]+" "$CF" --version
expect 0 "Commands:" "$CF" --help
for c in crawl seed status watch pause resume cancel delete list workers dead \
    export run; do
    expect 0 "Usage: crawlfleet $c" "$CF" "$c" --help
done
expect 0 "--max-depth" "$CF" seed --help
expect 0 "--no-robots" "$CF" crawl --help
expect 0 "Usage: crawlfleet export" "$CF" help export

# -- bad flags and values: exit 2, one line
expect 2 "unknown option --bogus" "$CF" seed --bogus http://a.example/
one_line
expect 2 "bad value for --max-depth" "$CF" seed --redis "$R" --max-depth x \
    http://a.example/
one_line
expect 2 "bad value for --delay" "$CF" seed --redis "$R" --delay soon \
    http://a.example/
expect 2 "bad value for --scope" "$CF" seed --redis "$R" --scope nowhere \
    http://a.example/
expect 2 "bad value for --include" "$CF" seed --redis "$R" --include '(' \
    http://a.example/
expect 2 "needs a value" "$CF" seed --redis "$R" http://a.example/ \
    --max-pages
expect 2 "bad crawl name" "$CF" seed --redis "$R" --crawl 'no spaces' \
    http://a.example/
one_line
printf 'max_depth = deep\n' >"$TMP/bad.conf"
expect 2 "bad.conf:1" "$CF" seed --redis "$R" --config "$TMP/bad.conf" \
    http://a.example/
expect 2 "no seed URLs" "$CF" seed --redis "$R"
expect 2 "bad value for --format" "$CF" export --redis "$R" x --format xml
expect 2 "missing crawl NAME" "$CF" pause --redis "$R"
expect 2 "missing crawl NAME" "$CF" export --redis "$R"
expect 2 "unexpected argument" "$CF" status --redis "$R" a b
expect 2 "bad value for --metrics-port" "$CF" run --metrics-port 99999
expect 2 "no seed URLs" "$CF" crawl
expect 2 "bad value for --workers" "$CF" crawl --workers 0 http://a.example/
expect 2 "exclude each other" "$CF" crawl --resume --fresh http://a.example/
expect 2 "bad value for --max-pages" "$CF" crawl --max-pages -5 \
    http://a.example/
expect 2 "redis" "$CF" status --redis 'foo://bar'
t_check "nothing written after bad flags" test "$(redis_dbsize)" -eq 0

# -- bad URLs: each rejected with its reason, exit 1, nothing written
expect 1 "no valid seed URLs" "$CF" seed --redis "$R" --crawl e1 \
    'not a url' 'ftp://a.example/' 'http://user:pw@a.example/' 'http://'
for pat in "rejected: not a url: " "rejected: ftp://a.example/: " \
    "rejected: http://user:pw@a.example/: "; do
    if grep -qF -- "$pat" "$TMP/out"; then
        t_ok "reason printed: $pat"
    else
        t_fail "no '$pat' in: $(cat "$TMP/out")"
    fi
done
t_check "nothing written after bad URLs" test "$(redis_dbsize)" -eq 0
expect 1 "cannot read" "$CF" seed --redis "$R" -f "$TMP/missing.txt"
printf '# only comments\n\n' >"$TMP/empty.txt"
expect 1 "no valid seed URLs" "$CF" seed --redis "$R" -f "$TMP/empty.txt"
t_check "nothing written after empty seed file" test "$(redis_dbsize)" -eq 0

# -- unreachable Redis: exit 1, one line, no password shown
expect 1 "cannot connect" "$CF" seed --redis "$DOWN" http://a.example/
one_line
expect 1 "cannot connect" "$CF" status --redis "$DOWN" x
expect 1 "cannot connect" env CRAWLFLEET_REDIS=$DOWN "$CF" list
expect 1 "" "$CF" status --redis "redis://:s3cr3tpw@127.0.0.1:1" x
if grep -q s3cr3tpw "$TMP/out"; then
    t_fail "password printed: $(cat "$TMP/out")"
else
    t_ok "password masked"
fi
expect 1 "" env CRAWLFLEET_REDIS_PASSWORD=s3cr3tpw "$CF" list --redis "$DOWN"
if grep -q s3cr3tpw "$TMP/out"; then
    t_fail "password printed: $(cat "$TMP/out")"
else
    t_ok "password from env masked"
fi
expect 1 "" "$CF" run --once --redis "$DOWN"

# -- unknown crawls: exit 1
for c in status watch pause resume cancel dead export; do
    expect 1 "unknown crawl 'nope'" "$CF" "$c" --redis "$R" nope
done
expect 1 "no crawls" "$CF" status --redis "$R"

# -- crawl: state dir rules (checked before anything starts)
mkdir -p "$TMP/state"
expect 1 "--resume.*--fresh" "$CF" crawl --name s1 --state-dir "$TMP/state" \
    http://127.0.0.1:9/
one_line
expect 1 "nothing to resume" "$CF" crawl --resume --name s2 \
    --state-dir "$TMP/none" http://127.0.0.1:9/
expect 1 "no valid seed URLs" "$CF" crawl --state-dir "$TMP/s3" 'nope://x'
t_check "no state dir made for bad seeds" test ! -e "$TMP/s3"

# -- good seeds work, duplicates are counted, bad ones reported
expect 0 "^2 new, 0 duplicate, 1 rejected" "$CF" seed --redis "$R" \
    --crawl ok1 http://a.example/ 'HTTP://A.example:80/b' 'mailto:x@y'
expect 0 "^0 new, 2 duplicate, 0 rejected" "$CF" seed --redis "$R" \
    --crawl ok1 http://a.example/b http://a.example/
expect 0 "ok1" "$CF" list --redis "$R"
expect 0 "config is unchanged" "$CF" seed --redis "$R" --crawl ok1 \
    --max-depth 2 http://a.example/c
expect 0 '"queued":3' "$CF" status --redis "$R" ok1 --json
expect 0 "paused" "$CF" pause --redis "$R" ok1
expect 0 "running" "$CF" resume --redis "$R" ok1
expect 0 "cancelled" "$CF" cancel --redis "$R" ok1
expect 1 "cancelled" "$CF" seed --redis "$R" --crawl ok1 http://a.example/d
expect 0 "" "$CF" run --once --redis "$R"
t_check "run sampled the rate" test \
    "$(redis-cli -s "$REDIS_SOCK" llen 'cf:{ok1}:rate')" -ge 1
printf 'http://b.example/\n# comment\nhttp://b.example/2\n' |
    "$CF" seed --redis "$R" --crawl ok2 - >"$TMP/out" 2>&1
if grep -q "^2 new, 0 duplicate, 0 rejected" "$TMP/out"; then
    t_ok "seeds from stdin"
else
    t_fail "seeds from stdin: $(cat "$TMP/out")"
fi
expect 2 "2 crawls exist" "$CF" status --redis "$R"

# -- Redis refuses writes once the crawl exists (out of memory): seed says
# how far it got, and the same command again adds the rest.
seq 1 1200 | sed 's|^|http://c.example/p|' >"$TMP/seeds1200"
RC="redis-cli -s $REDIS_SOCK"
used=$($RC info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
$RC config set maxmemory-policy noeviction >/dev/null
# room for the command's connection and the crawl, not for 1200 seeds
$RC config set maxmemory $((used + 80000)) >/dev/null
expect 1 "has (0|500|1000) of the 1200 seeds; run the same command again" \
    "$CF" seed --redis "$R" --crawl oom --file "$TMP/seeds1200"
$RC config set maxmemory 0 >/dev/null
expect 0 "^(1200 new, 0|700 new, 500|200 new, 1000) duplicate, 0 rejected" \
    "$CF" seed --redis "$R" --crawl oom --file "$TMP/seeds1200"
expect 0 '"queued":1200' "$CF" status --redis "$R" oom --json

# -- the frontier's Redis settings (docs/keys.md, Memory): seed warns, and
# goes on
$RC config set list-max-listpack-size 16 >/dev/null
expect 0 "list-max-listpack-size 16: the frontier" \
    "$CF" seed --redis "$R" --crawl lists http://l.example/
$RC config set list-max-listpack-size -2 >/dev/null
expect 0 "^0 new, 1 duplicate" \
    "$CF" seed --redis "$R" --crawl lists http://l.example/
if grep -q "list-max-listpack-size" "$TMP/out"; then
    t_fail "a warning with the default settings: $(cat "$TMP/out")"
else
    t_ok "no warning with the default settings"
fi

# -- a crawl of another frontier layout is refused by name
$RC hdel 'cf:{lists}:stats' layout >/dev/null
expect 1 "crawl uses frontier layout 1; this crawlfleet reads layout 2" \
    "$CF" seed --redis "$R" --crawl lists http://l.example/other
if grep -q "run the same command again" "$TMP/out"; then
    t_fail "a refused crawl is no partial push: $(cat "$TMP/out")"
else
    t_ok "a refused crawl: no advice to run again"
fi

# -- a Redis without functions (before 7.0, or FCALL/FUNCTION renamed
# away): refused in words that name the version, not Redis' own
redis_restart --rename-command FCALL "" --rename-command FUNCTION ""
expect 1 "crawlfleet needs Redis 7.0 or later" \
    "$CF" seed --redis "$R" --crawl old http://o.example/
one_line

t_summary cli_errors
