#!/bin/sh
# redis_capture.sh BUILD_DIR [DOC] [crawl flags...] - the frontier calls of
# one real crawl, saved for bench/redis_replay.
#
# Crawls a Debian documentation tree as bench/redis_cost.sh does (S4's
# crawlfleet command against a private redis-server with the embedded
# server's settings) with redis-cli MONITOR attached, and keeps every
# FCALL the workers and the coordinator sent (not the commands the
# functions ran, not the exporter's), in order, in
# ${CF_REDIS_CAPTURE_DIR:-/tmp/cf-redis-capture}/calls.bin: per call a
# line "argc", then per argument a line "length" and the bytes and a
# newline. The functions take the time from their arguments, never from
# the Redis clock, so replaying the file into an empty server repeats
# the crawl's frontier work exactly, with this build's functions or
# another's (bench/redis_replay.c renames the calls).
#
# A timing-free capture (only the order matters), but it starts nginx on
# the bench addresses: run it under the bench lock, e.g.
#   flock /work/bench.lock sh bench/redis_capture.sh build
set -u
B=$(cd "${1:-build}" && pwd)
DOC=${2:-rust-doc}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
O=${CF_REDIS_CAPTURE_DIR:-/tmp/cf-redis-capture}
ME=redis_capture
. "$(dirname "$0")/redis_site.sh"
redis_site_start
redis-cli -s "$O/redis/sock" monitor >"$O/monitor.txt" &
PIDS_TOO=$!
# MONITOR answers OK once it is on: wait for that line
n=0
until [ -s "$O/monitor.txt" ]; do
    n=$((n + 1))
    [ $n -lt 200 ] || { echo "redis_capture: MONITOR did not start" >&2; exit 1; }
    sleep 0.05
done
redis_site_serve
redis_site_crawl "$@"
rc=$?
[ $rc -eq 0 ] || { echo "redis_capture: crawl exited $rc" >&2; exit 1; }
# a last command, to know MONITOR has passed everything before it
redis-cli -s "$O/redis/sock" echo cf-capture-end >/dev/null
n=0
until grep -q '"cf-capture-end"' "$O/monitor.txt"; do
    n=$((n + 1))
    [ $n -lt 400 ] || { echo "redis_capture: MONITOR fell behind" >&2; exit 1; }
    sleep 0.05
done
python3 - "$O" "$(wc -l <"$O/pages.jsonl")" <<'PY'
import re, sys
o, results = sys.argv[1], int(sys.argv[2])
# MONITOR quotes every argument: \\ \" \n \r \t \a \b and \xHH
esc = {'\\': b'\\', '"': b'"', 'n': b'\n', 'r': b'\r', 't': b'\t',
       'a': b'\a', 'b': b'\b'}


def args(line):
    out, i, n = [], line.index('] ') + 2, len(line)
    while i < n:
        if line[i] != '"':
            raise ValueError('unquoted argument at %d' % i)
        i += 1
        cur = bytearray()
        while line[i] != '"':
            c = line[i]
            if c == '\\':
                d = line[i + 1]
                if d == 'x':
                    cur.append(int(line[i + 2:i + 4], 16))
                    i += 4
                    continue
                cur += esc[d]
                i += 2
                continue
            cur += c.encode('latin-1')
            i += 1
        out.append(bytes(cur))
        i += 2  # the quote and the space after it
    return out


calls, loaded = 0, False
with open(o + '/monitor.txt', encoding='latin-1') as f, \
        open(o + '/calls.bin', 'wb') as w:
    for line in f:
        line = line.rstrip('\n')
        # top-level commands only: "[db addr]", not "[db lua]"
        m = re.match(r'^\d+\.\d+ \[\d+ ([^\]]*)\] "(FCALL|FUNCTION)"',
                     line, re.I)
        if not m or m.group(1) == 'lua':
            continue
        if m.group(2).upper() == 'FUNCTION':
            # the calls before the first load failed (no library yet)
            loaded = loaded or '"LOAD"' in line.upper()
            continue
        if not loaded:
            continue
        a = args(line)
        w.write(b'%d\n' % len(a))
        for x in a:
            w.write(b'%d\n' % len(x) + x + b'\n')
        calls += 1
print('%d results, %d calls saved in %s/calls.bin' % (results, calls, o))
with open(o + '/results', 'w') as f:
    f.write('%d\n' % results)
PY
