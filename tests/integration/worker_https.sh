#!/bin/sh
# worker_https.sh - crawls over HTTPS and HTTP/2 against nginx (TLS, h2
# and http/1.1 by ALPN, a test CA made here with openssl) in front of the
# cf-fixture site:
#   1. the HTTPS site crawled by two workers equals its ground truth, every
#      request over HTTP/2, the per-host limit holds across the fleet on
#      the server's log, and each worker makes one TLS handshake per host
#      (streams share a connection);
#   2. fetch starts on one host keep --delay apart over HTTP/2;
#   3. an expired certificate, a wrong name, a self-signed certificate and
#      a CA not trusted are each a `tls` outcome with curl's reason; an
#      HTTP/2 stream reset is `connect` before any answer, `protocol`
#      after it began;
#   4. --insecure fetches them, loudly (seed, worker log, result flag);
#   5. an http -> https redirect is followed to the HTTPS site;
#   6. bad --ca-file and --resolve values are refused at seed.
# Host names map to loopback with --resolve (no /etc/hosts). Needs nginx
# and openssl (tools/deps.sh); without them the script fails.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/tls.sh"
B=${B:-build}
wt_setup worker_https

stat() { redis-cli -s "$REDIS_SOCK" hget "cf:{$1}:stats" "$2"; }
worker() {
    "$B/crawlfleet-worker" --redis "$R" "$@" 2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    LAST_W=$!
}

command -v openssl >/dev/null || t_fail "openssl is installed"
tls_certs "$T/tls" || t_fail "test certificates made: $(tail -n 3 \
    "$T/tls/openssl.log")"
# The fixture's links and manifest name the HTTPS origins, so nginx's
# ports are picked first; a port found taken means another try.
site_up() {
    nginx_ports
    "$B/cf-fixture" --hosts 2 --pages 30 --scope host --delay-ms 40 \
        --manifest "$T/site.man" --origin \
        "https://site0.test:$HTTPS_PORT,https://site1.test:$HTTPS_PORT" \
        >"$T/fx.ready" 2>"$T/fx.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/fx.ready" || return 1
    P=$(sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/fx.ready")
    nginx_start "$T/tls" "${P%,*}" "${P#*,}"
}
up=0
for try in 1 2 3; do
    site_up && { up=1; break; }
done
if [ "$up" != 1 ]; then
    t_fail "fixture and nginx start"
    t_summary worker_https
    exit 1
fi

H=$HTTPS_PORT
MAP="--resolve site0.test:$H:127.0.0.1 --resolve site1.test:$H:127.0.0.1"
for n in expired wrong selfsigned; do
    MAP="$MAP --resolve $n.test:$H:127.0.0.1"
done
MAP="$MAP --resolve redirect.test:$HTTP_PORT:127.0.0.1"
CA="--ca-file $T/tls/ca.pem"

# nginx writes a request's log line just after its answer, so a client
# can see the answer before the line is in access.log (a line of an
# earlier phase could land in the next one after a truncation). Its one
# process takes events in turn: once the line of a marker request sent
# now is in the log, every request answered before it is there too.
# Marker lines are left out of every count below.
log_mark() {
    curl -s --cacert "$T/tls/ca.pem" -o /dev/null \
        --resolve "site0.test:$H:127.0.0.1" "https://site0.test:$H/__mark-$1"
    wait_for grep -q " /__mark-$1 " "$T/tls/access.log" ||
        t_fail "nginx logged the marker request $1"
}

# ALPN offers both: the server answers HTTP/1.1 clients too.
v=$(curl -s --http1.1 --cacert "$T/tls/ca.pem" -o /dev/null \
    -w '%{http_version}' --resolve "site0.test:$H:127.0.0.1" \
    "https://site0.test:$H/")
t_check "nginx serves HTTP/1.1 by ALPN too ($v)" [ "$v" = 1.1 ]
log_mark alpn
: >"$T/tls/access.log"

# ---- 1. the HTTPS site, two workers, per-host limit 2 --------------------
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl site --allow-private \
    --per-host-concurrency 2 $CA $MAP \
    $(awk '$1 == "seed" { print $2 }' "$T/site.man") >/dev/null
worker --crawl site --exit-when-done --concurrency 8 --batch 8
a=$LAST_W
worker --crawl site --exit-when-done --concurrency 8 --batch 8
b=$LAST_W
wait_exit "$a" 90
ra=$?
wait_exit "$b" 90
rb=$?
t_check "both workers exit 0" [ "$ra" -eq 0 -a "$rb" -eq 0 ]
t_check "HTTPS crawl equals the ground truth" same_as_truth site \
    "$T/site.man"
log_mark site
awk '$3 ~ /^site[01]\.test$/ && $6 !~ /^\/__mark-/' "$T/tls/access.log" \
    >"$T/site.log"
n=$(wc -l <"$T/site.log")
t_check "the server saw the crawl ($n requests)" [ "$n" -gt 30 ]
t_check "every request over HTTP/2" \
    [ "$(awk '$9 != "HTTP/2.0"' "$T/site.log" | wc -l)" -eq 0 ]
# Most requests open at once on one host: a request is open over
# [end - request_time, end); the fixture holds each 40 ms, so half of it
# is a lower bound of what nginx had open.
open=$(awk '{ e = $1 * 1000; s = e - $2 * 1000
              printf "%s %.0f 1\n%s %.0f -1\n", $3, s, $3, s + 20 }' \
    "$T/site.log" | sort -k1,1 -k2,2n -k3,3n |
    awk '$1 != h { h = $1; n = 0 } { n += $3; if (n > m) m = n }
         END { print m + 0 }')
echo "# per-host limit 2: at most $open requests open at once on a host"
t_check "never more than 2 requests open on one host (streams)" \
    [ "$open" -le 2 ]
t_check "the overlap count saw requests" [ "$open" -ge 1 ]
hs=$(awk '{ print $3, $8 }' "$T/site.log" | sort -u | awk '{ print $1 }' |
    uniq -c | awk '{ printf "%s=%d ", $2, $1 }')
echo "# TLS connections per host: $hs($(wc -l <"$T/site.log") requests)"
maxc=$(awk '{ print $3, $8 }' "$T/site.log" | sort -u | awk '{ print $1 }' |
    uniq -c | awk '$1 > m { m = $1 } END { print m + 0 }')
t_check "at most workers x per-host limit TLS connections per host ($maxc)" \
    [ "$maxc" -le 4 ]

# ---- 2. politeness over HTTP/2: --delay 150ms ----------------------------
: >"$T/tls/access.log"
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl polite --allow-private \
    --max-pages 16 --delay 150ms $CA $MAP \
    $(awk '$1 == "seed" { print $2 }' "$T/site.man") >/dev/null
worker --crawl polite --exit-when-done --concurrency 8
a=$LAST_W
worker --crawl polite --exit-when-done --concurrency 8
b=$LAST_W
wait_exit "$a" 60
ra=$?
wait_exit "$b" 60
rb=$?
t_check "polite workers exit 0" [ "$ra" -eq 0 -a "$rb" -eq 0 ]
log_mark polite
# gaps between request starts on one host (nginx logs the end; the start
# is end - request_time), robots.txt aside; 30 ms slack as worker_crawl.
gap=$(awk '$6 != "/robots.txt" && $6 !~ /^\/__mark-/ && $3 ~ /^site/ {
           printf "%s %.0f\n", $3, ($1 - $2) * 1000 }' "$T/tls/access.log" |
    sort -k1,1 -k2,2n |
    awk 'p == $1 { g = $2 - t; if (m == "" || g < m) m = g }
         { p = $1; t = $2 } END { print m == "" ? -1 : m }')
echo "# --delay 150ms over HTTP/2: smallest gap between starts $gap ms"
t_check "fetch starts on one host at least 150 ms apart over HTTP/2" \
    [ "$gap" -ge 120 ]

# ---- 3. certificate failures: tls with curl's reason ---------------------
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl bad --allow-private --scope any \
    --no-robots $CA $MAP "https://expired.test:$H/" "https://wrong.test:$H/" \
    "https://selfsigned.test:$H/" >/dev/null
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl noca --allow-private --no-robots \
    $MAP "https://site0.test:$H/" >/dev/null
worker --crawl bad --crawl noca --exit-when-done
wait_exit "$LAST_W" 60
t_check "worker exits 0 after the TLS failures" [ $? -eq 0 ]
"$B/crawlfleet" export bad --redis "$R" >"$T/bad.jsonl"
"$B/crawlfleet" export noca --redis "$R" >>"$T/bad.jsonl"
# tls_of HOST PATTERN: HOST's result is tls with an error matching PATTERN.
tls_of() {
    grep -F "\"url\":\"https://$1:$H/\"" "$T/bad.jsonl" |
        grep -F '"error_type":"tls"' | grep -Eq "\"error\":\"[^\"]*$2"
}
t_check "expired certificate: tls, 'certificate has expired'" \
    tls_of expired.test "certificate has expired"
t_check "wrong host name: tls, 'no alternative certificate subject name'" \
    tls_of wrong.test "no alternative certificate subject name"
t_check "self-signed certificate: tls, 'self-signed certificate'" \
    tls_of selfsigned.test "self.signed certificate"
t_check "CA not trusted (no --ca-file): tls, 'unable to get local issuer'" \
    tls_of site0.test "unable to get local issuer"
t_check "TLS failures are not retried" \
    [ "$(grep -c '"attempts":1' "$T/bad.jsonl")" -eq 4 ]

# ---- 3b. HTTP/2 streams reset: connect before an answer, protocol after --
# nginx resets the stream (RST_STREAM) where over HTTP/1.1 it would close
# the connection: curl says CURLE_HTTP2_STREAM for both.
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl h2rst --allow-private \
    --no-robots --max-attempts 1 $CA $MAP "https://site0.test:$H/h2/reset" \
    "https://site0.test:$H/h2/cut" >/dev/null
worker --crawl h2rst --exit-when-done
wait_exit "$LAST_W" 60
t_check "h2rst worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export h2rst --redis "$R" >"$T/h2rst.jsonl"
# rst_of PATH TYPE: PATH's result is TYPE, with curl's HTTP/2 words.
rst_of() {
    grep -F "\"url\":\"https://site0.test:$H$1\"" "$T/h2rst.jsonl" |
        grep -F "\"error_type\":\"$2\"" | grep -q 'HTTP/2 stream'
}
t_check "an HTTP/2 stream reset before any answer is connect" \
    rst_of /h2/reset connect
t_check "an HTTP/2 stream reset after the answer began is protocol" \
    rst_of /h2/cut protocol

# ---- 4. --insecure: fetched, and said loudly -----------------------------
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl ins --allow-private --scope any \
    --no-robots --insecure $MAP "https://expired.test:$H/" \
    "https://wrong.test:$H/" "https://selfsigned.test:$H/" \
    >/dev/null 2>"$T/ins.seed"
t_check "seed --insecure warns" grep -q "certificate checks are OFF" \
    "$T/ins.seed"
worker --crawl ins --exit-when-done
wait_exit "$LAST_W" 60
t_check "insecure worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export ins --redis "$R" >"$T/ins.jsonl"
t_check "--insecure: the three bad certificates fetched ok" \
    [ "$(grep -c '"error_type":"ok"' "$T/ins.jsonl")" -eq 3 ]
t_check "--insecure: every result flagged insecure" \
    [ "$(grep -c '"insecure":true' "$T/ins.jsonl")" -eq 3 ]
t_check "--insecure: the worker log says so" \
    grep -q "CERTIFICATE CHECKS ARE OFF.*crawl=ins" "$T/worker.log"
t_check "results of a checked crawl carry no insecure flag" \
    sh -c "! grep -q insecure '$T/bad.jsonl'"

# ---- 5. http -> https redirect -------------------------------------------
# shellcheck disable=SC2086
"$B/crawlfleet" seed --redis "$R" --crawl redir --allow-private --scope any \
    --max-depth 1 $CA $MAP "http://redirect.test:$HTTP_PORT/" >/dev/null
worker --crawl redir --exit-when-done
wait_exit "$LAST_W" 60
t_check "redirect worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export redir --redis "$R" >"$T/redir.jsonl"
t_check "the http URL answered 301 to https" grep -q \
    "\"url\":\"http://redirect.test:$HTTP_PORT/\".*\"status\":301" \
    "$T/redir.jsonl"
t_check "the https target was fetched ok" grep -q \
    "\"url\":\"https://site0.test:$H/\".*\"status\":200" "$T/redir.jsonl"

# ---- 6. bad settings refused at seed ---------------------------------------
refused() {
    "$B/crawlfleet" seed --redis "$R" --crawl refused "$@" \
        "https://site0.test:$H/" >"$T/out" 2>&1
    [ $? -eq 2 ] && grep -q -- "$1" "$T/out"
}
t_check "--ca-file: a missing file is refused" \
    refused --ca-file "$T/none.pem"
t_check "--ca-file: a file without a certificate is refused" \
    refused --ca-file "$T/tls/ca.cnf"
t_check "--resolve: no address is refused" refused --resolve "a.test:443"
t_check "--resolve: a name for an address is refused" \
    refused --resolve "a.test:443:localhost"
t_check "--resolve: a bad port is refused" refused --resolve "a.test:0:1.2.3.4"
t_check "no crawl 'refused' was made" \
    [ "$(redis-cli -s "$REDIS_SOCK" exists 'cf:{refused}:config')" = 0 ]

t_summary worker_https
