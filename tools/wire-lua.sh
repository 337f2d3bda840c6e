#!/bin/sh
# wire-lua.sh HEADER - write the Lua piece of the wire constants: each
# "#define CF_<NAME> <decimal>" line of HEADER (common/wire.h) becomes
# "local <NAME> = <decimal>". The include guard, comments, blank lines
# and _Static_assert blocks pass; any other preprocessor line, or a define
# whose value is not a decimal integer, stops the build, so nothing in
# the header is silently left out of the Lua side.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: wire-lua.sh HEADER" >&2
    exit 2
fi
echo "-- Generated from $1 by tools/wire-lua.sh; do not edit."
awk -v src="$1" '
function die(msg) {
    printf "wire-lua.sh: %s:%d: %s\n", src, NR, msg > "/dev/stderr"
    bad = 1
    exit 1
}
/^#ifndef CF_WIRE_H$/ || /^#define CF_WIRE_H$/ || /^#endif/ { next }
/^#define / {
    if ($2 !~ /^CF_[A-Z0-9_]+$/)
        die("name must be CF_ and capitals: " $2)
    if ($3 !~ /^(0|[1-9][0-9]*)$/)
        die($2 " must have a decimal integer value, not " $3)
    if (NF > 3 && $4 != "/*")
        die($2 ": only a comment may follow the value")
    name = substr($2, 4)
    printf "local %s = %s\n", name, $3
    n++
    next
}
/^#/ { die("only defines here: " $0) }
END {
    if (!bad && n == 0) {
        printf "wire-lua.sh: %s: no defines\n", src > "/dev/stderr"
        exit 1
    }
}
' "$1"
