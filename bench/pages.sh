#!/bin/sh
# pages.sh BUILD_DIR - the parse stage's cost per byte on the pages a
# tree-building parser falls over on (bench/README.md, "Page kinds").
#
# For each kind of bench/page_bench.c (ordinary, noscript, svg, math,
# template, iframe, table, big: 5 MB), callgrind counts the instructions
# spent inside page_parse() (decode, tokenize, resolve, scope, link
# records) on one generated page, on the link path (the tokenizer) and
# on the tree path (gumbo, taken when the crawl extracts: page_bench -t
# asks for the text); the table gives instructions per byte and the
# ratio to the ordinary page on the same path. Exits 1 when a kind costs
# more than LIMIT (default 2) times the ordinary page per byte. Not a
# timing benchmark: instruction counts, no bench lock needed.
set -eu
B=${1:-build}
LIMIT=${LIMIT:-2}
TOP=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v valgrind >/dev/null 2>&1; then
    echo "pages: installing valgrind"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends valgrind >/dev/null
fi
make -s -C "$TOP" "B=$B" "$B/bench/page_bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cost KIND [-t]: "instructions bytes links" of the stage on one page
cost() {
    valgrind --tool=callgrind --toggle-collect=page_parse \
        --callgrind-out-file="$tmp/cg" "$TOP/$B/bench/page_bench" -k "$@" \
        >"$tmp/out" 2>"$tmp/err" || {
        echo "pages: page_bench -k $* failed" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    # "pages 1 x 1 passes, BYTES bytes, LINKS links taken"
    set -- $(sed -n 's/^summary: *//p' "$tmp/cg") $(cat "$tmp/out")
    echo "$1 $7 $9"
}

# ratio IR BYTES BASE: "per-byte ratio-to-base over-limit"
ratio() {
    python3 -c '
import sys
ir, by, base, lim = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
per = ir / by
r = per / float(base) if base else 1.0
print("%.2f %.2f %d" % (per, r, r > lim))' "$1" "$2" "$3" "$LIMIT"
}

printf '| page | bytes | links taken | link path: instructions | per byte | to ordinary | tree path: instructions | per byte | to ordinary |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
base=""
tbase=""
fail=0
for k in ordinary noscript svg math template iframe table big; do
    set -- $(cost "$k")
    ir=$1 bytes=$2 links=$3
    set -- $(ratio "$ir" "$bytes" "$base")
    [ -n "$base" ] || base=$1
    per=$1 r=$2
    [ "$3" = 0 ] || fail=1
    set -- $(cost "$k" -t)
    tir=$1
    set -- $(ratio "$tir" "$bytes" "$tbase")
    [ -n "$tbase" ] || tbase=$1
    [ "$3" = 0 ] || fail=1
    printf '| %s | %s | %s | %s | %s | %sx | %s | %s | %sx |\n' "$k" \
        "$bytes" "$links" "$ir" "$per" "$r" "$tir" "$1" "$2"
done
if [ $fail = 1 ]; then
    echo "pages: a kind costs more than ${LIMIT}x the ordinary page per byte" >&2
    exit 1
fi
