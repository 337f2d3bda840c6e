#!/bin/sh
# cli_output.sh - where -o writes (crawl and export): a new or regular
# file through FILE.tmp and a rename; a device, a FIFO and - in place; a
# symlink followed (the link stays); a directory, an empty name, a
# missing or read-only directory and a full disk refused with one line
# and no FILE.tmp left behind.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$(cd "$B" && pwd)/crawlfleet
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-output.XXXXXX")
FXPID=
MOUNTS=""

cleanup() {
    [ -n "$FXPID" ] && kill -TERM "$FXPID" 2>/dev/null && wait "$FXPID"
    for m in $MOUNTS; do
        umount "$m" 2>/dev/null
    done
    redis_stop
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$FX"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_output; exit 1; }
done
redis_start || { t_fail "redis_start"; t_summary cli_output; exit 1; }
trap cleanup EXIT
R=$REDIS_URL

"$FX" --hosts 1 --pages 40 --seed 5 >"$T/fx.ready" 2>"$T/fx.err" &
FXPID=$!
wait_for grep -qs '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
SEED=http://127.0.0.1:$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' \
    "$T/fx.ready")/
CFG="--allow-private --timeout 5000"

# no_tmp DESC: no *.tmp anywhere under $T (the fixture's files aside)
no_tmp() {
    _left=$(find "$T" -name '*.tmp' 2>/dev/null | head -n 3)
    if [ -z "$_left" ]; then
        t_ok "$1: no .tmp left"
    else
        t_fail "$1: left behind: $_left"
    fi
}

# export_to DESC WANT_RC PATTERN PATH: export crawl o to PATH
export_to() {
    "$CF" export --redis "$R" o -o "$4" >"$T/ex.out" 2>"$T/ex.err"
    _rc=$?
    if [ "$_rc" -eq "$2" ] && { [ -z "$3" ] || grep -Eq -- "$3" "$T/ex.err"; }; then
        t_ok "$1: export exit $_rc"
    else
        t_fail "$1: export exit $_rc (want $2, /$3/): $(head -c 300 \
            "$T/ex.err")"
    fi
}

# -- a crawl on a shared Redis, -o a new file: the reference output
mkdir "$T/w"
"$CF" crawl "$SEED" $CFG --redis "$R" --name o --workers 1 -q \
    --state-dir "$T/state" -o "$T/w/ref.jsonl" 2>"$T/c.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l <"$T/w/ref.jsonl")" -ge 40 ]; then
    t_ok "crawl -o NEW: $(wc -l <"$T/w/ref.jsonl") results"
else
    t_fail "crawl -o NEW: exit $rc: $(tail -n 3 "$T/c.err")"
fi
no_tmp "crawl -o NEW"

# -- a regular file is replaced whole, its mode kept
echo old >"$T/w/reg.jsonl"
chmod 640 "$T/w/reg.jsonl"
export_to "regular file" 0 "" "$T/w/reg.jsonl"
t_check "regular file: the results" cmp -s "$T/w/ref.jsonl" "$T/w/reg.jsonl"
t_check "regular file: mode kept" \
    test "$(stat -c %a "$T/w/reg.jsonl")" = 640

# -- -: stdout
"$CF" export --redis "$R" o -o - >"$T/w/stdout.jsonl" 2>"$T/ex.err"
t_check "-o - writes stdout" cmp -s "$T/w/ref.jsonl" "$T/w/stdout.jsonl"

# -- device nodes are written in place, never replaced
if mknod "$T/w/null" c 1 3 2>/dev/null && mknod "$T/w/full" c 1 7; then
    export_to "-o a null device" 0 "" "$T/w/null"
    t_check "-o a null device: still a character device" test -c "$T/w/null"
    export_to "-o a full device" 1 "write error on .*/full: No space left" \
        "$T/w/full"
    t_check "-o a full device: still a character device" test -c "$T/w/full"
    "$CF" crawl "$SEED" $CFG --workers 1 -q --state-dir "$T/s-dev" \
        -o "$T/w/null" 2>"$T/c.err"
    rc=$?
    t_check "crawl -o a device: exit 0 ($rc)" test $rc -eq 0
    t_check "crawl -o a device: still a character device" test -c "$T/w/null"
    rm -f "$T/w/null" "$T/w/full"
else
    echo "SKIPPED: mknod is not permitted here; devices tested by /dev/full"
    export_to "-o /dev/full" 1 "No space left" /dev/full
fi
t_check "/dev/null is still a device" test -c /dev/null

# -- a FIFO is written in place
mkfifo "$T/w/fifo"
# the reader gives up after 30 s: a FIFO replaced by a file gets no writer
timeout 30 cat "$T/w/fifo" >"$T/w/fifo.out" &
catpid=$!
export_to "-o a FIFO" 0 "" "$T/w/fifo"
wait "$catpid"
t_check "-o a FIFO: still a FIFO" test -p "$T/w/fifo"
t_check "-o a FIFO: the reader got the results" \
    cmp -s "$T/w/ref.jsonl" "$T/w/fifo.out"
rm -f "$T/w/fifo" "$T/w/fifo.out"

# -- symlinks are followed: the link stays, its target gets the results
mkdir "$T/w/sub"
echo old >"$T/w/sub/target.jsonl"
ln -s sub/target.jsonl "$T/w/link"
export_to "-o a symlink" 0 "" "$T/w/link"
t_check "-o a symlink: still a symlink" test -L "$T/w/link"
t_check "-o a symlink: the target has the results" \
    cmp -s "$T/w/ref.jsonl" "$T/w/sub/target.jsonl"
ln -s sub/new.jsonl "$T/w/dangling"
export_to "-o a dangling symlink" 0 "" "$T/w/dangling"
t_check "-o a dangling symlink: still a symlink" test -L "$T/w/dangling"
t_check "-o a dangling symlink: its target created" \
    cmp -s "$T/w/ref.jsonl" "$T/w/sub/new.jsonl"
ln -s loop1 "$T/w/loop2"
ln -s loop2 "$T/w/loop1"
export_to "-o a symlink loop" 1 "cannot write .*loop1: Too many levels" \
    "$T/w/loop1"
rm -f "$T/w/loop1" "$T/w/loop2"
no_tmp "symlinks"

# -- refused: a directory, an empty name, a missing directory
mkdir "$T/w/dir"
export_to "-o a directory" 1 "is a directory" "$T/w/dir"
t_check "-o a directory: the directory is untouched" \
    test -d "$T/w/dir" -a -z "$(ls -A "$T/w/dir")"
(cd "$T/w" && "$CF" export --redis "$R" o -o "" >/dev/null 2>"$T/ex.err")
rc=$?
if [ $rc -eq 2 ] && grep -q "empty output file name" "$T/ex.err"; then
    t_ok "-o '': usage error"
else
    t_fail "-o '': exit $rc: $(cat "$T/ex.err")"
fi
t_check "-o '': no .tmp in the working directory" test ! -e "$T/w/.tmp"
export_to "-o in a missing directory" 1 "cannot write .*No such file" \
    "$T/w/nodir/x.jsonl"
"$CF" crawl "$SEED" $CFG --workers 1 -q --state-dir "$T/s-dir" \
    -o "$T/w/dir" 2>"$T/c.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "is a directory" "$T/c.err"; then
    t_ok "crawl -o a directory: exit 1, says so"
else
    t_fail "crawl -o a directory: exit $rc: $(cat "$T/c.err")"
fi
no_tmp "refused targets"

# -- a read-only directory and a full disk: small tmpfs mounts when we
# may mount, else a non-root chmod and a file size limit
if mkdir "$T/ro" "$T/small" && mount -t tmpfs -o size=4k,mode=755 tmpfs \
    "$T/small" 2>/dev/null; then
    MOUNTS="$T/small"
    mount -t tmpfs -o ro,size=4k tmpfs "$T/ro" && MOUNTS="$T/ro $MOUNTS"
    export_to "-o on a read-only file system" 1 "Read-only file system" \
        "$T/ro/x.jsonl"
    export_to "-o on a full disk" 1 "write error on .*No space left" \
        "$T/small/x.jsonl"
    t_check "full disk: no partial file" test ! -e "$T/small/x.jsonl"
    "$CF" crawl "$SEED" $CFG --workers 1 -q --state-dir "$T/s-full" \
        -o "$T/small/c.jsonl" 2>"$T/c.err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "No space left" "$T/c.err"; then
        t_ok "crawl on a full disk: exit 1, says so"
    else
        t_fail "crawl on a full disk: exit $rc: $(cat "$T/c.err")"
    fi
    t_check "crawl on a full disk: no partial file" \
        test -z "$(ls -A "$T/small")"
    no_tmp "full disk"
elif [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: no tmpfs mount here; a file size limit stands in"
    chmod 555 "$T/ro"
    export_to "-o in a read-only directory" 1 "Permission denied" \
        "$T/ro/x.jsonl"
    (ulimit -f 4 && trap '' XFSZ &&
        exec "$CF" export --redis "$R" o -o "$T/small/x.jsonl") \
        >/dev/null 2>"$T/ex.err"
    rc=$?
    t_check "-o past the size limit: exit 1 ($rc)" test $rc -eq 1
    t_check "-o past the size limit: no file" test -z "$(ls -A "$T/small")"
    no_tmp "size limit"
else
    t_fail "root without mount: no way to test a full disk here"
fi

t_summary cli_output
