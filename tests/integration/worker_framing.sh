#!/bin/sh
# worker_framing.sh - answers broken on the wire end as `protocol`, with a
# message that says what broke, never as `connect` or `other`: the raw
# fixture port (cf-fixture --raw, exact bytes) serves bad chunked framing,
# cut bodies, a header line over curl's cap, too many headers, bad and
# conflicting Content-Length values, a header without a colon, an answer
# without a status line and bodies that do not decode as their
# Content-Encoding says. Two sound answers (the control, and a
# Content-Length given twice alike) must be `ok`; a connection closed
# before any byte is `connect`. Every error is retried (fetched
# max_attempts = 2 times) and then a dead letter; the final result per
# URL is read from the export and from `crawlfleet dead`.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture, jq.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_framing

command -v jq >/dev/null || {
    t_fail "jq is not installed (tools/deps.sh installs it)"
    t_summary worker_framing
    exit 1
}
"$B/cf-fixture" --raw --log "$T/fx.log" >"$T/fx.ready" 2>"$T/fx.err" &
FX_PIDS=$!
wait_for grep -q '^ready' "$T/fx.ready" || t_fail "fixture starts"
RAW=$(sed -n 's/^ready .* raw=\([0-9]*\).*/\1/p' "$T/fx.ready")
[ -n "$RAW" ] || {
    t_fail "the fixture names its raw port: $(cat "$T/fx.ready" "$T/fx.err")"
    t_summary worker_framing
    exit 1
}
O=http://127.0.0.1:$RAW

# path|outcome|what the message must hold (fixed string)
cat >"$T/table" <<'EOF'
/raw/ok|ok|
/raw/cl-same|ok|
/raw/bad-chunk|protocol|Illegal or missing hexadecimal sequence in chunked-encoding
/raw/chunk-cut|protocol|transfer closed with outstanding read data remaining
/raw/truncated|protocol|transfer closed with 988 bytes remaining to read
/raw/long-header|protocol|a response header line over 102400 bytes
/raw/huge-headers|protocol|Too large response headers
/raw/cl-nan|protocol|Content-Length
/raw/cl-two|protocol|two different Content-Length values: 2 and 5
/raw/cl-list|protocol|Content-Length lists different values: '5, 7'
/raw/cl-huge|protocol|Content-Length out of range
/raw/no-colon|protocol|Header without colon
/raw/http09|protocol|Received HTTP/0.9 when not allowed
/raw/bad-gzip|protocol|Content-Encoding gzip: Error while processing content unencoding
/raw/bad-encoding|protocol|Content-Encoding x-unknown: Unrecognized content encoding
/raw/nothing|connect|Empty reply from server
EOF

"$B/crawlfleet" seed --redis "$R" --crawl fr --allow-private --max-depth 0 \
    --max-attempts 2 --backoff 50ms --breaker-failures 0 --connect-timeout 2s \
    --timeout 10s \
    $(cut -d'|' -f1 "$T/table" | sed "s|^|$O|") >"$T/seed.out" 2>&1 ||
    t_fail "seed: $(cat "$T/seed.out")"
"$B/crawlfleet-worker" --redis "$R" --crawl fr --exit-when-done \
    2>"$T/worker.log" &
W_PIDS=$!
wait_exit "$W_PIDS" 60
t_check "worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export fr --redis "$R" >"$T/fr.jsonl" 2>"$T/export.err"
"$B/crawlfleet" dead fr --redis "$R" >"$T/dead.jsonl" 2>"$T/dead.err"

# field FILE PATH NAME: NAME of PATH's record in FILE (JSON Lines)
field() {
    jq -r --arg u "$O$2" "select(.url == \$u) | .$3 // \"\"" "$1" |
        head -n 1
}
while IFS='|' read -r path want words; do
    got=$(field "$T/fr.jsonl" "$path" error_type)
    msg=$(field "$T/fr.jsonl" "$path" error)
    fetches=$(grep -c " GET $path " "$T/fx.log")
    echo "# $path: ${got:-none} \"$msg\" (fetched $fetches times)"
    if [ "$got" != "$want" ]; then
        t_fail "$path: outcome ${got:-none}, want $want (\"$msg\")"
    elif [ -n "$words" ] && ! printf '%s' "$msg" | grep -qF -- "$words"; then
        t_fail "$path: message \"$msg\" lacks \"$words\""
    else
        t_ok "$path: $want${words:+, \"$words\"}"
    fi
    if [ "$want" != ok ]; then
        t_check "$path: retried, fetched twice ($fetches)" [ "$fetches" -eq 2 ]
        t_check "$path: a dead letter with that outcome" [ \
            "$(field "$T/dead.jsonl" "$path" error_type)" = "$want" ]
        t_check "$path: its final result says dead" [ \
            "$(field "$T/fr.jsonl" "$path" dead)" = true ]
    fi
done <"$T/table"
t_check "one result per URL" \
    [ "$(wc -l <"$T/fr.jsonl")" -eq "$(wc -l <"$T/table")" ]

t_summary worker_framing
