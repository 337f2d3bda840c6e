#!/bin/sh
# worker_headers.sh - a crawl's --header and --cookies settings reach every
# request (robots.txt included), cookies the site sets are sent back on
# later requests of the crawl, no value shows in the worker's log or the
# results, and bad input is refused at seed with nothing written to Redis.
#
# What the server received is read from the fixture's request log
# (--log-headers: a line "H port uri Name: value" per request header).
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_headers

TOKEN=s3cret-t0ken-6c1f
COOKIE=c00kie-v4lue-93ab
LOG=$T/fx.log

"$B/cf-fixture" --hosts 1 --pages 5 --log "$LOG" --log-headers \
    >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS="$FX_PIDS $!"
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")
BASE=http://127.0.0.1:$PORT

# A Netscape cookie file as curl and browsers export it: a comment, a
# blank line, CRLF line ends, a session cookie (expiry 0).
printf '# Netscape HTTP Cookie File\r\n\r\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsess\t%s\r\n' \
    "$COOKIE" >"$T/cookies.txt"

# ---- 1. bad input: refused at seed, nothing written ----------------------
# expect PATTERN ARGS...: seed with ARGS exits 2 and says PATTERN.
expect() {
    _pat=$1
    shift
    "$B/crawlfleet" seed --redis "$R" --crawl bad --allow-private "$@" \
        "$BASE/" >"$T/out" 2>&1
    _rc=$?
    if [ "$_rc" -ne 2 ]; then
        t_fail "seed $* -> exit $_rc, want 2: $(head -c 300 "$T/out")"
    elif ! grep -Eq -- "$_pat" "$T/out"; then
        t_fail "seed $* -> output lacks /$_pat/: $(head -c 300 "$T/out")"
    elif grep -q "$TOKEN" "$T/out"; then
        t_fail "seed $* -> the error quotes the header value"
    else
        t_ok "seed $* -> 2: $(head -n 1 "$T/out")"
    fi
}
expect "--header: .*no colon" --header "X-Token $TOKEN"
expect "--header: .*CR or LF in the value of X-Token" \
    --header "X-Token: $TOKEN$(printf '\r')"
expect "--header: .*CR or LF in the value of X-Token" \
    --header "X-Token: $TOKEN
X-Other: 1"
expect "--header: .*bad header name" --header "X Token: $TOKEN"
expect "--header: .*set User-Agent with" --header "User-Agent: $TOKEN"
expect "--cookies: .*cannot read $T/none.txt: No such file" \
    --cookies "$T/none.txt"
printf 'sess=%s\n' "$TOKEN" >"$T/bad-cookies.txt"
expect "--cookies: .*line 1: expected 7 tab-separated fields" \
    --cookies "$T/bad-cookies.txt"
printf '# only a comment\n' >"$T/empty-cookies.txt"
expect "--cookies: .*no cookies in it" --cookies "$T/empty-cookies.txt"
t_check "nothing written to Redis by a refused seed" \
    [ "$(redis-cli -s "$REDIS_SOCK" dbsize)" = 0 ]

# ---- 2. headers and cookies on every request -----------------------------
"$B/crawlfleet" seed --redis "$R" --crawl hc --allow-private \
    --scope any --max-depth 1 --store-links \
    --header "X-Crawl-Token: $TOKEN" --header 'Accept-Language:  fr ' \
    --cookies "$T/cookies.txt" "$BASE/t/set-cookie" >"$T/seed.out" 2>&1
t_check "seed with --header and --cookies exits 0" [ $? -eq 0 ]
"$B/crawlfleet-worker" --redis "$R" --crawl hc --exit-when-done \
    --log-level debug >"$T/worker.out" 2>&1 &
W_PIDS="$W_PIDS $!"
wait_exit "$!" 60
t_check "worker exits 0 when the crawl is done" [ $? -eq 0 ]

# has URI HEADER-LINE: the fixture got HEADER-LINE with a request for URI.
has() { grep -qxF "H $PORT $1 $2" "$LOG"; }
for u in /robots.txt /t/set-cookie /t/ml/1.html; do
    t_check "$u carried the custom header" has "$u" "X-Crawl-Token: $TOKEN"
    t_check "$u carried the second header, blanks cut" \
        has "$u" "Accept-Language: fr"
done
t_check "the default User-Agent is sent, with the release's version" \
    has /t/set-cookie "User-Agent: crawlfleet/$("$B/crawlfleet" --version |
        cut -d' ' -f2)"
t_check "the cookie file's cookie went with the first page" \
    has /t/set-cookie "Cookie: sess=$COOKIE"
t_check "the next page sent back the cookie the site set, and the file's" \
    sh -c "grep -F 'H $PORT /t/ml/1.html Cookie: ' '$LOG' |
        grep -F 'site=fixture' | grep -qF 'sess=$COOKIE'"
n_ml=$(grep -c "GET /t/ml/1.html 200" "$LOG")
t_check "the linked page was fetched (once: $n_ml)" [ "$n_ml" -eq 1 ]

# ---- 3. no value in logs, results or status ------------------------------
"$B/crawlfleet" export hc --redis "$R" >"$T/export.jsonl" 2>&1
"$B/crawlfleet" status hc --redis "$R" --json >"$T/status.json" 2>&1
t_check "results were exported" [ -s "$T/export.jsonl" ]
for f in worker.out export.jsonl status.json seed.out; do
    t_check "no header value in $f" \
        sh -c "! grep -q '$TOKEN' '$T/$f'"
    t_check "no cookie value in $f" \
        sh -c "! grep -q -e '$COOKIE' -e 'site=fixture' '$T/$f'"
done

t_summary worker_headers
