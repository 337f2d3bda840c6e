#!/usr/bin/env bash
# s3.sh BUILD_DIR RESULTS_BASE - the S3 scale-out scenario (bench/README.md).
#
# 1, 2 and 4 crawlfleet-worker processes, each in its own network namespace,
# crawl the 8,000-page 8-host site (every response held BENCH_DELAY_MS) from
# one redis-server. Writes RESULTS_BASE.json and RESULTS_BASE.md.
#
# Topology (all private to this run; the root namespace is not touched):
#
#   netns cfs3-PID-srv   lo: 10.77.0.1 (redis-server), 10.77.0.2-9 (nginx,
#                        one address per site host, port 8631)
#                        vI: 10.78.I.1/24 -- veth -- eth0: 10.78.I.2/24 in
#   netns cfs3-PID-wI    (worker I; default route via 10.78.I.1)
#
# gensite.py writes its hosts as 127.0.0.2-9, which no other namespace can
# reach, so the site is copied once to SITE-s3 with 127.0.0.X rewritten to
# 10.77.0.X (links, manifest, docroots) and served by ../shared/bench/serve.sh
# inside the server namespace. Everything (namespaces, nginx, redis-server,
# workers) is torn down on exit, on failure and on Ctrl-C.
#
# Env: S3_WORKERS ("1 2 4"), S3_CONCURRENCY (64 per worker),
#      S3_PER_HOST (per-host concurrency across the fleet, 64),
#      S3_PAGES (8000), S3_CAP (time cap per run in s, 300),
#      BENCH_DELAY_MS (100), CF_BENCH_SHARED (../shared/bench).
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,25p' "$0" >&2; exit 2; }
B=$(cd "$1" && pwd)
OUT=$2
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CF_BENCH_SHARED:-$TOP/../shared/bench}
WORKERS=${S3_WORKERS:-1 2 4}
CONC=${S3_CONCURRENCY:-64}
PER_HOST=${S3_PER_HOST:-64}
PAGES=${S3_PAGES:-8000}
CAP=${S3_CAP:-300}
export BENCH_DELAY_MS=${BENCH_DELAY_MS:-100}
P=cfs3-$$
SRV=$P-srv
REDIS_IP=10.77.0.1
REDIS_PORT=6379
REDIS=redis://$REDIS_IP:$REDIS_PORT
RUNS=/tmp/bench-runs/s3-$(date -u +%Y%m%dT%H%M%SZ)-$$
export BENCH_NGINX_STATE=$RUNS/nginx
TCK=$(getconf CLK_TCK)

[ "$(id -u)" -eq 0 ] || { echo "s3: needs root (ip netns)" >&2; exit 1; }
for t in ip nginx /usr/bin/time redis-server redis-cli python3; do
    command -v "$t" >/dev/null 2>&1 ||
        { echo "s3: $t not found (make bench installs it)" >&2; exit 1; }
done
mkdir -p "$RUNS" "$(dirname "$OUT")"

# --- teardown: only what this run created --------------------------------
nsmax=0
redis_pid=""
wpids=""
nginx_up=0
cleanup() {
    local p i
    trap - EXIT INT TERM
    for p in $wpids; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in $wpids; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$p" 2>/dev/null || true
    done
    if [ -n "$redis_pid" ]; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ "$nginx_up" = 0 ] || bash "$SHARED/serve.sh" stop "$SITE3" >/dev/null 2>&1 || true
    for i in $(seq "$nsmax"); do ip netns del "$P-w$i" 2>/dev/null || true; done
    ip netns del "$SRV" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "s3: interrupted" >&2; exit 130' INT TERM

# Namespaces a killed earlier run left behind (its pid is gone).
for ns in $(ip netns list | awk '/^cfs3-[0-9]+-/ {print $1}'); do
    op=${ns#cfs3-}; op=${op%%-*}
    kill -0 "$op" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

# --- the site, rewritten for the server namespace's addresses -------------
SITE=/tmp/cf-bench-site-$PAGES
SITE3=$SITE-s3
if [ ! -f "$SITE/manifest.json" ]; then
    python3 "$SHARED/gensite.py" --pages "$PAGES" --hosts 8 --seed 1 \
        --out "$SITE" >/dev/null
fi
if [ ! -f "$SITE3/manifest.json" ] || [ "$SITE/manifest.json" -nt "$SITE3/manifest.json" ]; then
    echo "s3: rewriting $SITE for 10.77.0.2-9 into $SITE3" >&2
    python3 - "$SITE" "$SITE3" <<'PY'
import json, os, re, shutil, sys
src, dst = sys.argv[1:3]
pat = re.compile(rb'127\.0\.0\.([2-9])(?=[:/"\'])')
sub = rb'10.77.0.\1'
if os.path.isdir(dst):
    shutil.rmtree(dst)
for d, _, files in os.walk(os.path.join(src, 'www')):
    rel = os.path.relpath(d, src).replace('127.0.0.', '10.77.0.')
    os.makedirs(os.path.join(dst, rel), exist_ok=True)
    for f in files:
        s, t = os.path.join(d, f), os.path.join(dst, rel, f)
        if f.endswith('.html'):
            with open(s, 'rb') as fh:
                data = pat.sub(sub, fh.read())
            with open(t, 'wb') as fh:
                fh.write(data)
        else:
            shutil.copyfile(s, t)
with open(os.path.join(src, 'manifest.json'), 'rb') as fh:
    m = json.loads(pat.sub(sub, fh.read()).decode())
m['docroots'] = {ip: os.path.join(dst, 'www', ip) for ip in m['host_ips']}
m['rewritten_from'] = src
assert all(ip.startswith('10.77.0.') for ip in m['host_ips'])
with open(os.path.join(dst, 'manifest.json'), 'w') as fh:
    json.dump(m, fh, indent=1)
    fh.write('\n')
PY
fi
MAN=$SITE3/manifest.json
read -r START_URL SCOPE <<EOF
$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["start_url"], ",".join(m["hosts"]))' "$MAN")
EOF

# --- namespaces ------------------------------------------------------------
max=0
for n in $WORKERS; do [ "$n" -le "$max" ] || max=$n; done
ip netns add "$SRV"
ip -n "$SRV" link set lo up
ip -n "$SRV" addr add "$REDIS_IP/32" dev lo
for k in 2 3 4 5 6 7 8 9; do ip -n "$SRV" addr add "10.77.0.$k/32" dev lo; done
for i in $(seq "$max"); do
    ns=$P-w$i
    ip netns add "$ns"
    nsmax=$i
    ip -n "$SRV" link add "v$i" type veth peer name eth0 netns "$ns"
    ip -n "$SRV" addr add "10.78.$i.1/24" dev "v$i"
    ip -n "$SRV" link set "v$i" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "10.78.$i.2/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "10.78.$i.1"
done

# --- nginx and redis-server in the server namespace ------------------------
python3 - "$MAN" <<'PY'  # warm the page cache, like compare.sh
import json, os, sys
for r in json.load(open(sys.argv[1]))['docroots'].values():
    for d, _, fs in os.walk(r):
        for f in fs:
            with open(os.path.join(d, f), 'rb') as fh:
                while fh.read(1 << 20):
                    pass
PY
nginx_up=1
ip netns exec "$SRV" bash "$SHARED/serve.sh" start "$SITE3" >&2
ip netns exec "$SRV" redis-server --bind "$REDIS_IP" --port "$REDIS_PORT" \
    --protected-mode no --save '' --appendonly no --dir "$RUNS" \
    --logfile "$RUNS/redis.log" > /dev/null 2>&1 &
redis_pid=$!
rcli() { ip netns exec "$SRV" redis-cli -h "$REDIS_IP" -p "$REDIS_PORT" "$@"; }
for _ in $(seq 100); do
    [ "$(rcli ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || { echo "s3: redis-server did not start" >&2; exit 1; }
for i in $(seq "$max"); do   # every worker namespace reaches redis and nginx
    ip netns exec "$P-w$i" redis-cli -h "$REDIS_IP" -p "$REDIS_PORT" ping >/dev/null
    ip netns exec "$P-w$i" python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], 8631), timeout=2).close()' 10.77.0.9
done

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
nginx_ticks() {
    local t=0 p
    for p in $(ps -o pid= --ppid "$(cat "$BENCH_NGINX_STATE/master.pid")"); do
        t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# busy clock ticks of the whole machine (every process, ours or not)
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# --- one run per worker count ----------------------------------------------
set -m   # every worker in its own process group: teardown kills the group
: > "$RUNS/runs.jsonl"
for n in $WORKERS; do
    w=$RUNS/w$n
    mkdir -p "$w"
    rcli flushall >/dev/null
    bash "$SHARED/serve.sh" rotate "$SITE3" "$w/pre.log"
    ip netns exec "$SRV" "$B/crawlfleet" seed --redis "$REDIS" --crawl s3 \
        --scope "hosts:$SCOPE" --allow-private --no-obey-robots \
        --per-host-concurrency "$PER_HOST" "$START_URL" > "$w/seed.txt"
    echo ">>> s3: $n worker(s) x --concurrency $CONC" >&2
    r0=$(ticks "$redis_pid"); n0=$(nginx_ticks); m0=$(machine_ticks)
    t0=$(now_ms)
    wpids=""
    for i in $(seq "$n"); do
        ip netns exec "$P-w$i" /usr/bin/time -o "$w/time$i.txt" \
            -f '%e %U %S %M %x' "$B/crawlfleet-worker" --redis "$REDIS" \
            --crawl s3 --exit-when-done --concurrency "$CONC" \
            --log-level info > "$w/worker$i.log" 2>&1 &
        wpids="$wpids $!"
    done
    deadline=$(( t0 + CAP * 1000 ))
    timed_out=0
    for p in $wpids; do
        while kill -0 "$p" 2>/dev/null; do
            [ "$(now_ms)" -lt "$deadline" ] || { timed_out=1; break 2; }
            sleep 0.05
        done
    done
    t1=$(now_ms)
    if [ "$timed_out" = 1 ]; then
        echo "s3: $n worker(s) hit the ${CAP}s cap" >&2
        for p in $wpids; do kill -TERM -- "-$p" 2>/dev/null || true; done
    fi
    for p in $wpids; do wait "$p" || true; done
    wpids=""
    r1=$(ticks "$redis_pid"); n1=$(nginx_ticks); m1=$(machine_ticks)
    ip netns exec "$SRV" "$B/crawlfleet" status s3 --json --redis "$REDIS" \
        > "$w/status.json" || true
    rcli hgetall 'cf:{s3}:stats' > "$w/stats.txt"
    rcli info memory | tr -d '\r' > "$w/redis-memory.txt"
    bash "$SHARED/serve.sh" rotate "$SITE3" "$w/access.log"
    python3 "$SHARED/count_log.py" "$w/access.log" --manifest "$MAN" \
        --out "$w/count.json" > /dev/null
    python3 - "$w" "$n" "$t0" "$t1" "$((r1 - r0))" "$((n1 - n0))" "$TCK" \
        "$timed_out" "$((m1 - m0))" >> "$RUNS/runs.jsonl" <<'PY'
import glob, json, re, sys
w, n, t0, t1, rt, nt, tck, to, mt = sys.argv[1:10]
n, t0, t1, tck = int(n), int(t0), int(t1), int(tck)
c = json.load(open(w + '/count.json'))
lines = open(w + '/stats.txt').read().split('\n')
st = dict(zip(lines[0::2], lines[1::2]))
wall = (t1 - t0) / 1000.0
ended = int(st.get('ended_ms') or 0)
crawl = (ended - t0) / 1000.0 if ended else wall
workers = []
for f in sorted(glob.glob(w + '/time*.txt')):
    last = [l for l in open(f).read().splitlines() if l.strip()][-1].split()
    x = {'wall_s': float(last[0]), 'cpu_s': float(last[1]) + float(last[2]),
         'rss_mb': round(int(last[3]) / 1024, 1), 'rc': int(last[4])}
    # the worker's own account of its capacity ("slot use" at exit):
    # transfers = busy share of --concurrency, results = pages waiting
    # for the parser on average, pop_rtt_ms = mean pop round trip
    log = f.replace('/time', '/worker').replace('.txt', '.log')
    for line in open(log, errors='replace'):
        if 'msg="slot use"' in line:
            x['slots'] = {k: v.rstrip('%') for k, v in
                          re.findall(r'(\w+)=([0-9.]+%?)', line.split('slot use"', 1)[1])}
    workers.append(x)
wcpu = sum(x['cpu_s'] for x in workers)
rcpu = int(rt) / tck
ncpu = int(nt) / tck
# time spent in requests at nginx (each holds BENCH_DELAY_MS) over the
# crawl: the mean number of requests in flight at the server
busy = 0.0
for line in open(w + '/access.log', encoding='utf-8', errors='replace'):
    try:
        busy += float(json.loads(line)['rt'])
    except ValueError:
        pass
pages = c['pages_found']
r = {
    'workers': n, 'wall_s': wall, 'crawl_s': round(crawl, 3),
    'timed_out': to == '1', 'pages': pages, 'coverage': c['coverage'],
    # the crawl's time: first worker started .. state done (the last ack);
    # wall_s adds the idle workers noticing it (their idle pops back off
    # from 10 ms to at most 1 s)
    'pages_per_s': round(pages / crawl, 1) if crawl > 0 else None,
    'requests': c['requests'], 'duplicate_requests': c['duplicate_requests'],
    'status': c['status'], 'unexpected_urls': c['unexpected_urls'],
    'worker_cpu_s': round(wcpu, 2), 'redis_cpu_s': round(rcpu, 2),
    'nginx_cpu_s': round(ncpu, 2),
    'cpu_ms_per_page': round((wcpu + rcpu) * 1000 / pages, 3) if pages else None,
    'cores_busy': round((wcpu + rcpu + ncpu) / crawl, 2) if crawl > 0 else None,
    'machine_cores_busy': round(int(mt) / tck / wall, 2) if wall else None,
    'mean_in_flight': round(busy / crawl, 1) if crawl > 0 else None,
    'worker_peak_rss_mb': max((x['rss_mb'] for x in workers), default=0),
    'worker_rc': [x['rc'] for x in workers],
    'stats': {k: st.get(k) for k in ('state', 'discovered', 'done', 'ok', 'dead',
                                     'retries', 'reaped', 'stale_acks')},
    'per_worker': workers, 'rundir': w,
}
print(json.dumps(r))
PY
    tail -1 "$RUNS/runs.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("<<< s3 %(workers)d worker(s): %(crawl_s).1fs to done, pages %(pages)d, %(pages_per_s)s pages/s, dup %(duplicate_requests)d, cpu %(worker_cpu_s)s+%(redis_cpu_s)ss, in flight %(mean_in_flight)s" % r)' >&2
done
set +m

python3 - "$RUNS/runs.jsonl" "$OUT" "$MAN" "$CONC" "$PER_HOST" \
    "$BENCH_DELAY_MS" "$CAP" <<'PY'
import json, os, platform, sys
runs_f, out, man, conc, per_host, delay, cap = sys.argv[1:8]
runs = [json.loads(l) for l in open(runs_f) if l.strip()]
m = json.load(open(man))
base = next((r['pages_per_s'] for r in runs if r['workers'] == 1), None)
for r in runs:
    r['ratio_to_1'] = round(r['pages_per_s'] / base, 2) if base and r['pages_per_s'] else None
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
            if l.startswith('model name')), '')
res = {
    'scenario': 's3',
    'site': {'start_url': m['start_url'], 'hosts': m['hosts'],
             'pages': len(m['page_urls']), 'broken_urls': len(m['broken_urls']),
             'delay_ms': int(delay), 'rewritten_from': m.get('rewritten_from')},
    'concurrency_per_worker': int(conc), 'per_host_concurrency': int(per_host),
    'cap_s': int(cap),
    'machine': {'nproc': os.cpu_count(), 'cpu': cpu, 'kernel': platform.release()},
    'runs': runs,
}
with open(out + '.json', 'w') as f:
    json.dump(res, f, indent=1)
    f.write('\n')
hdr = ('| workers | crawl s | wall s | pages | coverage | pages/s | ratio to 1 | requests | '
       'dup req | 404 | worker CPU s | redis CPU s | CPU ms/page | nginx CPU s | '
       'cores busy | machine cores busy | mean in flight | worker peak RSS MB |')
lines = ['S3: %s (%d pages, %d hosts, %s ms per response), --concurrency %s per '
         'worker, per-host concurrency %s, each worker in its own network namespace'
         % (m['start_url'], len(m['page_urls']), len(m['hosts']), delay, conc, per_host),
         '', hdr, '|' + '---|' * (hdr.count('|') - 1)]
for r in runs:
    lines.append('| %d | %.1f | %.1f | %d | %.4f | %.1f | %s | %d | %d | %d | %.1f | %.1f | %s | %.1f | %.2f | %.2f | %.1f | %.0f |%s' % (
        r['workers'], r['crawl_s'], r['wall_s'], r['pages'], r['coverage'], r['pages_per_s'],
        r['ratio_to_1'], r['requests'], r['duplicate_requests'],
        r['status'].get('404', 0), r['worker_cpu_s'], r['redis_cpu_s'],
        r['cpu_ms_per_page'], r['nginx_cpu_s'], r['cores_busy'], r['machine_cores_busy'],
        r['mean_in_flight'], r['worker_peak_rss_mb'],
        ' TIMEOUT' if r['timed_out'] else ''))
for r in runs:
    bad = {k: v for k, v in r['status'].items() if k.startswith('5')}
    if bad:
        lines += ['', 'WARNING: %d worker(s) got server errors %s; rerun.' % (r['workers'], bad)]
md = '\n'.join(lines) + '\n'
with open(out + '.md', 'w') as f:
    f.write(md)
print(md)
print('results: %s.{json,md}; run dirs: %s' % (out, os.path.dirname(runs_f)))
PY
