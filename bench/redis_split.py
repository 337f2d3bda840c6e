#!/usr/bin/env python3
"""redis_split.py IN OUT PAGES - a captured crawl's acks, in smaller calls.

IN is bench/redis_capture.sh's calls.bin. Every ack call (the function
named cf_<version>_ack) is cut into calls of at most PAGES pages each, in
order; a call's "pop" tail (the worker's next leases) goes with its last
piece. Other calls are copied. bench/redis_replay OUT then shows what a
call costs by itself: the same pages and links in more calls.

The ack's arguments (common/scripts/ack.lua): now_ms, then per page 5
fields and its links (n, then when n > 0 hosts, bits, prios and n
members), then optionally "pop", worker, n, now_ms. A capture made
before that form is recoded first (bench/redis_recode.py).
"""
import sys

PAGE_FIELDS = 5


def calls(f):
    while True:
        line = f.readline()
        if not line:
            return
        args = []
        for _ in range(int(line)):
            n = int(f.readline())
            args.append(f.read(n))
            f.read(1)
        yield args


def write(w, args):
    w.write(b'%d\n' % len(args))
    for a in args:
        w.write(b'%d\n' % len(a) + a + b'\n')


def main():
    if len(sys.argv) != 4 or int(sys.argv[3]) < 1:
        sys.exit('usage: redis_split.py IN OUT PAGES')
    per = int(sys.argv[3])
    nin = nout = 0
    with open(sys.argv[1], 'rb') as f, open(sys.argv[2], 'wb') as w:
        for a in calls(f):
            nin += 1
            if not a[1].endswith(b'_ack'):
                write(w, a)
                nout += 1
                continue
            head = a[:3 + int(a[2])]
            argv = a[3 + int(a[2]):]
            pos, pages, tail = 1, [], []
            while pos < len(argv):
                if argv[pos] == b'pop':
                    tail = argv[pos:]
                    break
                n = int(argv[pos + PAGE_FIELDS])
                end = pos + PAGE_FIELDS + 1 + (3 + n if n else 0)
                pages.append(argv[pos:end])
                pos = end
            for i in range(0, len(pages), per):
                piece = [x for p in pages[i:i + per] for x in p]
                write(w, head + [argv[0]] + piece +
                      (tail if i + per >= len(pages) else []))
                nout += 1
    print('%d calls in, %d out' % (nin, nout))


if __name__ == '__main__':
    main()
