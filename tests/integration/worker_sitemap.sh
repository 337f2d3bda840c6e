#!/bin/sh
# worker_sitemap.sh - sitemaps through the frontier (tests/fixture/
# sitemap.c serves them):
#   1. a crawl seeded only by --sitemap (an index of a sitemap, a gzipped
#      one, one with off-scope entries, one in a subdirectory, one of
#      50,001 URLs, a malformed one, an HTML page) reaches exactly the
#      listed pages, each sitemap read once with flag sitemap, the cap and
#      the bad files counted, <lastmod> and <priority> kept;
#   2. robots.txt's Sitemap: line brings the sitemap in (once, with two
#      workers reading robots.txt);
#   3. --sitemap-priority orders the frontier by <priority>.
# Needs $B/crawlfleet, $B/crawlfleet-worker, $B/cf-fixture.
set -u
. "$(dirname "$0")/../lib/redis.sh"
. "$(dirname "$0")/../lib/worker.sh"
B=${B:-build}
wt_setup worker_sitemap

# fx NAME ARGS...: a fixture with a request log; sets O (host 0's origin).
fx() {
    _n=$1
    shift
    "$B/cf-fixture" --log "$T/$_n.log" "$@" >"$T/$_n.ready" 2>"$T/$_n.err" &
    FX_PIDS="$FX_PIDS $!"
    wait_for grep -q '^ready' "$T/$_n.ready" || t_fail "fixture $_n starts"
    O=http://127.0.0.1:$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' \
        "$T/$_n.ready")
}
worker() {
    "$B/crawlfleet-worker" --redis "$R" "$@" 2>>"$T/worker.log" &
    W_PIDS="$W_PIDS $!"
    LAST_W=$!
}
# field FILE URL KEY: KEY's value in URL's exported result (strings bare).
field() {
    grep -F "{\"url\":\"$2\"," "$1" | head -n 1 |
        sed -n "s/.*\"$3\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p"
}

# ---- 1. seeded only by --sitemap -----------------------------------------
fx sm --hosts 2 --pages 40
"$B/crawlfleet" seed --redis "$R" --crawl sm --allow-private --max-depth 1 \
    --exclude '/big/' --sitemap "$O/sitemap.xml" >"$T/seed.out" 2>&1
t_check "seed with only --sitemap exits 0" [ $? -eq 0 ]
worker --crawl sm --exit-when-done
wait_exit "$LAST_W" 90
t_check "worker exits 0" [ $? -eq 0 ]
"$B/crawlfleet" export sm --redis "$R" >"$T/sm.jsonl"
grep -v '"sitemap":true' "$T/sm.jsonl" |
    sed -n 's/^{"url":"\([^"]*\)".*"error_type":"\([a-z_]*\)".*/\1 \2/p' |
    sort >"$T/got.pages"
for k in $(seq 1 27); do echo "$O/p/$k.html ok"; done | sort >"$T/want.pages"
t_check "exactly the listed pages, each ok" cmp -s "$T/want.pages" \
    "$T/got.pages" || diff "$T/want.pages" "$T/got.pages" | head -10
grep '"sitemap":true' "$T/sm.jsonl" |
    sed -n 's/^{"url":"\([^"]*\)".*"error_type":"\([a-z_]*\)".*/\1 \2/p' |
    sort >"$T/got.sitemaps"
for s in "sitemap.xml ok" "sitemap-a.xml ok" "sitemap-b.xml.gz ok" \
    "sitemap-off.xml ok" "p/sitemap-dir.xml ok" "sitemap-big.xml ok" \
    "sitemap-bad.xml parse" "sitemap-html.xml parse"; do
    echo "$O/$s"
done | sort >"$T/want.sitemaps"
t_check "each sitemap read once, as a sitemap, with its outcome" \
    cmp -s "$T/want.sitemaps" "$T/got.sitemaps" ||
    diff "$T/want.sitemaps" "$T/got.sitemaps" | head -10
t_check "each URL has one result" \
    [ -z "$(sed -n 's/^{"url":"\([^"]*\)".*/\1/p' "$T/sm.jsonl" |
        sort | uniq -d)" ]
t_check "the fixture served sitemap-a.xml once (listed twice)" \
    [ "$(grep -c 'GET /sitemap-a.xml ' "$T/sm.log")" -eq 1 ]
t_check "50,001 URLs: 50,000 taken, one counted over the cap" \
    [ "$(field "$T/sm.jsonl" "$O/sitemap-big.xml" links)" = 50000 -a \
    "$(field "$T/sm.jsonl" "$O/sitemap-big.xml" links_dropped)" = 1 ]
t_check "no /big/ page fetched (excluded)" \
    sh -c "! grep -q 'GET /big/' '$T/sm.log'"
t_check "the malformed sitemap says where" grep -q \
    '"error":"sitemap: XML error at line 4: Opening and ending tag mismatch' \
    "$T/sm.jsonl"
t_check "the HTML page is not a sitemap" grep -q \
    '"error":"sitemap: not a sitemap: root element <html>"' "$T/sm.jsonl"
t_check "off-scope entries counted, not fetched" \
    sh -c "! grep -q -e 'other.example' -e 'https://' -e '/t/ml/1.html' \
        -e 'GET /p/28.html' -e 'GET /p/29.html' -e 'GET /p/30.html' \
        '$T/sm.log' '$T/sm.jsonl'"
t_check "the gzipped sitemap's pages came (p/15)" \
    [ "$(field "$T/sm.jsonl" "$O/p/15.html" error_type)" = ok ]
t_check "listed pages are at depth 1, sitemaps at 0" \
    [ "$(field "$T/sm.jsonl" "$O/p/3.html" depth)" = 1 -a \
    "$(field "$T/sm.jsonl" "$O/sitemap-a.xml" depth)" = 0 ]
t_check "<lastmod> and <priority> kept in the page's result" \
    [ "$(field "$T/sm.jsonl" "$O/p/3.html" sitemap_lastmod)" = 2026-12-04 \
    -a "$(field "$T/sm.jsonl" "$O/p/3.html" sitemap_priority)" = 0.3 ]
t_check "pages' own links were not followed (depth 2)" \
    [ "$(grep -c . "$T/sm.jsonl")" -eq 35 ]

# ---- 2. robots.txt Sitemap: lines, two workers --------------------------
fx rb --hosts 1 --pages 40 --robots sitemap
"$B/crawlfleet" seed --redis "$R" --crawl rb --allow-private --max-depth 0 \
    "$O/" >/dev/null 2>&1
worker --crawl rb --exit-when-done
a=$LAST_W
worker --crawl rb --exit-when-done
b=$LAST_W
wait_exit "$a" 60
ra=$?
wait_exit "$b" 60
t_check "robots workers exit 0" [ "$ra" -eq 0 -a $? -eq 0 ]
"$B/crawlfleet" export rb --redis "$R" >"$T/rb.jsonl"
t_check "robots.txt's sitemap was read, as a sitemap" \
    grep -q "{\"url\":\"$O/sitemap.xml\".*\"sitemap\":true" "$T/rb.jsonl"
t_check "and fetched once" \
    [ "$(grep -c 'GET /sitemap.xml ' "$T/rb.log")" -eq 1 ]
t_check "--max-depth 0: its sitemaps read, their pages too deep" \
    [ "$(grep -c '"sitemap":true' "$T/rb.jsonl")" -eq 8 -a \
    "$(grep -c 'GET /p/[0-9]' "$T/rb.log")" -eq 0 ]

# ---- 3. --sitemap-priority -----------------------------------------------
# sitemap-a.xml lists /p/1..10 with priority k/10: by priority, /p/10
# comes first and /p/1 last; without, in file order. One worker, one
# transfer at a time, a delay that keeps the pops apart.
fx pr --hosts 1 --pages 40
for mode in sitemap-priority no-sitemap-priority; do
    "$B/crawlfleet" seed --redis "$R" --crawl "$mode" --allow-private \
        --max-depth 1 --"$mode" --delay 20ms --no-robots \
        --sitemap "$O/sitemap-a.xml" >/dev/null 2>&1
    : >"$T/pr.log"
    worker --crawl "$mode" --exit-when-done --concurrency 1 --batch 1
    wait_exit "$LAST_W" 60
    t_check "$mode: worker exits 0" [ $? -eq 0 ]
    awk '$4 ~ /^\/p\// { sub("/p/", "", $4); sub(".html", "", $4);
         printf "%s ", $4 }' "$T/pr.log" >"$T/$mode.order"
    echo "# $mode: fetch order $(cat "$T/$mode.order")"
done
t_check "by <priority>: /p/10 first, /p/1 last" \
    [ "$(cat "$T/sitemap-priority.order")" = "10 9 8 7 6 5 4 3 2 1 " ]
t_check "without: file order" \
    [ "$(cat "$T/no-sitemap-priority.order")" = "1 2 3 4 5 6 7 8 9 10 " ]

t_summary worker_sitemap
