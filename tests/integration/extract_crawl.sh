#!/bin/sh
# extract_crawl.sh - page metadata (and, when asked for, text, fields and
# JSON-LD) end to end: `crawlfleet crawl` over tests/extract-site served by
# cf-fixture --root; every page's exported values equal the truth in
# tests/extract-site/truth.jsonl, and the links of nofollow pages (robots
# meta tag or X-Robots-Tag header) are never fetched.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
FX=$B/cf-fixture
SITE=$(dirname "$0")/../extract-site
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-extract.XXXXXX")
FXPID=

cleanup() {
    [ -n "$FXPID" ] && kill -TERM "$FXPID" 2>/dev/null
    redis_stop
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$B/crawlfleet-worker" "$FX"; do
    if [ ! -x "$bin" ]; then
        t_fail "$bin is not built"
        exit 1
    fi
done
command -v jq >/dev/null || {
    t_fail "jq is not installed"
    exit 1
}

"$FX" --root "$SITE" >"$T/fx.ready" 2>"$T/fx.err" &
FXPID=$!
wait_for grep -q '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
PORT=$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' "$T/fx.ready")
HOST=http://127.0.0.1:$PORT
CFG="--allow-private --timeout 5000 --lease 8000 --no-obey-robots"

# project RESULTS: the checked fields of each result, the host written
# as HOST, one sorted JSON object per line.
project() {
    jq -c -S --arg h "$HOST" '
        def local: if type == "string" then sub("^" + $h; "HOST") else . end;
        {path: (.url | local), status, canonical: (.canonical | local),
         description, lang, meta_robots, noindex, nofollow,
         links_internal, links_external, links_nofollow, links_dropped}
        + (if .text then {text} else {} end)
        + (if .fields then {fields} else {} end)
        + (if .jsonld then {jsonld} else {} end)
        + (if .text_truncated then {text_truncated} else {} end)
        | with_entries(select(.value != null))' "$1" | sort
}

# check NAME TRUTH ARGS...: crawl with ARGS, compare with TRUTH (a jq
# filter over truth.jsonl that picks what this crawl must give).
check() {
    _n=$1
    _filter=$2
    shift 2
    "$CF" crawl "$HOST/" $CFG "$@" --state-dir "$T/s.$_n" \
        -o "$T/$_n.jsonl" >"$T/$_n.out" 2>"$T/$_n.err"
    _rc=$?
    if [ $_rc -ne 0 ]; then
        t_fail "$_n: crawl exit $_rc: $(tail -n 3 "$T/$_n.err")"
        return
    fi
    project "$T/$_n.jsonl" >"$T/$_n.got"
    jq -c -S "$_filter | with_entries(select(.value != null))" \
        "$SITE/truth.jsonl" | sort >"$T/$_n.want"
    if cmp -s "$T/$_n.want" "$T/$_n.got"; then
        t_ok "$_n: $(wc -l <"$T/$_n.got") results equal the truth"
    else
        t_fail "$_n: results differ from the truth (< want, > got):
$(diff "$T/$_n.want" "$T/$_n.got" | head -n 20)"
    fi
    if jq -r .url "$T/$_n.jsonl" | grep -q 'target.html'; then
        t_fail "$_n: a nofollow page's link was fetched"
    else
        t_ok "$_n: no link of a nofollow page fetched"
    fi
}

META='del(.text, .markdown, .fields, .jsonld, .text_truncated)'
check meta "$META"
check text 'del(.markdown, .fields, .jsonld)' --text
check markdown '.text = .markdown | del(.markdown, .fields, .jsonld)' \
    --text markdown
# the cap: every text cut to 8 bytes at most, marked where cut
check textcap 'del(.markdown, .fields, .jsonld) | if .text then
    (if (.text | length) > 8 then .text_truncated = true else . end)
    | .text |= (.[0:8] | sub("\\s+$"; "")) else . end' --text --text-max 8

# fields (CSS, XPath, unions, three markups of one product) and JSON-LD
NAME='name=xpath://*[@itemprop="name"]/text() | //h2[contains(@class, "product-title")]/text() | //*[@class="item"]/span[@class="name"]/text()'
PRICE='price=css:[itemprop=price]::attr(content), .product-price b::text, .price::attr(data-amount)'
SKU='sku=[itemprop=sku]::text, td[data-sku]::attr(data-sku), span.sku::text'
TAGS='tags=css:ul.tags > li:nth-child(odd)::text'
check fields 'del(.text, .markdown, .jsonld)' --extract "$NAME" \
    --extract "$PRICE" --extract "$SKU" --extract "$TAGS"
check jsonld 'del(.text, .markdown, .fields)' --extract-jsonld
check all 'del(.markdown)' --text --extract "$NAME" --extract "$PRICE" \
    --extract "$SKU" --extract "$TAGS" --extract-jsonld

# differential: scalar XPath values equal `xmllint --html --xpath` on the
# same files (these pages parse to the same tree in libxml2 and HTML5)
if command -v xmllint >/dev/null; then
    "$CF" crawl "$HOST/" $CFG --extract 'a=xpath:count(//p)' \
        --extract 'b=xpath:normalize-space(//h1)' \
        --extract 'c=xpath:count(//a[@href])' \
        --extract 'd=xpath:count(//*[@itemprop])' \
        --state-dir "$T/s.diff" -o "$T/diff.jsonl" >/dev/null 2>&1
    bad=0
    for f in index p1 p2 p3 p4 p5 p6; do
        for k in a b c d; do
            case $k in
            a) x='count(//p)' ;; b) x='normalize-space(//h1)' ;;
            c) x='count(//a[@href])' ;; d) x='count(//*[@itemprop])' ;;
            esac
            want=$(xmllint --html --xpath "$x" "$SITE/$f.html" 2>/dev/null)
            u="$HOST/$f.html"
            [ $f = index ] && u="$HOST/"
            got=$(jq -r --arg u "$u" --arg k $k \
                'select(.url == $u) | .fields[$k][0]' "$T/diff.jsonl")
            [ "$want" = "$got" ] || {
                bad=$((bad + 1))
                echo "differs: $f $x: xmllint '$want', crawlfleet '$got'" >&2
            }
        done
    done
    [ $bad -eq 0 ] && t_ok "28 XPath values equal xmllint --html --xpath" ||
        t_fail "$bad XPath values differ from xmllint"
else
    t_fail "xmllint is not installed (tools/deps.sh installs libxml2-utils)"
fi

# a rule that does not compile is refused before anything is written
out=$("$CF" crawl "$HOST/" $CFG --extract 'p=css:div[' --state-dir "$T/s.bad" \
    -o "$T/bad.jsonl" 2>&1)
rc=$?
case "$out" in
*"'p=css:div[': column 5: attribute name expected"*)
    if [ $rc -ne 0 ] && [ ! -e "$T/bad.jsonl" ]; then
        t_ok "bad rule refused: $out"
    else
        t_fail "bad rule: exit $rc, output written"
    fi ;;
*) t_fail "bad rule: exit $rc: $out" ;;
esac

# CSV: one column per field, in rule order (seed, a worker, export)
if redis_start; then
    trap cleanup EXIT # redis_start set its own
    trap 'exit 130' INT TERM
    "$CF" seed --redis "$REDIS_URL" --crawl x $CFG --extract "$NAME" \
        --extract "$PRICE" --extract 'p=css:div[' "$HOST/" \
        >"$T/seedbad.out" 2>&1
    if grep -q "column 5: attribute name expected" "$T/seedbad.out" &&
        [ "$(redis-cli -s "$REDIS_SOCK" dbsize)" = 0 ]; then
        t_ok "seed refuses a bad rule and writes nothing"
    else
        t_fail "seed with a bad rule: $(cat "$T/seedbad.out")"
    fi
    "$CF" seed --redis "$REDIS_URL" --crawl x $CFG --extract "$NAME" \
        --extract "$PRICE" "$HOST/" >/dev/null 2>&1
    "$B/crawlfleet-worker" --redis "$REDIS_URL" --crawl x --exit-when-done \
        2>"$T/w.log"
    "$CF" export --redis "$REDIS_URL" x --format csv -o "$T/x.csv" 2>&1
    head -n 1 "$T/x.csv" >"$T/csv.head"
    grep -F "$HOST/p1.html," "$T/x.csv" >"$T/csv.p1"
    if grep -q ',attempts,name,price$' "$T/csv.head" &&
        grep -q ',Sencha,12.50$' "$T/csv.p1"; then
        t_ok "CSV export: a column per field"
    else
        t_fail "CSV export: $(cat "$T/csv.head" "$T/csv.p1")"
    fi
    # pages marked noindex and nofollow, in the crawl's stats
    "$CF" status --redis "$REDIS_URL" x --json >"$T/x.status" 2>&1
    "$CF" status --redis "$REDIS_URL" x >"$T/x.status.txt" 2>&1
    for k in noindex nofollow; do
        want=$(jq -s "map(select(.$k == true)) | length" "$SITE/truth.jsonl")
        got=$(jq ".$k" "$T/x.status")
        stat=$(redis-cli -s "$REDIS_SOCK" hget 'cf:{x}:stats' $k)
        if [ "$want" -gt 0 ] && [ "$got" = "$want" ] && [ "$stat" = "$want" ]
        then
            t_ok "stats: $k $got, as the truth"
        else
            t_fail "stats: $k: status '$got', hash '$stat', truth $want"
        fi
    done
    if grep -q "pages marked noindex $(jq .noindex "$T/x.status"), nofollow $(jq .nofollow "$T/x.status")$" "$T/x.status.txt"; then
        t_ok "status shows noindex and nofollow"
    else
        t_fail "status: $(cat "$T/x.status.txt")"
    fi
    redis_stop
else
    t_fail "redis_start"
fi

t_summary extract_crawl
