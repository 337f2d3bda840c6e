#!/bin/sh
# warc_noindex.sh - --warc-skip-noindex, read back by warcio.js: the
# extraction fixture site (tests/extract-site: p3.html says noindex in a
# meta tag, p5.html in an X-Robots-Tag header) crawled twice with --warc,
# without and with the setting. Without it every page with a response
# has its response record; with it the pages marked noindex have no
# record and no warc_file in their result (which still says noindex),
# and every other page keeps its record.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/warcio.sh"
CF=$B/crawlfleet
SITE=$(dirname "$0")/../extract-site
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-warcnoindex.XXXXXX")
FXPID=

cleanup() {
    [ -n "$FXPID" ] && kill -TERM "$FXPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$B/crawlfleet-worker" "$B/cf-fixture"; do
    if [ ! -x "$bin" ]; then
        t_fail "$bin is not built"
        t_summary warc_noindex
        exit 1
    fi
done
command -v jq >/dev/null || {
    t_fail "jq is not installed"
    t_summary warc_noindex
    exit 1
}
if ! warcio_setup; then
    t_fail "warcio.js could not be installed"
    t_summary warc_noindex
    exit 1
fi

"$B/cf-fixture" --root "$SITE" >"$T/fx.ready" 2>"$T/fx.err" &
FXPID=$!
wait_for grep -q '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")
HOST=http://127.0.0.1:$PORT
CFG="--allow-private --timeout 5000 --lease 8000 --no-obey-robots"

# crawl NAME ARGS...: a crawl of the site archived in $T/NAME.warc; the
# results in $T/NAME.jsonl, warcio.js's records in $T/NAME.records.
crawl() {
    _n=$1
    shift
    # shellcheck disable=SC2086
    "$CF" crawl "$HOST/" $CFG --warc "$T/$_n.warc" "$@" \
        --state-dir "$T/s.$_n" -o "$T/$_n.jsonl" >"$T/$_n.out" 2>"$T/$_n.err"
    _rc=$?
    [ $_rc -eq 0 ] || tail -n 3 "$T/$_n.err" >&2
    t_check "$_n: crawl exits 0" [ $_rc -eq 0 ]
    warc_check "$T/$_n.warc" >"$T/$_n.records"
    t_check "$_n: warcio.js reads every file" [ $? -eq 0 ]
}

# response records of URL in $T/NAME.records
records_of() {
    jq -r --arg u "$2" 'select(.type == "response" and .uri == $u) | .uri' \
        "$T/$1.records" | wc -l
}

crawl all
crawl skip --warc-skip-noindex

noindex=$(jq -r 'select(.noindex == true) | .url' "$T/skip.jsonl" | sort)
t_check "the results mark p3 (meta) and p5 (header) noindex: $(echo $noindex)" \
    [ "$(echo "$noindex" | sed 's|.*/||' | tr '\n' ' ')" = "p3.html p5.html " ]
for u in $noindex; do
    t_check "without the setting ${u##*/} is archived" \
        [ "$(records_of all "$u")" -eq 1 ]
    t_check "with it ${u##*/} has no response record" \
        [ "$(records_of skip "$u")" -eq 0 ]
    t_check "with it ${u##*/}'s result names no WARC file" \
        [ "$(jq -r --arg u "$u" 'select(.url == $u) | .warc_file' \
            "$T/skip.jsonl")" = null ]
done
# every other page with a response keeps its record, where its result
# says it is
bad=$(jq -r 'select(.status > 0 and .noindex != true) | .url' \
    "$T/skip.jsonl" | while read -r u; do
    [ "$(records_of skip "$u")" -eq 1 ] || echo "$u"
done)
n=$(jq -r 'select(.status > 0 and .noindex != true) | .url' \
    "$T/skip.jsonl" | wc -l)
t_check "the other $n pages are archived ($bad)" [ -z "$bad" -a "$n" -ge 5 ]
bad=$(jq -r 'select(.status > 0 and .noindex != true and .warc_file == null)
    | .url' "$T/skip.jsonl")
t_check "their results name their records ($bad)" [ -z "$bad" ]

t_summary warc_noindex
