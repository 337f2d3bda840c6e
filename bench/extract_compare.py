"""extract_compare.py RESULTS.json - do crawlfleet and Scrapy give the same
values in s1x (bench/run.sh)? Reads the kept outputs of the
crawlfleet_extract entry (pages.jsonl) and the scrapy_extract entry
(items.jl) named in compare.sh's results file, and for every URL both
have compares the three fields value for value, and the text as its
sequence of non-whitespace characters (crawlfleet's text puts block
elements on lines of their own and joins inline ones as the page does,
the spider joins every text node with a space: the words are the same,
the spaces between them may not be). Prints one line per check and the
first differences, and exits 1 when a field or the text differs on any
page, or when there are no pages to compare."""
import json
import os
import sys

FIELDS = ('h1', 'num', 'related')
SHOW = 5


def load(path, key):
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out[r['url']] = key(r)
    return out


def main():
    runs = json.load(open(sys.argv[1]))['runs']
    work = {r['name']: r['workdir'] for r in runs}
    if 'crawlfleet_extract' not in work or 'scrapy_extract' not in work:
        print('extract_compare: both crawlfleet_extract and scrapy_extract '
              'are needed')
        return 1
    cf = load(os.path.join(work['crawlfleet_extract'], 'pages.jsonl'),
              lambda r: (r.get('fields') or {}, r.get('text') or ''))
    sc = load(os.path.join(work['scrapy_extract'], 'items.jl'),
              lambda r: (r['fields'], r['text']))
    common = sorted(set(cf) & set(sc))
    bad = {k: [] for k in FIELDS + ('text',)}
    values = 0
    for u in common:
        (cf_f, cf_t), (sc_f, sc_t) = cf[u], sc[u]
        for k in FIELDS:
            values += len(sc_f.get(k, []))
            if cf_f.get(k, []) != sc_f.get(k, []):
                bad[k].append((u, cf_f.get(k), sc_f.get(k)))
        if ''.join(cf_t.split()) != ''.join(sc_t.split()):
            bad['text'].append((u, cf_t[:200], sc_t[:200]))
    print('pages compared: %d (crawlfleet %d, scrapy %d distinct URLs); '
          '%d field values' % (len(common), len(cf), len(sc), values))
    for k, b in bad.items():
        print('%s: %d of %d pages differ' % (k, len(b), len(common)))
        for u, x, y in b[:SHOW]:
            print('  %s\n    crawlfleet: %r\n    scrapy:     %r' % (u, x, y))
    return 1 if not common or any(bad.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
