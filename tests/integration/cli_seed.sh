#!/bin/sh
# cli_seed.sh - seed's answers to the commonest bad inputs: a URL without
# a scheme, a huge bad URL (echoed cut), a binary seed file (stopped at
# its first line that is not text, nothing written), a bad --proxy.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-seed.XXXXXX")
trap 'redis_stop; rm -rf "$T"' EXIT

[ -x "$CF" ] || { t_fail "$CF not built"; t_summary cli_seed; exit 1; }
redis_start || { t_fail "redis_start"; t_summary cli_seed; exit 1; }
trap 'redis_stop; rm -rf "$T"' EXIT
R=$REDIS_URL

# expect CODE PATTERN CMD...: CMD exits CODE, its output matches PATTERN
expect() {
    _code=$1
    _pat=$2
    shift 2
    "$@" >"$T/out" 2>&1
    _rc=$?
    if [ "$_rc" -eq "$_code" ] && grep -Eq -- "$_pat" "$T/out"; then
        t_ok "$(echo "$*" | cut -c 1-100) -> $_rc"
    else
        t_fail "$(echo "$*" | cut -c 1-100) -> exit $_rc, want $_code \
/$_pat/: $(head -c 400 "$T/out")"
    fi
}
nothing_written() {
    t_check "$1: nothing written to Redis" \
        test "$(redis-cli -s "$REDIS_SOCK" dbsize)" -eq 0
}

# -- no scheme
expect 1 "rejected: example.com: no scheme: add http:// or https://" \
    "$CF" seed --redis "$R" example.com
expect 1 "rejected: localhost:8080/a: no scheme: add http:// or https://" \
    "$CF" seed --redis "$R" localhost:8080/a
expect 1 "rejected: mailto:x@y: scheme not http" "$CF" seed --redis "$R" \
    mailto:x@y
expect 1 "rejected: example.org/x: no scheme" "$CF" crawl --state-dir \
    "$T/s" example.org/x
nothing_written "no scheme"

# -- a 10 KB bad URL is echoed cut to 200 characters
long="http://$(head -c 10000 /dev/zero | tr '\0' a)"
"$CF" seed --redis "$R" "$long" >"$T/out" 2>&1
rc=$?
len=$(grep '^rejected: ' "$T/out" | wc -c)
if [ $rc -eq 1 ] && [ "$len" -lt 300 ] &&
    grep -q "\.\.\. (10007 bytes): URL too long" "$T/out"; then
    t_ok "a 10 KB URL: echoed in $len bytes, its length named"
else
    t_fail "a 10 KB URL: exit $rc, $len bytes: $(head -c 300 "$T/out")"
fi
printf 'http://a.example/\x1b[2Jx\n' >"$T/esc.txt"
"$CF" seed --redis "$R" "$(cat "$T/esc.txt")" >"$T/out" 2>&1
if grep -q "$(printf '\033')" "$T/out"; then
    t_fail "an escape sequence in a bad URL reaches the terminal"
else
    t_ok "control bytes in a bad URL are not echoed"
fi
redis-cli -s "$REDIS_SOCK" flushall >/dev/null

# -- seed -f on a binary file: stop at the first non-text line
printf 'http://a.example/\nhttp://b.example/\n\000\001\002\377\nhttp://c.example/\n' \
    >"$T/bin.txt"
expect 1 "bin.txt:3: not text \(a binary file\?\); nothing seeded" \
    "$CF" seed --redis "$R" --crawl b -f "$T/bin.txt"
t_check "binary file: one line of error" \
    test "$(wc -l <"$T/out")" -eq 1
expect 1 "$(basename "$CF"):1: not text" "$CF" seed --redis "$R" \
    --crawl b -f "$CF"
expect 1 "stdin:2: not text" sh -c "printf 'http://a.example/\n\001\n' |
    '$CF' seed --redis '$R' --crawl b -"
nothing_written "binary seed file"
printf 'http://a.example/\n# comment\n\n  http://b.example/  \r\n' \
    >"$T/ok.txt"
expect 0 "^2 new, 0 duplicate, 0 rejected" "$CF" seed --redis "$R" \
    --crawl b -f "$T/ok.txt"

redis-cli -s "$REDIS_SOCK" flushall >/dev/null

# -- --proxy is checked at seed time
for p in proxy.example:3128 ftp://proxy.example:21 http:// http://p:0 \
    http://p:99999 http://p:3128/path 'http://p:3x'; do
    expect 2 "bad value for --proxy: proxy: .*got '$p'" "$CF" seed \
        --redis "$R" --crawl p --proxy "$p" http://a.example/
done
nothing_written "bad --proxy"
for p in http://127.0.0.1:3128 https://proxy.example socks4://p:1080 \
    socks4a://p:1080 SOCKS5://u:pw@p:1080 'socks5h://[::1]:1080/'; do
    expect 0 "^1 new" "$CF" seed --redis "$R" --crawl "p$(printf %s "$p" |
        cksum | cut -c 1-6)" --proxy "$p" http://a.example/
done

t_summary cli_seed
