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

stop_all() {
    for p in $W_PIDS $FX_PIDS; do kill -9 "$p" 2>/dev/null; done
    redis_stop
    rm -rf "$T"
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
