#!/bin/sh
# worker_ssrf.sh - the SSRF guard on the address each connection really
# goes to, as a table: URL spellings of loopback (decimal, octal, hex and
# short IPv4 forms, 0.0.0.0, IPv6 literals, v4-mapped, NAT64), names
# mapped with --resolve, private ranges, redirects from a public host to
# private addresses, and a DNS answer that changes between robots.txt and
# the page. Each row is crawled twice: without --allow-private it must be
# `blocked`; with it, rows a loopback server can answer must be fetched
# (so it is the guard that blocked them, not a failed connect).
#
# "Public" is 127.0.0.2: CF_SSRF_PUBLIC (the worker's test hook) lets the
# guard through to it, standing in for a public server on a machine with
# only loopback. Fixtures: A on 127.0.0.1, B on ::1, P on 127.0.0.2 (the
# public one) and C on 127.0.0.1 with P's port number (where a rebinding
# name lands). Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_ssrf

# fx NAME ARGS...: start a fixture; sets PORT.
fx() {
    _n=$1
    shift
    "$B/cf-fixture" --log "$T/$_n.log" "$@" >"$T/$_n.ready" 2>"$T/$_n.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$_n.ready" || {
        t_fail "fixture $_n starts: $(cat "$T/$_n.err")"
        return 1
    }
    PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/$_n.ready")
}
fx a && PA=$PORT
fx b --bind ::1 --pages 20 --scope host --manifest "$T/b.man" && PB=$PORT
fx p --bind 127.0.0.2 && PP=$PORT
fx c --port-base "$PP" && PC=$PORT
t_check "fixture C shares P's port number on 127.0.0.1" [ "$PC" = "$PP" ]

MAP="--resolve evil.test:$PA:127.0.0.1 --resolve evil6.test:$PB:[::1]
--resolve mapped.test:$PA:[::ffff:127.0.0.1]
--resolve nat64.test:$PA:[64:ff9b::7f00:1]
--resolve meta.test:$PA:169.254.169.254 --resolve public.test:$PP:127.0.0.2"
R2P="http://public.test:$PP/t/redirect-to?"

# id|URL|without --allow-private|with it ("-": not reachable here)
cat >"$T/table" <<EOF
1|http://127.0.0.1:$PA/t/ml/1.html|blocked|ok
2|http://127.1:$PA/t/ml/2.html|blocked|ok
3|http://127.0.1:$PA/t/ml/3.html|blocked|ok
4|http://2130706433:$PA/t/ml/4.html|blocked|ok
5|http://0x7f000001:$PA/t/ml/5.html|blocked|ok
6|http://0x7f.0.0.1:$PA/t/ml/6.html|blocked|ok
7|http://0x7F.0x0.0x0.0x1:$PA/t/ml/7.html|blocked|ok
8|http://0177.0.0.1:$PA/t/ml/8.html|blocked|ok
9|http://0177.0000.0000.0001:$PA/t/ml/9.html|blocked|ok
10|http://017700000001:$PA/t/ml/10.html|blocked|ok
11|http://0x7f.1:$PA/t/ml/11.html|blocked|ok
12|http://0.0.0.0:$PA/t/ml/12.html|blocked|ok
13|http://0:$PA/t/ml/13.html|blocked|ok
14|http://localhost:$PA/t/ml/14.html|blocked|ok
15|http://LOCALHOST:$PA/t/ml/15.html|blocked|ok
16|http://[::1]:$PB/t/ml/16.html|blocked|ok
17|http://[0:0:0:0:0:0:0:1]:$PB/t/ml/17.html|blocked|ok
18|http://[::]:$PB/t/ml/18.html|blocked|ok
19|http://[::ffff:127.0.0.1]:$PA/t/ml/19.html|blocked|ok
20|http://[::ffff:7f00:1]:$PA/t/ml/20.html|blocked|ok
21|http://[64:ff9b::7f00:1]:$PA/t/ml/21.html|blocked|-
22|http://[fd00::1]:$PA/t/ml/22.html|blocked|-
23|http://[fe80::1]:$PA/t/ml/23.html|blocked|-
24|http://[2002:7f00:1::1]:$PA/t/ml/24.html|blocked|-
25|http://[::127.0.0.1]:$PA/t/ml/25.html|blocked|-
26|http://10.0.0.1:$PA/t/ml/26.html|blocked|-
27|http://169.254.169.254:$PA/t/ml/27.html|blocked|-
28|http://100.64.0.1:$PA/t/ml/28.html|blocked|-
29|http://192.168.0.1:$PA/t/ml/29.html|blocked|-
30|http://172.16.0.1:$PA/t/ml/30.html|blocked|-
31|http://198.18.0.1:$PA/t/ml/31.html|blocked|-
32|http://224.0.0.1:$PA/t/ml/32.html|blocked|-
33|http://evil.test:$PA/t/ml/33.html|blocked|ok
34|http://evil6.test:$PB/t/ml/34.html|blocked|ok
35|http://mapped.test:$PA/t/ml/35.html|blocked|ok
36|http://nat64.test:$PA/t/ml/36.html|blocked|-
37|http://meta.test:$PA/t/ml/37.html|blocked|-
38|http://public.test:$PP/t/ml/38.html|ok|ok
39|http://127.0.0.2:$PP/t/ml/39.html|ok|ok
40|${R2P}http://127.0.0.1:$PA/t/ml/40.html|blocked|ok
41|${R2P}http://2130706433:$PA/t/ml/41.html|blocked|ok
42|${R2P}http://0x7f.1:$PA/t/ml/42.html|blocked|ok
43|${R2P}http://[::1]:$PB/t/ml/43.html|blocked|ok
44|${R2P}http://[::ffff:127.0.0.1]:$PA/t/ml/44.html|blocked|ok
45|${R2P}http://evil.test:$PA/t/ml/45.html|blocked|ok
46|${R2P}http://localhost:$PA/t/ml/46.html|blocked|ok
47|${R2P}http://0.0.0.0:$PA/t/ml/47.html|blocked|ok
48|${R2P}http://169.254.169.254/t/ml/48.html|blocked|-
49|${R2P}http://[64:ff9b::a9fe:a9fe]/t/ml/49.html|blocked|-
50|${R2P}http://127.0.0.2:$PP/t/ml/50.html|ok|ok
EOF

# crawl NAME [ALLOW]: seed every row (or only the reachable ones with
# ALLOW) and run one worker to the end.
crawl() {
    if [ -n "${2:-}" ]; then
        _urls=$(awk -F'|' '$4 != "-" { print $2 }' "$T/table")
        _allow=--allow-private
    else
        _urls=$(cut -d'|' -f2 "$T/table")
        _allow=
    fi
    # shellcheck disable=SC2086
    "$B/crawlfleet" seed --redis "$R" --crawl "$1" $_allow --scope any \
        --max-depth 2 --no-robots --connect-timeout 2s $MAP $_urls \
        >"$T/$1.seed" 2>&1 || t_fail "seed $1: $(head -c 300 "$T/$1.seed")"
    CF_SSRF_PUBLIC=127.0.0.2 "$B/crawlfleet-worker" --redis "$R" \
        --crawl "$1" --exit-when-done 2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    wait_exit "$!" 60
    t_check "worker for $1 exits 0" [ $? -eq 0 ]
    "$B/crawlfleet" export "$1" --redis "$R" >"$T/$1.jsonl"
}
crawl guard
t_check "no request reached the loopback servers A and B from the guarded \
crawl" [ ! -s "$T/a.log" -a ! -s "$T/b.log" ]
crawl allow 1

# outcome FILE ID: the outcome of the URL whose path is /t/ml/ID.html.
outcome() {
    sed -n "s|^{\"url\":\"[a-z]*://[^/\"]*/t/ml/$2\.html\".*\"error_type\":\"\([a-z_]*\)\".*|\1|p" \
        "$T/$1.jsonl" | head -n 1
}
while IFS='|' read -r id url want_g want_a; do
    got_g=$(outcome guard "$id")
    got_a=-
    [ "$want_a" != - ] && got_a=$(outcome allow "$id")
    echo "# ssrf $id $url: guard=${got_g:-none} allow-private=${got_a:-none}"
    if [ "$got_g" = "$want_g" ] && [ "$got_a" = "$want_a" ]; then
        t_ok "row $id: $want_g / $want_a"
    else
        t_fail "row $id $url: got $got_g / $got_a, want $want_g / $want_a"
    fi
done <"$T/table"
t_check "the worker logs the CF_SSRF_PUBLIC test hook" \
    grep -q "CF_SSRF_PUBLIC set" "$T/worker.log"

# ---- the site on [::1] crawled whole --------------------------------------
: >"$T/b.log"
"$B/crawlfleet" seed --redis "$R" --crawl v6 --allow-private \
    "http://[::1]:$PB/" >/dev/null 2>&1
"$B/crawlfleet-worker" --redis "$R" --crawl v6 --exit-when-done \
    2>>"$T/worker.log" &
W_PIDS="$W_PIDS $!"
wait_exit "$!" 60
t_check "IPv6 worker exits 0" [ $? -eq 0 ]
t_check "the manifest names [::1]" grep -q "^seed http://\[::1\]:$PB/" \
    "$T/b.man"
t_check "a crawl of http://[::1]:port/ equals the ground truth" \
    same_as_truth v6 "$T/b.man"

# ---- a DNS answer that changes between robots.txt and the page ----------
# rebind.test is public (127.0.0.2) when robots.txt is fetched; then its
# answer becomes 127.0.0.1, where fixture C waits on the same port. The
# crawl's --delay keeps the page well after the worker re-reads the
# config (every 5 s).
: >"$T/c.log"
"$B/crawlfleet" seed --redis "$R" --crawl rebind --scope any --delay 7s \
    --resolve "rebind.test:$PP:127.0.0.2" \
    "http://rebind.test:$PP/t/ml/100.html" >/dev/null 2>&1
CF_SSRF_PUBLIC=127.0.0.2 "$B/crawlfleet-worker" --redis "$R" \
    --crawl rebind --exit-when-done 2>>"$T/worker.log" &
W_PIDS="$W_PIDS $!"
rw=$!
wait_for grep -q "GET /robots.txt 200" "$T/p.log"
t_check "robots.txt fetched from the public address" \
    grep -q "GET /robots.txt 200" "$T/p.log"
redis-cli -s "$REDIS_SOCK" hset 'cf:{rebind}:config' resolve \
    "rebind.test:$PP:127.0.0.1" >/dev/null
wait_exit "$rw" 60
t_check "rebind worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export rebind --redis "$R" >"$T/rebind.jsonl"
got=$(outcome rebind 100)
echo "# ssrf 51 http://rebind.test:$PP/t/ml/100.html (robots.txt public," \
    "page private): guard=${got:-none}"
t_check "the page after the answer changed is blocked ($got)" \
    [ "$got" = blocked ]
t_check "fixture C (the private address) got no request" \
    [ ! -s "$T/c.log" ]
t_check "the page was not fetched from the public address either" \
    sh -c "! grep -q 't/ml/100.html' '$T/p.log'"

t_summary worker_ssrf
