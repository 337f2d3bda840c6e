#!/usr/bin/env python3
"""redis_recode.py IN OUT - a capture of the ack's older arguments, in
today's.

IN is a calls.bin of bench/redis_capture.sh made by a build whose ack
took 13 decimal fields a page (fp, token, hostkey, outcome, status,
bytes, links_found, out_of_scope, too_deep, skipped_ext, flags,
started_ms, result) and always four link arguments (n, hosts, bits,
prios) before the members. OUT has the same calls in the form the ack
takes now (common/scripts/ack.lua): fp, token, outcome, the eight numbers
as little-endian doubles in one argument, result; and the link count
alone when it is 0. Push calls with no links lose their three empty link
arguments too. Other calls are copied. So one capture compares builds on
both sides of that change (bench/redis_replay).
"""
import struct
import sys

sys.path.insert(0, __import__('os').path.dirname(__file__))
from redis_split import calls, write  # noqa: E402


def links(argv, pos):
    """The links from argv[pos], recoded; and the position after them."""
    n = int(argv[pos])
    if n == 0:
        return [argv[pos]], pos + 4
    return argv[pos:pos + 4 + n], pos + 4 + n


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: redis_recode.py IN OUT')
    nin = 0
    with open(sys.argv[1], 'rb') as f, open(sys.argv[2], 'wb') as w:
        for a in calls(f):
            nin += 1
            name = a[1]
            head = a[:3 + int(a[2])]
            argv = a[3 + int(a[2]):]
            if name.endswith(b'_ack'):
                out, pos = [argv[0]], 1
                while pos < len(argv):
                    if argv[pos] == b'pop':
                        out += argv[pos:]
                        break
                    p = argv[pos:pos + 13]
                    nums = struct.pack('<8d', *(float(x) for x in p[4:12]))
                    out += [p[0], p[1], p[3], nums, p[12]]
                    ln, pos = links(argv, pos + 13)
                    out += ln
                write(w, head + out)
            elif name.endswith(b'_push') and argv[3] == b'0':
                write(w, head + argv[:4])
            else:
                write(w, a)
    print('%d calls recoded' % nin)


if __name__ == '__main__':
    main()
