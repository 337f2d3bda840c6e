#!/bin/sh
# https.sh [BUILD_DIR] - the same fixture site crawled over plain HTTP/1.1
# and over HTTPS with HTTP/2, both through one nginx (tests/lib/tls.sh's
# test CA), in the same run: pages/s, worker CPU ms per page, and TLS
# connections (handshakes) per host from nginx's log.
#
# Two cf-fixture instances serve the same generated site (same seed and
# size) whose links name http://siteN.test:HTTP_PORT and
# https://siteN.test:HTTPS_PORT; nginx proxies each name to its fixture.
# One crawlfleet-worker per run, --resolve maps the names to 127.0.0.1.
# Run it under `flock /work/bench.lock` on a shared machine.
#
# Env: HOSTS (4), PAGES per host (1500), CONC (32, worker --concurrency),
#      PER_HOST (8, --per-host-concurrency), REPEAT (1).
set -u
B=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/redis.sh"
. "$TOP/tests/lib/worker.sh"
. "$TOP/tests/lib/tls.sh"
HOSTS=${HOSTS:-4}
PAGES=${PAGES:-1500}
CONC=${CONC:-32}
PER_HOST=${PER_HOST:-8}
REPEAT=${REPEAT:-1}
wt_setup bench_https

tls_certs "$T/tls" || { echo "https.sh: openssl failed" >&2; exit 1; }
nginx_ports
names() { # SCHEME PORT: the fixture's --origin list
    _i=0
    _l=
    while [ $_i -lt "$HOSTS" ]; do
        _l="$_l${_l:+,}$1://site$_i.test:$2"
        _i=$((_i + 1))
    done
    echo "$_l"
}
start_fx() { # NAME ORIGINS
    "$B/cf-fixture" --hosts "$HOSTS" --pages "$PAGES" --scope host \
        --manifest "$T/$1.man" --origin "$2" >"$T/$1.ready" 2>&1 &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$1.ready" || exit 1
    sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/$1.ready" | tr , ' '
}
PLAIN_FX=$(start_fx plain "$(names http "$HTTP_PORT")")
TLS_FX=$(start_fx tls "$(names https "$HTTPS_PORT")")

# nginx: siteN.test on HTTP_PORT -> plain fixture N, on HTTPS_PORT (TLS,
# h2) -> tls fixture N.
D=$T/tls
mkdir -p "$D/tmp"
{
    cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log warn;
events { worker_connections 4096; }
http {
    log_format cf '\$msec \$request_time \$host \$server_port '
                  '\$request_method \$request_uri \$status \$connection '
                  '\$server_protocol \$ssl_session_reused';
    access_log $D/access.log cf;
    client_body_temp_path $D/tmp;
    proxy_temp_path $D/tmp;
    fastcgi_temp_path $D/tmp;
    uwsgi_temp_path $D/tmp;
    scgi_temp_path $D/tmp;
    keepalive_requests 1000000;
    http2_max_requests 1000000;
    upstream_placeholder;
EOF
    i=0
    for p in $PLAIN_FX; do
        echo "    server { listen 127.0.0.1:$HTTP_PORT; server_name site$i.test;"
        echo "        location / { proxy_pass http://127.0.0.1:$p; } }"
        i=$((i + 1))
    done
    i=0
    for p in $TLS_FX; do
        echo "    server { listen 127.0.0.1:$HTTPS_PORT ssl http2;"
        echo "        server_name site$i.test;"
        echo "        ssl_certificate $D/site.pem;"
        echo "        ssl_certificate_key $D/site.key;"
        echo "        location / { proxy_pass http://127.0.0.1:$p; } }"
        i=$((i + 1))
    done
    echo "}"
} | sed '/upstream_placeholder/d' >"$D/nginx.conf"
# the certificate names site0.test and site1.test only: make one for all
i=0
sans=
while [ $i -lt "$HOSTS" ]; do
    sans="$sans${sans:+,}DNS:site$i.test"
    i=$((i + 1))
done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$D/site.key" -out "$D/site.csr" -subj /CN=site0.test \
    -addext "subjectAltName=$sans" 2>/dev/null
openssl ca -batch -notext -config "$D/ca.cnf" -cert "$D/ca.pem" \
    -keyfile "$D/ca.key" -in "$D/site.csr" -out "$D/site.pem" -days 2 \
    >/dev/null 2>&1
nginx -p "$D" -e "$D/error.log" -c "$D/nginx.conf" >"$D/nginx.out" 2>&1 &
FX_PIDS="$FX_PIDS $!"
wait_for curl -s -o /dev/null --cacert "$D/ca.pem" \
    --resolve "site0.test:$HTTPS_PORT:127.0.0.1" \
    "https://site0.test:$HTTPS_PORT/robots.txt" ||
    { echo "https.sh: nginx did not start" >&2; cat "$D/error.log"; exit 1; }

# run NAME SCHEME PORT: one crawl; prints a result line.
run() {
    _n=$1
    _map=
    _i=0
    while [ $_i -lt "$HOSTS" ]; do
        _map="$_map --resolve site$_i.test:$3:127.0.0.1"
        _i=$((_i + 1))
    done
    : >"$D/access.log"
    # shellcheck disable=SC2086
    "$B/crawlfleet" seed --redis "$R" --crawl "$_n" --allow-private \
        --per-host-concurrency "$PER_HOST" --ca-file "$D/ca.pem" $_map \
        $(awk '$1 == "seed" { print $2 }' "$T/$2.man") >/dev/null
    _t0=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$T/$_n.time" "$B/crawlfleet-worker" \
        --redis "$R" --crawl "$_n" --exit-when-done --concurrency "$CONC" \
        2>"$T/$_n.log"
    _t1=$(date +%s%N)
    _pages=$(redis-cli -s "$REDIS_SOCK" hget "cf:{$_n}:stats" done)
    _ms=$(((_t1 - _t0) / 1000000))
    _cpu=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$T/$_n.time")
    _conns=$(awk '{ print $3, $8 }' "$D/access.log" | sort -u |
        awk '{ n[$1]++ } END { for (h in n) printf "%s=%d ", h, n[h] }')
    _proto=$(awk '{ print $9 }' "$D/access.log" | sort | uniq -c |
        awk '{ printf "%s:%s ", $2, $1 }')
    same_as_truth "$_n" "$T/$2.man" 2>/dev/null && _ok=yes || _ok=NO
    echo "$2 pages=$_pages wall_ms=$_ms pages_s=$(awk -v p="$_pages" \
        -v m="$_ms" 'BEGIN { printf "%.0f", p * 1000 / m }') cpu_ms=$_cpu" \
        "cpu_ms_per_page=$(awk -v c="$_cpu" -v p="$_pages" \
        'BEGIN { printf "%.3f", c / p }') truth=$_ok protocols=$_proto" \
        "connections_per_host=$_conns"
}
r=1
while [ $r -le "$REPEAT" ]; do
    run "plain$r" plain "$HTTP_PORT"
    run "tls$r" tls "$HTTPS_PORT"
    r=$((r + 1))
done
