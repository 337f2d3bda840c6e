# worker.sh - the common start of the worker_* integration scripts: a
# temporary directory, a redis-server, and cleanup of every process a
# script starts. Source it after lib/redis.sh.
#
#   wt_setup NAME [redis_start args...]
#
# sets T (a temporary directory), R (the Redis URL), FX_PIDS and W_PIDS
# (empty; the script adds fixture and worker pids), and traps EXIT, INT
# and TERM to kill those, stop Redis and remove T. If redis-server does
# not start, it prints NAME's failure line and exits.
#
#   wait_exit PID SECS
#
# waits for a process the script started and returns its exit status,
# or 124 after SECS (the process is then killed).

stop_all() {
    for p in $W_PIDS $FX_PIDS; do kill -9 "$p" 2>/dev/null; done
    redis_stop
    rm -rf "$T"
}

# wait_exit PID SECS: the exit status, or 124 on timeout (then killed).
wait_exit() {
    WAIT_TIMEOUT=$2 wait_for sh -c "! kill -0 $1 2>/dev/null" || {
        kill -9 "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        return 124
    }
    wait "$1"
}

wt_setup() {
    _wt_name=$1
    shift
    T=$(mktemp -d "${TMPDIR:-/tmp}/cf-$_wt_name.XXXXXX")
    FX_PIDS=
    W_PIDS=
    redis_start "$@" || {
        echo "$_wt_name: 0 passed, 1 failed"
        rm -rf "$T"
        exit 1
    }
    trap 'stop_all' EXIT
    trap 'stop_all; exit 130' INT TERM
    R=$REDIS_URL
}
