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
#
#   same_as_truth CRAWL MANIFEST
#
# compares CRAWL's results (results CRAWL: "url error_type" per result,
# sorted) with what a cf-fixture MANIFEST says a crawl must end with
# (truth MANIFEST: pages ok, broken links http, denied robots_denied);
# a difference goes to stderr.

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

truth() {
    awk '$1 == "page" { print $2, "ok" }
         $1 == "broken" { print $2, "http" }
         $1 == "denied" { print $2, "robots_denied" }' "$1" | sort
}

results() {
    "$B/crawlfleet" export "$1" --redis "$R" 2>/dev/null |
        sed -n 's/^{"url":"\([^"]*\)".*"error_type":"\([^"]*\)".*/\1 \2/p' |
        sort
}

same_as_truth() {
    truth "$2" >"$T/want.$1"
    results "$1" >"$T/got.$1"
    cmp -s "$T/want.$1" "$T/got.$1" && return 0
    echo "results of $1 differ from the ground truth (< want, > got):" >&2
    diff "$T/want.$1" "$T/got.$1" | head -20 >&2
    return 1
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
