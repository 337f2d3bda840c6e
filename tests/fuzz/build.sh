#!/bin/sh
# build.sh - build every tests/fuzz/fuzz_*.c as a libFuzzer binary in
# build/fuzz/ (clang, ASan + UBSan), linked with the common and worker
# modules. Run one: build/fuzz/fuzz_url -max_total_time=60 [corpus dir]
set -eu
command -v clang >/dev/null || { echo "fuzz: clang is needed" >&2; exit 1; }
out=build/fuzz
mkdir -p "$out"
# The libraries are the Makefile's (PKGS), so the two cannot drift apart.
pkgs=${PKGS:?"fuzz: run it as make fuzz (PKGS comes from the Makefile)"}
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Iworker -Itests/lib \
 -Ibuild/gen $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm"
make -s build/gen/scripts.c
srcs=$(ls common/*.c build/gen/scripts.c)
wsrcs=$(ls worker/*.c 2>/dev/null | grep -v 'worker/main.c' || true)
for f in tests/fuzz/fuzz_*.c; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .c)
    echo "fuzz: $name"
    # shellcheck disable=SC2086
    clang $cflags -o "$out/$name" "$f" $srcs $wsrcs $libs
done
