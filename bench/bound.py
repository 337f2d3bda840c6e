#!/usr/bin/env python3
"""bound.py SITE_DIR CONCURRENCY DELAY_MS - what a breadth-first crawler
with no overhead at all achieves on a bench site served with a fixed delay.

It reads the site's pages (SITE_DIR/manifest.json and SITE_DIR/www, as
../shared/bench/gensite.py writes them), resolves every <a href> the way
the site's own generator does, and plays a breadth-first crawl from the
start URL: CONCURRENCY requests in flight whenever that many URLs are
known, each answered DELAY_MS after it starts, a page's links known the
instant it is answered, every URL requested once and the URLs of a level
in the order they were found, parsing and Redis free.
A URL that ends in '/' takes two delays: serve.sh's nginx sleeps once for
the request and again for the internal redirect to index.html.

It prints the requests, the makespan (first request to last answer) and
pages per second; bench/README.md compares S2 with it. The site's link
graph is cached in SITE_DIR/.bound-graph.json.
"""
import heapq
import json
import os
import re
import sys
from collections import deque
from urllib.parse import urljoin

HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"', re.I)
SKIP_EXT = ('.jpg', '.jpeg', '.png', '.gif', '.pdf')


def load_canonicalize():
    shared = os.environ.get('CF_BENCH_SHARED') or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared',
        'bench')
    sys.path.insert(0, shared)
    from gensite import canonicalize  # the site's own resolver
    return canonicalize


def page_file(site, url):
    rest = url.split('://', 1)[1]
    hostport, _, path = rest.partition('/')
    f = os.path.join(site, 'www', hostport.split(':')[0], path)
    return os.path.join(f, 'index.html') if f.endswith('/') else f


def link_graph(site, man):
    cache = os.path.join(site, '.bound-graph.json')
    if os.path.exists(cache) and \
            os.path.getmtime(cache) >= os.path.getmtime(
                os.path.join(site, 'manifest.json')):
        with open(cache) as f:
            return json.load(f)
    canonicalize = load_canonicalize()
    graph = {}
    for url in man['page_urls']:
        with open(page_file(site, url), encoding='utf-8') as f:
            html = f.read()
        out = []
        for h in HREF.findall(html):
            c = canonicalize(urljoin(url, h.replace('&amp;', '&')))
            if c and not c.lower().endswith(SKIP_EXT):
                out.append(c)
        graph[url] = out
    with open(cache + '.tmp', 'w') as f:
        json.dump(graph, f)
    os.replace(cache + '.tmp', cache)
    return graph


def play(graph, start, conc, delay):
    """Breadth-first, conc slots, answers after delay (2 x for '/')."""
    def took(u):
        return 2 * delay if u.endswith('/') else delay

    seen = {start}
    known = deque([start])
    inflight = []  # (answered at, url)
    t = 0.0
    requests = 0
    while known or inflight:
        while known and len(inflight) < conc:
            u = known.popleft()
            heapq.heappush(inflight, (t + took(u), u))
            requests += 1
        t, u = heapq.heappop(inflight)
        for v in graph.get(u, ()):
            if v not in seen:
                seen.add(v)
                known.append(v)
    return requests, t


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    site = sys.argv[1]
    try:
        conc, delay = int(sys.argv[2]), int(sys.argv[3])
    except ValueError:
        conc = delay = 0
    if conc < 1 or delay < 1:
        sys.stderr.write('bound.py: CONCURRENCY and DELAY_MS must be '
                         'whole numbers >= 1\n')
        return 2
    try:
        with open(os.path.join(site, 'manifest.json')) as f:
            man = json.load(f)
        graph = link_graph(site, man)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write('bound.py: cannot read the site in %s: %s\n' %
                         (site, e))
        return 1
    requests, span = play(graph, man['start_url'], conc, delay / 1000.0)
    pages = len(man['page_urls'])
    print('bound: %d pages, %d requests, %d in flight, %d ms each: '
          '%.2f s, %.0f pages/s with no overhead' %
          (pages, requests, conc, delay, span, pages / span))
    return 0


if __name__ == '__main__':
    sys.exit(main())
