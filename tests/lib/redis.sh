# redis.sh - helpers for shell integration tests; source it:
#
#   . "$(dirname "$0")/../lib/redis.sh"
#   redis_start [--requirepass x ...]   # REDIS_SOCK REDIS_PORT REDIS_URL
#                                       # REDIS_TCP_URL REDIS_DIR REDIS_PID
#   t_check "pings" redis-cli -s "$REDIS_SOCK" ping
#   wait_for test -s "$file"            # retry until true, 30 s deadline
#   redis_restart [--appendonly yes ...]  # SHUTDOWN, start again: same
#                                       # port, socket and dir (its data
#                                       # survives only with persistence)
#   redis_stop
#   t_summary my_test                   # last line: its status is ours
#
# redis_start must run in the test's own shell (not in $(...)): the server
# is started with a parent-death signal and an EXIT trap stops it, so a
# test that dies leaves no redis-server behind.

T_PASSED=0
T_FAILED=0
REDIS_PID=
REDIS_DIR=

t_ok() {
    T_PASSED=$((T_PASSED + 1))
    echo "ok - $*"
}

t_fail() {
    T_FAILED=$((T_FAILED + 1))
    echo "FAIL - $*" >&2
}

# t_check DESC CMD...: pass if CMD succeeds.
t_check() {
    _t_desc=$1
    shift
    if "$@"; then
        t_ok "$_t_desc"
    else
        t_fail "$_t_desc (exit $?: $*)"
    fi
}

# t_summary NAME: print "NAME: N passed, N failed"; returns 1 on failures.
t_summary() {
    echo "$1: $T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ] && [ "$T_PASSED" -gt 0 ]
}

# wait_for [-t SECONDS] CMD...: run CMD until it succeeds or the deadline
# (WAIT_TIMEOUT, default 30 s) passes; returns CMD's last status.
wait_for() {
    _w_secs=${WAIT_TIMEOUT:-30}
    if [ "$1" = "-t" ]; then
        _w_secs=$2
        shift 2
    fi
    _w_end=$(($(date +%s) + _w_secs))
    while :; do
        "$@" && return 0
        _w_rc=$?
        [ "$(date +%s)" -ge "$_w_end" ] && return "$_w_rc"
        sleep 0.05
    done
}

# A port below Linux's ephemeral range (32768-60999), where the local end
# of some other connection cannot be sitting.
_redis_random_port() {
    _p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((20000 + _p % 12000))
}

_redis_up() {
    kill -0 "$REDIS_PID" 2>/dev/null || return 2
    [ -S "$REDIS_SOCK" ] &&
        redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q -e PONG -e NOAUTH
}

# redis_start [EXTRA_ARGS...]: start a private redis-server; 0 or 1.
redis_start() {
    command -v redis-server >/dev/null || {
        echo "redis_start: redis-server not on PATH" >&2
        return 1
    }
    REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cf-redis.XXXXXX") || return 1
    REDIS_SOCK=$REDIS_DIR/redis.sock
    _pdeath=
    command -v setpriv >/dev/null && _pdeath="setpriv --pdeathsig KILL"
    trap 'redis_stop' EXIT
    trap 'redis_stop; exit 130' INT TERM
    for _try in 1 2 3 4 5 6 7 8; do
        REDIS_PORT=$(_redis_random_port)
        _redis_spawn "$@"
        # Stop waiting early if the server died (port taken: try another).
        WAIT_TIMEOUT=15 wait_for _redis_up
        if _redis_up; then
            REDIS_URL=unix://$REDIS_SOCK
            REDIS_TCP_URL=redis://127.0.0.1:$REDIS_PORT
            export REDIS_SOCK REDIS_PORT REDIS_URL REDIS_TCP_URL REDIS_DIR \
                REDIS_PID
            return 0
        fi
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        grep -q "Address already in use" "$REDIS_DIR/redis.log" 2>/dev/null ||
            break
    done
    echo "redis_start: redis-server did not start:" >&2
    cat "$REDIS_DIR/stdout.log" "$REDIS_DIR/redis.log" >&2 2>/dev/null
    redis_stop
    return 1
}

_redis_spawn() {
    $_pdeath redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
        --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
        --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" \
        --save '' --appendonly no --daemonize no "$@" \
        </dev/null >>"$REDIS_DIR/stdout.log" 2>&1 &
    REDIS_PID=$!
}

# redis_restart [EXTRA_ARGS...]: SHUTDOWN the server (it writes its AOF
# or RDB if configured) and start it again with EXTRA_ARGS on the same
# port, socket and dir; 0 once it answers, else 1.
redis_restart() {
    redis-cli -s "$REDIS_SOCK" shutdown >/dev/null 2>&1
    WAIT_TIMEOUT=10 wait_for _redis_gone || kill -9 "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    _pdeath=
    command -v setpriv >/dev/null && _pdeath="setpriv --pdeathsig KILL"
    _redis_spawn "$@"
    export REDIS_PID
    WAIT_TIMEOUT=15 wait_for _redis_up
}

# redis_stop: stop the server and remove its dir; safe to call twice.
redis_stop() {
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null
        WAIT_TIMEOUT=10 wait_for _redis_gone ||
            kill -9 "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=
    fi
    if [ -n "$REDIS_DIR" ]; then
        rm -rf "$REDIS_DIR"
        REDIS_DIR=
    fi
    return 0
}

_redis_gone() {
    ! kill -0 "$REDIS_PID" 2>/dev/null
}
