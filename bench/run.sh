#!/bin/sh
# run.sh BUILD_DIR [SCENARIO...] - crawlfleet's benchmarks (bench/README.md).
#
#   frontier  pop/ack driver without HTTP, seen-set memory at 1M URLs, queue
#             memory at 10M queued URLs
#   s1        20,000-page 8-host synthetic site on nginx, CONCURRENCY=64,
#             crawlfleet beside its peers (../shared/bench/compare.sh)
#   s2        the 8,000-page site with 100 ms per response, CONCURRENCY=256
#   s3        scale-out: 1, 2 and 4 workers, each in its own network
#             namespace, one redis-server, the s2 site, --concurrency 64
#             each (bench/s3.sh; needs root for ip netns)
#   s4        real pages: Debian documentation trees served in place
#             (rust-doc, python3.11-doc, postgresql-doc-15; ground truth
#             from ../shared/bench/realsite.py), CONCURRENCY=64, beside
#             wget2 and wget; S4_DOCS picks the trees
#
#   s1x       extraction: S1 with --text and three --extract rules beside
#             S1 without, then against Scrapy on XPAGES pages
#
# Default: frontier, s1, s1x, s2, s3 and s4. PEERS="wget2 wget httrack
# crawlee scrapy" picks the peers (PEERS="" times crawlfleet alone); REPEAT=N runs every s1/s2 entry
# N times (the machine is noisy); results land in bench/results/.
set -eu
B=${1:-build}
shift || true
SCEN=${*:-frontier s1 s1x s2 s3 s4}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CF_BENCH_SHARED:-$TOP/../shared/bench}
PEERS=${PEERS-wget2 wget httrack crawlee scrapy}
REPEAT=${REPEAT:-1}
RES=$TOP/bench/results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CF_BIN=$(cd "$B" && pwd)
export CF_BIN
mkdir -p "$RES"

[ -d "$SHARED" ] || { echo "bench: $SHARED not found (set CF_BENCH_SHARED)" >&2; exit 1; }

need_tools() {
    missing=0
    for t in nginx /usr/bin/time wget2 wget httrack; do
        command -v "$t" >/dev/null 2>&1 || missing=1
    done
    [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing=1
    case " $PEERS " in
    *" scrapy "*) command -v scrapy >/dev/null 2>&1 || missing=1 ;;
    esac
    case " $PEERS " in
    *" crawlee "*) [ -d /tmp/peers/node/node_modules/@crawlee ] || missing=1 ;;
    esac
    [ $missing = 1 ] || return 0
    echo "bench: installing nginx and the peers"
    # Debian's nodejs conflicts with the npm that ships with a node
    # already on the machine: install it only when there is none.
    node=""
    command -v npm >/dev/null 2>&1 || node="nodejs npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends nginx libnginx-mod-http-echo wrk time \
        python3-scrapy wget wget2 httrack $node >/dev/null
    case " $PEERS " in
    *" crawlee "*) SKIP_APT=1 bash "$SHARED/peers/install.sh" ;;
    esac
}

# S3 needs no peers: nginx with the echo module, time, ip (iproute2),
# redis-server/redis-cli (tools/deps.sh) and python3.
need_s3_tools() {
    missing=0
    for t in nginx /usr/bin/time ip redis-server redis-cli python3; do
        command -v "$t" >/dev/null 2>&1 || missing=1
    done
    [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing=1
    [ $missing = 1 ] || return 0
    echo "bench: installing nginx, iproute2 and time for s3"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends nginx libnginx-mod-http-echo time iproute2 \
        redis-server redis-tools python3 >/dev/null
}

# real_site NAME: the manifest directory of Debian documentation tree NAME
# (rust-doc, python3.11-doc, postgresql-doc-15), installed if missing,
# served in place from its own address.
real_site() {
    case $1 in
    rust-doc) root=/usr/share/doc/rust-doc/html ip=127.0.0.52 ;;
    python3.11-doc) root=/usr/share/doc/python3.11/html ip=127.0.0.53 ;;
    postgresql-doc-15) root=/usr/share/doc/postgresql-doc-15/html ip=127.0.0.54 ;;
    *) echo "bench: unknown documentation tree $1" >&2; return 1 ;;
    esac
    if [ ! -f "$root/index.html" ]; then
        echo "bench: installing $1" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "$1" >/dev/null
    fi
    d=/tmp/cf-bench-real-$1
    if [ ! -f "$d/manifest.json" ]; then
        python3 "$SHARED/realsite.py" --root "$root" --ip "$ip" \
            --port 8634 --out "$d" >/dev/null
    fi
    echo "$d"
}

site() { # pages -> directory
    d=/tmp/cf-bench-site-$1
    if [ ! -f "$d/manifest.json" ]; then
        python3 "$SHARED/gensite.py" --pages "$1" --hosts 8 --seed 1 \
            --out "$d" >/dev/null
    fi
    echo "$d"
}

# The crawlfleet entry for compare.sh: the embedded Redis (a child, so its
# CPU and memory count as ours), 2 workers (one per core), CONCURRENCY
# split between them, per-host concurrency CONCURRENCY / 2 (the peers have
# no per-host limit; bench/README.md says why not CONCURRENCY / 8), robots
# off and private addresses allowed like every peer here.
CF_CMD='"$CF_BIN/crawlfleet" crawl "$START_URL" --name bench --fresh \
 --state-dir "$WORK/state" --scope "hosts:$SCOPE_HOSTS" --allow-private \
 --no-obey-robots --workers 2 --concurrency $((CONCURRENCY / 2)) \
 --per-host-concurrency $((CONCURRENCY / 2)) -o "$WORK/pages.jsonl"'

# S1 with archiving: the same crawl with --warc, and the one peer that
# archives, wget --warc-file (wget's peer entry plus the WARC file: gzip
# per record, as ours).
CF_WARC_CMD="$CF_CMD"' --warc "$WORK/warc"'
WGET_WARC_CMD='wget --recursive --level=inf -e robots=off --span-hosts  --domains="$SCOPE_IPS" --reject=jpg,pdf --tries=1 --no-verbose  --output-file="$WORK/wget.log" --directory-prefix="$WORK/out"  --warc-file="$WORK/site" "$START_URL"'

# WARC bytes per page of the archiving entries, appended to the table.
warc_share() { # results.json
    python3 - "$1" <<'PY' >>"${1%.json}.md" || true
import glob, json, os, sys
runs = json.load(open(sys.argv[1]))["runs"]
out = []
for r in runs:
    name, w = r.get("name", ""), r.get("workdir", "")
    files = {"crawlfleet-warc": glob.glob(os.path.join(w, "warc", "*.warc.gz")),
             "wget-warc": glob.glob(os.path.join(w, "site*.warc.gz"))}.get(name)
    if files is None or not r.get("pages"):
        continue
    size = sum(os.path.getsize(f) for f in files)
    out.append(f"{name}: {size} WARC bytes in {len(files)} files, "
               f"{size / r['pages']:.0f} bytes per page")
if out:
    print("\n" + "\n".join(out))
PY
}

# The embedded redis-server's share, from crawlfleet's last words (the
# stderr compare.sh keeps in the run's work directory), appended to the
# scenario's table.
redis_share() { # results.json
    w=$(python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["runs"]:
    if r.get("name") == "crawlfleet": print(r.get("workdir", ""))' "$1" \
        2>/dev/null)
    # crawlfleet says it only past 1,000 results (python3.11-doc has
    # 528): no line is no error (set -e ended the run here with status 1)
    line=$(grep -h "embedded redis-server" "$w/stderr.log" 2>/dev/null) ||
        line=""
    [ -n "$line" ] && [ -f "${1%.json}.md" ] &&
        printf '\ncrawlfleet: %s\n' "${line#crawlfleet: }" >>"${1%.json}.md"
    return 0
}

# A zero-overhead breadth-first crawl of the site at 100 ms per answer
# (bench/bound.py), appended to the results: the most a crawler that
# fetches level by level, each in the order found, reaches on this site.
bound() { # site concurrency results.md
    line=$(CF_BENCH_SHARED=$SHARED python3 "$TOP/bench/bound.py" "$1" "$2" \
        100) || return 0
    echo "$line"
    [ -f "$3" ] && printf '\n%s\n' "$line" >>"$3"
    return 0
}

for s in $SCEN; do
    case $s in
    frontier)
        make -s -C "$TOP" "B=$B" "$B/bench/frontier_bench"
        echo "bench: frontier (20,000 pages popped and acked, 1,000,000 URLs" \
            "seen, 10,000,000 queued)"
        {
            "$CF_BIN/bench/frontier_bench" 20000 1000000 10000000
            # the same without the look-ups, and one page per ack call
            FB_FILTER=0 "$CF_BIN/bench/frontier_bench" 20000 0
            FB_FILTER=0 FB_BATCH=1 "$CF_BIN/bench/frontier_bench" 20000 0
        } | tee "$RES/frontier-$STAMP.txt"
        ;;
    s1)
        need_tools
        dir=$(site 20000)
        CONCURRENCY=64 bash "$SHARED/compare.sh" "$dir" --cap 900 \
            --repeat "$REPEAT" --peers "$PEERS" --results "$RES/s1-$STAMP.json" \
            crawlfleet="$CF_CMD" crawlfleet-warc="$CF_WARC_CMD" \
            wget-warc="$WGET_WARC_CMD"
        redis_share "$RES/s1-$STAMP.json"
        warc_share "$RES/s1-$STAMP.json"
        ;;
    s1x)
        # Extraction (bench/README.md, s1x), two sittings. On the S1 site:
        # crawlfleet without extraction next to BASE_CF_BIN (a build of
        # the tree before extraction, if given) and crawlfleet with
        # --text and three --extract rules. Then, unless PEERS="", on
        # XPAGES pages (default 2,000; Scrapy does about 16 pages/s
        # here): crawlfleet with extraction against Scrapy running the
        # same three selectors plus text (bench/extract_spider.py), both
        # outputs kept and compared value for value
        # (bench/extract_compare.py).
        need_tools
        X_ARGS='--text --extract "h1=css:h1::text" \
 --extract "num=css:table.data td.num::text" \
 --extract "related=xpath://aside[@class=\"related\"]//a/@href"'
        set -- crawlfleet="$CF_CMD" crawlfleet_extract="$CF_CMD $X_ARGS"
        [ -n "${BASE_CF_BIN:-}" ] &&
            set -- crawlfleet_base="$(echo "$CF_CMD" |
                sed "s|\$CF_BIN|$BASE_CF_BIN|")" "$@"
        CONCURRENCY=64 bash "$SHARED/compare.sh" "$(site 20000)" --cap 900 \
            --repeat "$REPEAT" --peers "" --results "$RES/s1x-$STAMP.json" \
            "$@"
        [ -n "$PEERS" ] || continue
        CONCURRENCY=64 bash "$SHARED/compare.sh" "$(site "${XPAGES:-2000}")" \
            --cap 900 --peers "" --keep-output \
            --results "$RES/s1x-scrapy-$STAMP.json" \
            crawlfleet_extract="$CF_CMD $X_ARGS" \
            scrapy_extract="/usr/bin/python3 \
 -m scrapy runspider $TOP/bench/extract_spider.py -a start=\"\$START_URL\" \
 -a hosts=\"\$SCOPE_HOSTS\" -s CONCURRENT_REQUESTS=\$CONCURRENCY \
 -s CONCURRENT_REQUESTS_PER_DOMAIN=\$CONCURRENCY -s LOG_FILE=\$WORK/scrapy.log \
 -o \$WORK/items.jl:jsonlines"
        { echo; echo '```'
          python3 "$TOP/bench/extract_compare.py" "$RES/s1x-scrapy-$STAMP.json"
          echo '```'; } | tee -a "$RES/s1x-scrapy-$STAMP.md"
        ;;
    s2)
        need_tools
        dir=$(site 8000)
        # wget fetches over one connection: 8,400 requests at 100-200 ms
        # each outlast the cap, so S2 leaves it out.
        p2=$(echo " $PEERS " | sed 's/ wget / /; s/^ *//; s/ *$//')
        BENCH_DELAY_MS=100 CONCURRENCY=256 bash "$SHARED/compare.sh" "$dir" \
            --cap 900 --repeat "$REPEAT" --peers "$p2" --results "$RES/s2-$STAMP.json" \
            crawlfleet="$CF_CMD"
        redis_share "$RES/s2-$STAMP.json"
        bound "$dir" 256 "$RES/s2-$STAMP.md"
        ;;
    s3)
        need_s3_tools
        CF_BENCH_SHARED=$SHARED bash "$TOP/bench/s3.sh" "$B" "$RES/s3-$STAMP"
        for c in 64 128 256; do
            bound "$(site 8000)" $c "$RES/s3-$STAMP.md"
        done
        ;;
    s4)
        need_tools
        p4=""
        for p in $PEERS; do
            case $p in wget | wget2) p4="$p4 $p" ;; esac
        done
        for doc in ${S4_DOCS:-rust-doc python3.11-doc postgresql-doc-15}; do
            dir=$(real_site "$doc")
            CONCURRENCY=64 bash "$SHARED/compare.sh" "$dir" --cap 600 \
                --repeat "$REPEAT" --peers "${p4# }" \
                --results "$RES/s4-$doc-$STAMP.json" crawlfleet="$CF_CMD"
            redis_share "$RES/s4-$doc-$STAMP.json"
        done
        ;;
    *)
        echo "bench: unknown scenario $s (frontier, s1, s1x, s2, s3, s4)" >&2
        exit 2
        ;;
    esac
done
