#!/bin/sh
# pages.sh BUILD_DIR - the parse stage's cost per byte on the pages a
# tree-building parser falls over on (bench/README.md, "Page kinds").
#
# For each kind of bench/page_bench.c (ordinary, noscript, svg, math,
# template, iframe, table, big: 5 MB), callgrind counts the instructions
# spent inside page_parse() (decode, tokenize, resolve, scope, link
# records) on one generated page; the table gives instructions per byte
# and the ratio to the ordinary page. Exits 1 when a kind costs more than
# LIMIT (default 2) times the ordinary page per byte. Not a timing
# benchmark: instruction counts, no bench lock needed.
set -eu
B=${1:-build}
LIMIT=${LIMIT:-2}
TOP=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null 2>&1 || {
    echo "pages: valgrind is needed (apt-get install valgrind)" >&2
    exit 1
}
make -s -C "$TOP" "B=$B" "$B/bench/page_bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '| page | bytes | links taken | instructions | per byte | to ordinary |\n'
printf '|---|---|---|---|---|---|\n'
base=""
fail=0
for k in ordinary noscript svg math template iframe table big; do
    valgrind --tool=callgrind --toggle-collect=page_parse \
        --callgrind-out-file="$tmp/cg.$k" "$TOP/$B/bench/page_bench" -k "$k" \
        >"$tmp/out.$k" 2>"$tmp/err.$k" || {
        echo "pages: page_bench -k $k failed" >&2
        cat "$tmp/err.$k" >&2
        exit 1
    }
    ir=$(sed -n 's/^summary: *//p' "$tmp/cg.$k")
    set -- $(cat "$tmp/out.$k")
    # "pages 1 x 1 passes, BYTES bytes, LINKS links taken"
    bytes=$6
    links=$8
    line=$(python3 -c '
import sys
ir, by, base, lim = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
per = ir / by
r = per / float(base) if base else 1.0
print("%.2f %.2f %d" % (per, r, r > lim))' "$ir" "$bytes" "$base" "$LIMIT")
    set -- $line
    [ -n "$base" ] || base=$1
    [ "$3" = 0 ] || fail=1
    printf '| %s | %s | %s | %s | %s | %sx |\n' "$k" "$bytes" "$links" "$ir" \
        "$1" "$2"
done
if [ $fail = 1 ]; then
    echo "pages: a kind costs more than ${LIMIT}x the ordinary page per byte" >&2
    exit 1
fi
