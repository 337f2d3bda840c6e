# tls.sh - a test CA, certificates and an nginx in front of cf-fixture,
# for the HTTPS integration scripts. Source it after lib/redis.sh and
# lib/worker.sh (it uses T, FX_PIDS and wait_for).
#
#   tls_certs DIR
#
# makes, with openssl, in DIR: ca.pem (a test CA); site.pem/.key for
# site0.test, site1.test and redirect.test; other.pem/.key for other.test
# only (served as wrong.test: a name mismatch); expired.pem/.key for
# expired.test, valid in January 2020 only; self.pem/.key, self-signed
# for selfsigned.test. Returns non-zero if openssl failed.
#
#   nginx_ports
#
# picks HTTPS_PORT and HTTP_PORT at random (a fixture's --origin needs
# them before nginx starts).
#
#   nginx_start DIR FXPORT0 FXPORT1
#
# starts nginx (one process, no daemon) with its files in DIR on the
# loopback ports nginx_ports picked: HTTPS_PORT (TLS, HTTP/2 and HTTP/1.1 by
# ALPN) serving site0.test and site1.test as proxies of the two fixture
# ports (site0.test also /h2/reset: the connection closed, over HTTP/2 a
# stream reset, before any answer; /h2/cut: the fixture's /t/stall given
# up after 1 s, the answer cut after its first bytes), expired.test, wrong.test and selfsigned.test as one small page
# each; HTTP_PORT (cleartext) where redirect.test answers 301 to
# https://site0.test:HTTPS_PORT/ and the same path. Its access log,
# DIR/access.log, has one line per request:
#
#   msec request_time host server_port method uri status connection
#   protocol ssl_session_reused
#
# (msec: unix seconds.millis at the end; connection: nginx's serial
# number of the TCP connection, so distinct values per host count the TLS
# handshakes; ssl_session_reused "r" or "."). Sets HTTPS_PORT, HTTP_PORT
# and NGINX_PID (added to FX_PIDS); returns non-zero if nginx did not
# start (a port may be taken: pick others and try again).

tls_certs() {
    _d=$1
    _ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    mkdir -p "$_d/newcerts" || return 1
    : >"$_d/index.txt"
    echo 01 >"$_d/serial"
    cat >"$_d/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
database = $_d/index.txt
new_certs_dir = $_d/newcerts
serial = $_d/serial
default_md = sha256
policy = pol
copy_extensions = copy
unique_subject = no
[pol]
commonName = supplied
EOF
    # shellcheck disable=SC2086
    openssl req -x509 $_ec -keyout "$_d/ca.key" -out "$_d/ca.pem" -days 2 \
        -subj "/CN=crawlfleet test CA" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>>"$_d/openssl.log" ||
        return 1
    # leaf NAME SANS [STARTDATE ENDDATE]: NAME.pem/.key signed by the CA.
    _leaf() {
        # shellcheck disable=SC2086
        openssl req -new $_ec -keyout "$_d/$1.key" -out "$_d/$1.csr" \
            -subj "/CN=${2%%,*}" -addext "subjectAltName=$(echo "$2" |
                sed 's/^/DNS:/; s/,/,DNS:/g')" 2>>"$_d/openssl.log" || return 1
        openssl ca -batch -notext -config "$_d/ca.cnf" -cert "$_d/ca.pem" \
            -keyfile "$_d/ca.key" -in "$_d/$1.csr" -out "$_d/$1.pem" \
            -startdate "${3:-$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)}" \
            -enddate "${4:-$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)}" \
            >>"$_d/openssl.log" 2>&1
    }
    _leaf site site0.test,site1.test,redirect.test || return 1
    _leaf other other.test || return 1
    _leaf expired expired.test 20200101000000Z 20200131000000Z || return 1
    # shellcheck disable=SC2086
    openssl req -x509 $_ec -keyout "$_d/self.key" -out "$_d/self.pem" \
        -days 2 -subj "/CN=selfsigned.test" \
        -addext subjectAltName=DNS:selfsigned.test 2>>"$_d/openssl.log"
}

_nginx_conf() {
    _d=$1
    cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $_d/nginx.pid;
error_log $_d/error.log warn;
events { worker_connections 1024; }
http {
    log_format cf '\$msec \$request_time \$host \$server_port '
                  '\$request_method \$request_uri \$status \$connection '
                  '\$server_protocol \$ssl_session_reused';
    access_log $_d/access.log cf;
    client_body_temp_path $_d/tmp;
    proxy_temp_path $_d/tmp;
    fastcgi_temp_path $_d/tmp;
    uwsgi_temp_path $_d/tmp;
    scgi_temp_path $_d/tmp;
    default_type text/html;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 100000;
    http2_max_requests 100000;
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name site0.test;
        ssl_certificate $_d/site.pem;
        ssl_certificate_key $_d/site.key;
        location / { proxy_pass http://127.0.0.1:$2; }
        location = /h2/reset { return 444; }
        location = /h2/cut {
            proxy_pass http://127.0.0.1:$2/t/stall;
            proxy_buffering off;
            proxy_read_timeout 1s;
        }
    }
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name site1.test;
        ssl_certificate $_d/site.pem;
        ssl_certificate_key $_d/site.key;
        location / { proxy_pass http://127.0.0.1:$3; }
    }
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name expired.test;
        ssl_certificate $_d/expired.pem;
        ssl_certificate_key $_d/expired.key;
        location / { return 200 "<title>expired</title>\n"; }
    }
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name wrong.test;
        ssl_certificate $_d/other.pem;
        ssl_certificate_key $_d/other.key;
        location / { return 200 "<title>wrong</title>\n"; }
    }
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name selfsigned.test;
        ssl_certificate $_d/self.pem;
        ssl_certificate_key $_d/self.key;
        location / { return 200 "<title>self-signed</title>\n"; }
    }
    server {
        listen 127.0.0.1:$HTTP_PORT;
        server_name redirect.test;
        location / {
            return 301 https://site0.test:$HTTPS_PORT\$request_uri;
        }
    }
}
EOF
}

_nginx_up() {
    kill -0 "$NGINX_PID" 2>/dev/null || return 2
    # the TLS port answers a handshake
    curl -s -o /dev/null -k --resolve "site0.test:$HTTPS_PORT:127.0.0.1" \
        "https://site0.test:$HTTPS_PORT/robots.txt"
}

nginx_ports() {
    HTTPS_PORT=$(_redis_random_port)
    HTTP_PORT=$(_redis_random_port)
    while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do
        HTTP_PORT=$(_redis_random_port)
    done
}

nginx_start() {
    _d=$1
    _ng=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$_ng" ] || {
        echo "nginx_start: nginx is not installed (tools/deps.sh)" >&2
        return 1
    }
    mkdir -p "$_d/tmp"
    _nginx_conf "$_d" "$2" "$3" >"$_d/nginx.conf"
    "$_ng" -p "$_d" -e "$_d/error.log" -c "$_d/nginx.conf" \
        >>"$_d/nginx.out" 2>&1 &
    NGINX_PID=$!
    FX_PIDS="$FX_PIDS $NGINX_PID"
    WAIT_TIMEOUT=10 wait_for _nginx_up
    _nginx_up && return 0
    kill "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null
    echo "nginx_start: nginx did not start: $(tail -n 3 "$_d/error.log")" >&2
    return 1
}
