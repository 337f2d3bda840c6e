#!/bin/sh
# warc_crawl.sh - what --warc hands back, read by warcio.js:
#   1. a crawl with --warc: every record of every file parses; every
#      result's response record is at the offset and length it names,
#      with its URL and a payload whose SHA-1 is the result's digest;
#      block digests hold; robots.txt and 404 answers are archived;
#      `export --format cdxj` indexes every archived page;
#   2. kill -9 of a worker mid-crawl: the next worker on the same
#      directory repairs the cut file, and every acked page has its
#      record;
#   3. disk full (a small tmpfs): nothing acked is missing, the worker
#      stops taking work, says why in /healthz and its heartbeat, and
#      exits 0 on SIGTERM.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/warcio.sh"
B=${B:-build}
wt_setup warc_crawl

if ! warcio_setup; then
    t_fail "warcio.js could not be installed"
    t_summary warc_crawl
    exit 1
fi
command -v jq >/dev/null || {
    t_fail "jq is not installed"
    t_summary warc_crawl
    exit 1
}

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
count_results() { rcli xlen "cf:{$1}:results"; }
at_least() { [ "$(count_results "$1")" -ge "$2" ]; }

fx_start() {
    _n=$1
    shift
    "$B/cf-fixture" --manifest "$T/$_n.man" "$@" >"$T/$_n.ready" \
        2>"$T/$_n.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$_n.ready"
}
seeds() { awk '$1 == "seed" { print $2 }' "$T/$1.man"; }

# check_results RESULTS RECORDS DESC: every result with a response names
# a response record of its URL at its offset and length, whose payload's
# SHA-1 is the result's digest; every record's block digest holds.
check_results() {
    _bad=$(jq -n --slurpfile R "$2" --slurpfile O "$1" '
        ($R | map({key: "\(.file) \(.offset)", value: .}) | from_entries)
            as $at
        | [$O[] | select(.status > 0) | . as $o
           | $at["\(.warc_file) \(.warc_offset)"] as $r
           | select($r == null or $r.type != "response" or
                    $r.length != $o.warc_length or $r.uri != $o.url or
                    $r.status != $o.status or
                    $r.payload_digest != $o.payload_digest or
                    $r.payload_sha1 != $o.payload_digest)
           | .url] | length')
    _n=$(jq -s '[.[] | select(.status > 0)] | length' "$1")
    t_check "$3: each of $_n results has its response record ($_bad not)" \
        [ "$_bad" = 0 ] && [ "$_n" -gt 0 ]
    _bad=$(jq -s '[.[] | select(.block_digest != null and
        .block_digest != .block_sha1)] | length' "$2")
    t_check "$3: every block digest holds ($_bad not)" [ "$_bad" = 0 ]
}

# ---- 1. a crawl with --warc --------------------------------------------
fx_start f1 --hosts 2 --pages 40 --seed 5 --robots allow,404 ||
    t_fail "fixture f1 starts"
"$B/crawlfleet" crawl $(seeds f1) --allow-private --scope any --workers 2 \
    --warc "$T/w1" --state-dir "$T/s1" -o "$T/o1.jsonl" -q 2>"$T/c1.err"
t_check "crawl --warc exits 0" [ $? -eq 0 ]
t_check "no .open file is left" [ -z "$(ls "$T/w1" | grep '\.open$')" ]
t_check "files are named PREFIX-TIMESTAMP-SERIAL-WORKERID.warc.gz" \
    [ -z "$(ls "$T/w1" | grep -v -E \
        '^[a-z0-9.-]+-[0-9]{17}-[0-9]{5}-[A-Za-z0-9._-]+\.warc\.gz$')" ]
warc_check "$T/w1" >"$T/r1.jsonl" 2>"$T/r1.err"
t_check "warcio.js parses every record ($(wc -l <"$T/r1.jsonl") records)" \
    [ $? -eq 0 ] && [ -s "$T/r1.jsonl" ]
[ -s "$T/r1.err" ] && head -n 3 "$T/r1.err" >&2
check_results "$T/o1.jsonl" "$T/r1.jsonl" "crawl --warc"
nfiles=$(ls "$T/w1" | wc -l)
ninfo=$(jq -s '[.[] | select(.type == "warcinfo" and .offset == 0)] |
    length' "$T/r1.jsonl")
t_check "a warcinfo record opens each of the $nfiles files" \
    [ "$ninfo" -eq "$nfiles" ]
t_check "robots.txt answers are archived (200 and 404)" [ "$(jq -s '
    [.[] | select(.type == "response" and (.uri | endswith("/robots.txt")))
     | .status] | sort | unique == [200, 404]' "$T/r1.jsonl")" = true ]
t_check "404 pages are archived" [ "$(jq -s '[.[] | select(.type ==
    "response" and .status == 404)] | length' "$T/r1.jsonl")" -gt 0 ]
t_check "each response's WARC-Concurrent-To names its request" [ "$(jq -s '
    (map(select(.type == "request")) | map({key: .id, value: .uri}) |
     from_entries) as $req
    | [.[] | select(.type == "response" and $req[.concurrent] != .uri)]
    | length' "$T/r1.jsonl")" = 0 ]
name=$(jq -r .warc_file "$T/o1.jsonl" | head -n 1 | sed 's/-[0-9]\{17\}-.*//')
t_check "the file prefix is the crawl name ($name)" [ -n "$name" ]

# ---- 1b. CDXJ: our index of the results against warcio.js's of the files
fx_start f1b --hosts 1 --pages 20 --seed 3 || t_fail "fixture f1b starts"
"$B/crawlfleet" seed --redis "$R" --crawl cdx --allow-private \
    --warc $(seeds f1b) >/dev/null
"$B/crawlfleet-worker" --redis "$R" --crawl cdx --warc-dir "$T/w1b" \
    --exit-when-done 2>"$T/cdx.log" &
W_PIDS="$W_PIDS $!"
wait_exit $! 60
t_check "cdx crawl: worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export cdx --redis "$R" --format cdxj >"$T/ours.cdxj"
t_check "export --format cdxj exits 0" [ $? -eq 0 ]
(cd "$T/w1b" && warc_cdxj *.warc.gz) | LC_ALL=C sort >"$T/theirs.cdxj"
n=$(wc -l <"$T/ours.cdxj")
want=$("$B/crawlfleet" export cdx --redis "$R" | grep -c '"warc_file"')
t_check "cdxj: a line per archived result ($n of $want)" \
    [ "$n" -eq "$want" ] && [ "$n" -gt 0 ]
t_check "cdxj: sorted" sh -c "LC_ALL=C sort -c '$T/ours.cdxj'"
t_check "cdxj: every line is warcio.js's line for that record" \
    [ -z "$(LC_ALL=C comm -23 "$T/ours.cdxj" "$T/theirs.cdxj")" ]
LC_ALL=C comm -23 "$T/ours.cdxj" "$T/theirs.cdxj" | head -n 2 >&2

# ---- 2. kill -9 mid-crawl, then a worker on the same directory ------------
fx_start f2 --hosts 2 --pages 60 --seed 7 --delay-ms 20 ||
    t_fail "fixture f2 starts"
"$B/crawlfleet" seed --redis "$R" --crawl k9 --allow-private --scope any \
    --warc --lease 3s --timeout 2s $(seeds f2) >/dev/null
"$B/crawlfleet-worker" --redis "$R" --crawl k9 --concurrency 8 \
    --warc-dir "$T/w2" 2>"$T/k9a.log" &
a=$!
W_PIDS="$W_PIDS $a"
WAIT_TIMEOUT=30 wait_for at_least k9 15
kill -9 "$a"
wait "$a" 2>/dev/null
open=$(ls "$T/w2" | grep '\.open$')
t_check "the killed worker left a .open file" [ -n "$open" ]
# and a write cut short: the first 200 bytes of a gzip member at its end
head -c 200 "$T/w2/$open" >"$T/cut"
cat "$T/cut" >>"$T/w2/$open"
"$B/crawlfleet-worker" --redis "$R" --crawl k9 --concurrency 8 \
    --warc-dir "$T/w2" --exit-when-done 2>"$T/k9b.log" &
b=$!
W_PIDS="$W_PIDS $b"
wait_exit "$b" 60
t_check "the next worker finishes the crawl" [ $? -eq 0 ]
t_check "...and says it repaired the cut file (200 bytes cut)" \
    grep -q 'msg="warc repaired".*cut=200$' "$T/k9b.log"
t_check "no .open file is left" [ -z "$(ls "$T/w2" | grep '\.open$')" ]
"$B/crawlfleet" export k9 --redis "$R" >"$T/o2.jsonl"
warc_check "$T/w2" >"$T/r2.jsonl" 2>"$T/r2.err"
t_check "warcio.js parses every record after the repair" [ $? -eq 0 ]
check_results "$T/o2.jsonl" "$T/r2.jsonl" "kill -9"

# ---- 3. disk full ------------------------------------------------------------
fx_start f3 --hosts 2 --pages 200 --seed 9 ||
    t_fail "fixture f3 starts"
"$B/crawlfleet" seed --redis "$R" --crawl full --allow-private \
    --scope any --warc --lease 60s $(seeds f3) >/dev/null
MPORT=$(_redis_random_port)
mkdir -p "$T/w3"
# a 64 KiB tmpfs in a mount namespace of our own (root or not); the
# records are read inside it, after the worker exits
unshare -rm sh -c "mount -t tmpfs -o size=64k cf-full '$T/w3' || exit 9
    '$B/crawlfleet-worker' --redis '$R' --crawl full --warc-dir '$T/w3' \
        --metrics-port $MPORT 2>'$T/full.log' &
    echo \$! >'$T/full.pid'
    wait \$!
    echo \$? >'$T/full.rc'
    node '$WARCIO_DIR/warc_check.mjs' '$T/w3' >'$T/r3.jsonl' 2>'$T/r3.err'
    echo \$? >'$T/r3.rc'" &
ns=$!
W_PIDS="$W_PIDS $ns"
WAIT_TIMEOUT=30 wait_for grep -q 'warc write failed' "$T/full.log" 2>/dev/null
t_check "the worker logs the full disk" grep -q 'No space left' "$T/full.log" ||
    tail -n 5 "$T/full.log" >&2
t_check "/healthz says why (503)" sh -c "curl -s -o '$T/hz' -w '%{http_code}' \
    http://127.0.0.1:$MPORT/healthz | grep -q 503 && grep -q warc '$T/hz'"
wpid=$(cat "$T/full.pid")
WAIT_TIMEOUT=10 wait_for sh -c "redis-cli -s '$REDIS_SOCK' hget \
    cf:worker:$(hostname):$wpid warc_error | grep -q space"
t_check "the heartbeat says why" [ $? -eq 0 ]
n1=$(count_results full)
# no lease of the crawl stays with the worker once it stopped taking work
WAIT_TIMEOUT=10 wait_for sh -c "[ \$(redis-cli -s '$REDIS_SOCK' zcard \
    'cf:{full}:leases') -eq 0 ]"
t_check "its leases are given back" [ $? -eq 0 ]
t_check "the crawl is not done" [ "$(rcli hget 'cf:{full}:stats' queued)" -gt 0 ]
kill -TERM "$wpid"
wait "$ns"
t_check "the worker exits 0 on SIGTERM (no crash)" [ "$(cat "$T/full.rc")" = 0 ]
t_check "warcio.js parses what fit on the disk" [ "$(cat "$T/r3.rc")" = 0 ]
"$B/crawlfleet" export full --redis "$R" >"$T/o3.jsonl"
check_results "$T/o3.jsonl" "$T/r3.jsonl" "disk full ($n1 acked)"

t_summary warc_crawl
