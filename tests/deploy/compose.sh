#!/bin/sh
# compose.sh - the Docker image and a Compose fleet, end to end:
#
#  1. the image builds from a clean checkout (the files git knows, on a
#     Debian 12 base made locally: base-image.sh; Redis comes from its
#     build stage: redis.Dockerfile), runs as a non-root user
#     in a writable working directory, and `--help` works for the worker
#     and, with --entrypoint crawlfleet, for the CLI;
#  2. docker-compose.yml (plus compose.test.yml: the fixture site on the
#     project network) comes up with 3 workers; every health check turns
#     healthy; a crawl seeded with `exec coordinator crawlfleet seed`
#     yields the fixture's ground truth, each URL once;
#  3. during a second crawl: one worker is killed (SIGKILL), the workers
#     are scaled to 5 and then to 1 (SIGTERM: drained, exit 0, leases
#     released), Redis is restarted (AOF): the crawl completes with the
#     ground truth, each URL once, and the fixture saw no URL fetched
#     twice beyond what reaped and released leases account for;
#  4. with Redis stopped the workers stay up (/livez 200, not restarted)
#     and report not ready (/readyz 503, health check unhealthy).
#
# Everything it starts (containers, network, volume, a dockerd it had to
# start) is removed at the end, also on failure; the images stay as the
# next run's cache. Needs root, docker, docker compose or docker-compose,
# debootstrap (tools/deps-deploy.sh).
set -u
. "$(dirname "$0")/../lib/redis.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-compose.XXXXXX")
P=cfdeploy$$
DOCKERD_PID=
BG_PIDS=
export CRAWLFLEET_IMAGE=crawlfleet:test-deploy
export CRAWLFLEET_FIXTURE_IMAGE=crawlfleet-fixture:test-deploy
export REDIS_IMAGE=crawlfleet-redis:test-deploy
export CRAWLFLEET_BASE=crawlfleet-base:bookworm

if docker compose version >/dev/null 2>&1; then
    DC="docker compose"
else
    DC=docker-compose
fi
dc() {
    $DC -p "$P" --project-directory "$TOP" -f "$TOP/docker-compose.yml" \
        -f "$TOP/tests/deploy/compose.test.yml" "$@"
}

cleanup() {
    for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
    if docker info >/dev/null 2>&1; then
        dc down -v --remove-orphans -t 5 >"$T/down.log" 2>&1 ||
            cat "$T/down.log" >&2
    fi
    if [ -n "$DOCKERD_PID" ]; then
        kill "$DOCKERD_PID" 2>/dev/null
        WAIT_TIMEOUT=20 wait_for sh -c "! kill -0 $DOCKERD_PID 2>/dev/null"
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bail() {
    t_fail "$*"
    [ -z "${t1:-}" ] ||
        echo "# the fleet's tests took $(($(date +%s) - t1)) s"
    t_summary compose
    exit 1
}

# -- the Docker daemon: the machine's, or one started here (no systemd).
docker_up() { docker info >/dev/null 2>&1; }
if ! docker_up; then
    for opts in "" "--iptables=false"; do
        # shellcheck disable=SC2086
        dockerd $opts >"$T/dockerd.log" 2>&1 &
        DOCKERD_PID=$!
        WAIT_TIMEOUT=30 wait_for sh -c 'docker info >/dev/null 2>&1 ||
            ! kill -0 '"$DOCKERD_PID"' 2>/dev/null'
        docker_up && break
        kill "$DOCKERD_PID" 2>/dev/null
        wait "$DOCKERD_PID" 2>/dev/null
        DOCKERD_PID=
    done
    docker_up || bail "dockerd starts: $(tail -n 5 "$T/dockerd.log")"
fi
t_ok "docker daemon up ($DC)"

# -- 1. images
t0=$(date +%s)
base=$(sh "$TOP/tests/deploy/base-image.sh" "$CRAWLFLEET_BASE") ||
    bail "base image"
t_ok "base image $base"
echo "# base image ready in $(($(date +%s) - t0)) s"
mkdir "$T/src"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 tar -cf - 2>/dev/null) | tar -C "$T/src" -xf - ||
    bail "clean checkout"
build() {
    docker build --network host --build-arg BASE="$CRAWLFLEET_BASE" "$@" \
        >>"$T/build.log" 2>&1 || {
        tail -n 30 "$T/build.log" >&2
        return 1
    }
}
t_check "image builds from a clean checkout" \
    build -f "$T/src/deploy/Dockerfile" -t "$CRAWLFLEET_IMAGE" "$T/src"
t_check "fixture image builds" build -f "$T/src/deploy/Dockerfile" \
    --target fixture -t "$CRAWLFLEET_FIXTURE_IMAGE" "$T/src"
t_check "build stage tagged" build -f "$T/src/deploy/Dockerfile" \
    --target build -t crawlfleet-build:test-deploy "$T/src"
t_check "test Redis image builds" build -f "$T/src/tests/deploy/redis.Dockerfile" \
    --build-arg BUILD_IMAGE=crawlfleet-build:test-deploy \
    -t "$REDIS_IMAGE" "$T/src/tests/deploy"
docker image inspect "$CRAWLFLEET_IMAGE" >/dev/null 2>&1 || bail "no image"

t_check "docker run IMAGE --help" sh -c "docker run --rm '$CRAWLFLEET_IMAGE' \
    --help | grep -q -- --metrics-port"
t_check "docker run --entrypoint crawlfleet IMAGE --help" sh -c "docker run \
    --rm --entrypoint crawlfleet '$CRAWLFLEET_IMAGE' --help | grep -q seed"
uid=$(docker run --rm --entrypoint id "$CRAWLFLEET_IMAGE" -u)
if [ -n "$uid" ] && [ "$uid" != 0 ]; then
    t_ok "runs as a non-root user (uid $uid)"
else
    t_fail "runs as non-root: uid '$uid'"
fi
t_check "its working directory is writable" docker run --rm --entrypoint \
    sh "$CRAWLFLEET_IMAGE" -c 'echo x >written && test -s written'
t_check "the image has a health check" sh -c "docker image inspect \
    -f '{{.Config.Healthcheck.Test}}' '$CRAWLFLEET_IMAGE' | grep -q readyz"

t1=$(date +%s)
echo "# images (base, build, fixture, Redis) ready in $((t1 - t0)) s"

# -- 2. the fleet
# dwait SECS CMD...: run CMD every half second until it succeeds or SECS
# pass (each try starts a docker client: a slower beat than wait_for's).
dwait() {
    _d_end=$(($(date +%s) + $1))
    shift
    while :; do
        "$@" && return 0
        _d_rc=$?
        [ "$(date +%s)" -ge "$_d_end" ] && return "$_d_rc"
        sleep 0.5
    done
}
# ids SERVICE: the service's running containers.
ids() {
    docker ps -q -f label=com.docker.compose.project="$P" \
        -f label=com.docker.compose.service="$1"
}
health() { docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
# all_healthy SERVICE N: N containers of SERVICE, each healthy.
all_healthy() {
    _ids=$(ids "$1")
    [ "$(echo "$_ids" | grep -c .)" -eq "$2" ] || return 1
    for _c in $_ids; do
        [ "$(health "$_c")" = healthy ] || return 1
    done
}
rcli() { docker exec "$(ids redis)" redis-cli "$@" 2>/dev/null; }
stat() { rcli hget "cf:{$1}:stats" "$2"; }
cf() { dc exec -T coordinator crawlfleet "$@"; }

dc up -d --no-build --scale worker=3 >"$T/up.log" 2>&1 ||
    bail "compose up: $(tail -n 10 "$T/up.log")"
t_ok "docker compose up -d --scale worker=3"
for s in redis fixture coordinator; do
    t_check "$s turns healthy" dwait 90 all_healthy "$s" 1
done
t_check "3 workers turn healthy" dwait 90 all_healthy worker 3
t_check "Redis has the append-only file on" sh -c "docker exec \
    $(ids redis) redis-cli config get appendonly | grep -qx yes"
dc exec -T fixture cat manifest >"$T/man" 2>/dev/null
[ -s "$T/man" ] || bail "the fixture's manifest"
awk '$1 == "page" { print $2, "ok" }
     $1 == "broken" { print $2, "http" }
     $1 == "denied" { print $2, "robots_denied" }' "$T/man" | sort >"$T/want"
echo "# ground truth: $(wc -l <"$T/want") URLs" \
    "($(grep -c ' ok$' "$T/want") pages)"

# same_as_truth CRAWL: the crawl's results are the ground truth, once each.
same_as_truth() {
    cf export "$1" 2>"$T/export.err" >"$T/got.$1.jsonl"
    sed -n 's/^{"url":"\([^"]*\)".*"error_type":"\([^"]*\)".*/\1 \2/p' \
        "$T/got.$1.jsonl" | sort >"$T/got.$1"
    _dups=$(cut -d' ' -f1 "$T/got.$1" | uniq -d | wc -l)
    if [ "$_dups" -ne 0 ]; then
        echo "$1: $_dups URLs with more than one result" >&2
        return 1
    fi
    cmp -s "$T/want" "$T/got.$1" && return 0
    echo "$1 differs from the ground truth (< want, > got):" >&2
    diff "$T/want" "$T/got.$1" | head -n 10 >&2
    return 1
}
is_done() { [ "$(stat "$1" state)" = done ]; }
seeds=$(awk '$1 == "seed" { print $2 }' "$T/man")

# shellcheck disable=SC2086
cf seed --crawl c1 --allow-private --scope any $seeds >"$T/seed1" 2>&1 ||
    t_fail "seed c1: $(cat "$T/seed1")"
t_check "crawl 1 completes" dwait 180 is_done c1
t_check "crawl 1: results = ground truth, each URL once" same_as_truth c1

# -- 3. the second crawl, through failures
# shellcheck disable=SC2086
cf seed --crawl c2 --allow-private --scope any --delay 100ms \
    --lease 8s --timeout 5s --user-agent cf-deploy-c2 $seeds >"$T/seed2" 2>&1 ||
    t_fail "seed c2: $(cat "$T/seed2")"
done_at_least() { [ "$(stat c2 done)" -ge "$1" ] 2>/dev/null; }
t_check "crawl 2 under way" dwait 60 done_at_least 50

victim=$(ids worker | head -n 1)
t_check "docker kill one worker" sh -c "docker kill '$victim' >/dev/null"
# The killed container is restarted by its policy or stays down; either
# way its leases expire and are reaped.
dc up -d --no-build --scale worker=5 >"$T/up5.log" 2>&1 ||
    t_fail "scale to 5: $(tail -n 5 "$T/up5.log")"
running() { [ "$(ids worker | grep -c .)" -eq "$1" ]; }
t_check "scaled to 5 workers" dwait 60 running 5
before=$(stat c2 done)
t_check "the crawl moves on 5 workers" \
    dwait 60 done_at_least $((before + 20))

# Follow every worker's log and exit status through the scale-down.
for c in $(ids worker); do
    docker logs -f "$c" >"$T/log.$c" 2>&1 &
    BG_PIDS="$BG_PIDS $!"
    (docker wait "$c" >"$T/exit.$c" 2>/dev/null) &
    BG_PIDS="$BG_PIDS $!"
done
dc up -d --no-build --scale worker=1 >"$T/up1.log" 2>&1 ||
    t_fail "scale to 1: $(tail -n 5 "$T/up1.log")"
t_check "scaled down to 1 worker" dwait 60 running 1
stopped=0
clean=0
for f in "$T"/exit.*; do
    WAIT_TIMEOUT=10 wait_for test -s "$f"
    [ -s "$f" ] || continue
    stopped=$((stopped + 1))
    [ "$(cat "$f")" = 0 ] && clean=$((clean + 1))
done
if [ "$stopped" -ge 4 ] && [ "$stopped" -eq "$clean" ]; then
    t_ok "scale-down: $stopped workers got SIGTERM and exited 0"
else
    t_fail "scale-down: $clean of $stopped stopped workers exited 0"
fi
released=$(cat "$T"/log.* 2>/dev/null |
    sed -n 's/.*leases released.* pages=\([0-9]*\).*/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
drained=$(cat "$T"/log.* 2>/dev/null | grep -c -e 'drained, exiting' \
    -e 'leases released')
t_check "the stopped workers drained (logged: $drained)" \
    test "$drained" -ge "$stopped"

redis_id=$(ids redis)
t_check "docker restart of Redis (AOF)" sh -c "docker restart -t 10 \
    '$redis_id' >/dev/null"
t_check "Redis healthy again" dwait 60 all_healthy redis 1
t_check "the worker reconnects (healthy)" \
    dwait 60 all_healthy worker 1
t_check "crawl 2 completes" dwait 240 is_done c2
t_check "crawl 2: results = ground truth, each URL once" same_as_truth c2

# Fetches of crawl 2 (its User-Agent) per URL, from the fixture's log.
dc exec -T fixture cat requests.log >"$T/requests.log" 2>/dev/null
awk '$1 == "H" && $4 == "User-Agent:" && $5 == "cf-deploy-c2" &&
     $3 != "/robots.txt" { print $2, $3 }' "$T/requests.log" |
    sort | uniq -c | awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }' \
    >"$T/twice"
twice=$(cat "$T/twice")
reaped=$(stat c2 reaped)
echo "# crawl 2: fetched twice $twice, reaped ${reaped:-?}, released $released"
if [ -s "$T/requests.log" ] &&
    [ "$twice" -le $((${reaped:-0} + released)) ]; then
    t_ok "nothing fetched twice beyond reaped and released leases"
else
    t_fail "fetched twice: $twice > reaped ${reaped:-?} + released $released"
fi

# -- 4. Redis away: alive, not ready
w=$(ids worker | head -n 1)
restarts=$(docker inspect -f '{{.RestartCount}}' "$w")
dc stop -t 10 redis >/dev/null 2>&1 || t_fail "stop Redis"
probe() { docker exec "$1" curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:9100$2"; }
is_probe() { [ "$(probe "$1" "$2")" = "$3" ]; }
t_check "Redis stopped: worker /readyz 503" \
    dwait 30 is_probe "$w" /readyz 503
t_check "Redis stopped: worker /livez 200" is_probe "$w" /livez 200
c=$(ids coordinator)
t_check "Redis stopped: coordinator /readyz 503" \
    dwait 30 is_probe "$c" /readyz 503
t_check "Redis stopped: coordinator /livez 200" is_probe "$c" /livez 200
is_health() { [ "$(health "$1")" = "$2" ]; }
t_check "Redis stopped: the worker's health check turns unhealthy" \
    dwait 60 is_health "$w" unhealthy
t_check "Redis stopped: the worker keeps running, not restarted" sh -c "
    [ \"\$(docker inspect -f '{{.State.Running}} {{.RestartCount}}' $w)\" \
    = 'true $restarts' ]"

echo "# the fleet's tests took $(($(date +%s) - t1)) s"
t_summary compose
