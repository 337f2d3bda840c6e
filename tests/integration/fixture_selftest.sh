#!/bin/sh
# fixture_selftest.sh - check cf-fixture itself with curl: the ready line,
# the manifest against what the server answers, a sample of the /t/
# endpoints, the request log, determinism, --delay-ms, --root, and a
# clean exit on SIGTERM. Run by tests/run.sh with B=build dir.
set -u
B=${B:-build}
FX=$B/cf-fixture
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
pass=0
fail=0
pids=""

cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $1"
    fi
}

# start NAME ARGS...: run the fixture, wait (at most 10 s) for its ready
# line; sets PORTS (space separated) and FXPID.
start() {
    name=$1
    shift
    "$FX" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    FXPID=$!
    pids="$pids $FXPID"
    i=0
    while ! grep -q '^ready ' "$T/$name.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$FXPID" 2>/dev/null; then
            echo "fixture $name did not start:"
            cat "$T/$name.err"
            PORTS=""
            return 1
        fi
        sleep 0.05
    done
    PORTS=$(sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/$name.out" |
        tr ',' ' ')
    return 0
}

# stop PID: SIGTERM, wait at most 5 s; returns its exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && return 99
        sleep 0.05
    done
    wait "$1"
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

if [ ! -x "$FX" ]; then
    echo "no $FX (make $FX)"
    echo "fixture_selftest: 0 passed, 1 failed"
    exit 1
fi

start main --hosts 3 --pages 30 --seed 7 --manifest "$T/manifest" \
    --log "$T/log" --robots allow,disallow,500 --pidfile "$T/pid"
check "ready line" $?
MAINPID=$FXPID
set -- $PORTS
H0=http://127.0.0.1:$1
H1=http://127.0.0.1:$2
H2=http://127.0.0.1:$3
[ $# -eq 3 ] && [ "$(cat "$T/pid")" = "$MAINPID" ]
check "three ports and a pid file" $?

curl -s "$H0/" | grep -q '<title>Host 0 page 0</title>'
check "root page title" $?

# The manifest: every page answers 200 with HTML, every broken link 404,
# every denied/asset/nofollow URL exists (200).
urls_of() { awk -v k="$1" '$1 == k { print $2 }' "$T/manifest"; }
status_all() { # status_all KIND WANT: all URLs of KIND answer WANT
    urls_of "$1" | sed 's/^/url=/; s/$/\noutput=\/dev\/null/' >"$T/cfg.$1"
    [ -s "$T/cfg.$1" ] || return 1
    curl -s --parallel --parallel-max 50 -K "$T/cfg.$1" \
        -w '%{http_code}\n' >"$T/codes.$1" 2>/dev/null
    [ "$(sort -u "$T/codes.$1")" = "$2" ] &&
        [ "$(wc -l <"$T/codes.$1")" -eq "$(urls_of "$1" | wc -l)" ]
}
for kind in page:200 broken:404 denied:200 asset:200 nofollow:200; do
    status_all "${kind%:*}" "${kind#*:}"
    check "manifest $kind" $?
done
n=$(urls_of page | grep -c "^$H0/\(p/\|\$\)")
[ "$n" -eq 30 ]
check "all 30 pages of host 0 in the manifest (got $n)" $?
[ "$(urls_of page | grep -c "^$H2/")" -eq 0 ] &&
    [ "$(urls_of denied | grep -c "^$H2/")" -gt 0 ] &&
    [ "$(urls_of denied | grep -c "^$H1/private/")" -gt 0 ]
check "robots 500 host and /private/ denied in the manifest" $?
[ "$(urls_of page | sort | uniq -d | wc -l)" -eq 0 ]
check "manifest has no duplicates" $?

curl -s "$H1/robots.txt" | grep -q '^Disallow: /private/$' &&
    [ "$(code "$H2/robots.txt")" = 500 ] && [ "$(code "$H0/robots.txt")" = 200 ]
check "robots.txt per host" $?

out=$(curl -s -L -o /dev/null -w '%{http_code} %{num_redirects}' "$H0/t/redirect/5")
[ "$out" = "200 5" ]
check "redirect chain ($out)" $?
curl -s -L --max-redirs 10 -o /dev/null "$H0/t/redirect-loop/a"
[ $? -eq 47 ]
check "redirect loop" $?
curl -s -D - -o /dev/null "$H0/t/redirect-ftp" | grep -qi '^location: ftp:'
check "redirect to ftp:" $?

a=$(code "$H0/t/flaky/2/x")
b=$(code "$H0/t/flaky/2/x")
c=$(code "$H0/t/flaky/2/x")
d=$(code "$H0/t/flaky/2/y")
[ "$a $b $c $d" = "503 503 200 503" ]
check "flaky counts per path ($a $b $c $d)" $?
curl -s -D - -o /dev/null "$H0/t/503" | grep -qi '^retry-after: 1'
check "503 Retry-After" $?

z=$(curl -s "$H0/t/gzip-bomb/64" | wc -c)
u=$(curl -s "$H0/t/gzip-bomb/64" | gzip -dc | wc -c)
[ "$z" -lt 200000 ] && [ "$u" -eq 67108864 ]
check "gzip bomb ($z -> $u bytes)" $?
[ "$(curl -s "$H0/t/huge/5" | wc -c)" -eq 5242880 ] &&
    [ "$(curl -s "$H0/t/huge-chunked/3" | wc -c)" -eq 3145728 ]
check "huge bodies" $?
curl -s -I "$H0/t/huge" | grep -qi '^content-length: 52428800'
check "HEAD huge" $?

out=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$H0/t/stall")
rc=$?
[ $rc -eq 28 ] && [ "$out" = 200 ]
check "stall: headers then timeout (rc $rc, $out)" $?
out=$(curl -s -o "$T/slow" -w '%{time_total}' "$H0/t/slow/5/40/5")
[ "$(wc -c <"$T/slow")" -eq 25 ] && echo "$out" | awk '{ exit !($1 >= 0.15) }'
check "slow trickle: 25 bytes in $out s" $?

t=$(curl -s "$H0/t/charset/latin1-header" | iconv -f ISO-8859-1 -t UTF-8 |
    sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p')
[ "$t" = "Café crème à Zürich" ]
check "latin1 title" $?
t=$(curl -s "$H0/t/charset/sjis-meta" | iconv -f SHIFT_JIS -t UTF-8 |
    sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p')
[ "$t" = "日本語のページ" ]
check "shift_jis title" $?
[ "$(curl -s "$H0/t/many-links" | grep -c '<a href=')" -eq 10000 ]
check "10000 links" $?
[ "$(code "$H0/t/pdf")" = 200 ] && [ "$(code "$H0/t/nonexistent")" = 404 ]
check "pdf and unknown endpoint" $?

i=0
while [ $i -lt 300 ]; do
    printf 'url=%s/p/%d.html\noutput=/dev/null\n' "$H1" $((i % 29 + 1))
    i=$((i + 1))
done >"$T/cfg.many"
curl -s --parallel --parallel-max 300 -K "$T/cfg.many" -w '%{http_code}\n' \
    >"$T/codes.many" 2>/dev/null
[ "$(grep -c '^200$' "$T/codes.many")" -eq 300 ]
check "300 concurrent requests" $?

grep -q "^[0-9]\{16\} $2 GET /robots.txt 200\$" "$T/log" &&
    awk 'NF != 5 { exit 1 }' "$T/log"
check "request log format and robots.txt fetch" $?

# Same seed, other ports: the same manifest once ports are replaced.
start second --hosts 3 --pages 30 --seed 7 --manifest "$T/manifest2" \
    --robots allow,disallow,500 --delay-ms 200
check "second instance" $?
SECONDPID=$FXPID
set -- $PORTS
h0=$1
h1=$2
h2=$3
set -- $(sed -n 's/^ready ports=\([0-9,]*\).*/\1/p' "$T/main.out" | tr ',' ' ')
sed "s/:$1\//:P0\//; s/:$2\//:P1\//; s/:$3\//:P2\//" "$T/manifest" >"$T/m1"
sed "s/:$h0\//:P0\//; s/:$h1\//:P1\//; s/:$h2\//:P2\//" "$T/manifest2" >"$T/m2"
cmp -s "$T/m1" "$T/m2"
check "deterministic manifest" $?
out=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$h0/")
echo "$out" | awk '{ exit !($1 >= 0.19) }'
check "--delay-ms 200 ($out s)" $?

start demo --root "$ROOT_DIR/docs/demo-site"
check "--root instance" $?
DEMOPID=$FXPID
[ "$(code "http://127.0.0.1:$PORTS/")" = 200 ] &&
    [ "$(code "http://127.0.0.1:$PORTS/../../etc/passwd" --path-as-is)" = 404 ]
check "--root serves index, refuses .." $?

# --raw: one more port, exact bytes (its exit is checked below, under
# the sanitizers too)
start raw --raw
check "--raw instance" $?
RAWPID=$FXPID
RAWP=$(sed -n 's/^ready .* raw=\([0-9]*\)$/\1/p' "$T/raw.out")
[ -n "$RAWP" ] && [ "$(code "http://127.0.0.1:$RAWP/raw/ok")" = 200 ] &&
    [ "$(curl -s "http://127.0.0.1:$RAWP/raw/truncated")" = "<p>short</p>" ]
check "--raw answers its rows (port ${RAWP:-none})" $?

for p in $MAINPID $SECONDPID $DEMOPID $RAWPID; do
    stop "$p"
    check "clean exit on SIGTERM (pid $p)" $?
done
[ ! -e "$T/pid" ]
check "pid file removed" $?
pids=""

echo "fixture_selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
