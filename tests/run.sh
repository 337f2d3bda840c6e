#!/bin/sh
# run.sh BUILDDIR - run every test program and print one summary line.
#
# Each test (a binary under BUILDDIR/tests/{unit,integration}, or a script
# tests/integration/*.sh run with B=BUILDDIR) prints "name: N passed, N
# failed" as its last such line. The suite fails closed:
#   - a program that exits non-zero without reporting a failure counts as
#     one failure;
#   - a program that ran no check (no such line, or 0 passed and 0
#     failed) counts as one failure, unless it printed a line starting
#     "skipped: " and exited 0: then it is a skip;
#   - every "skipped: " line (a whole program, or a part it could not run)
#     is printed again before the total, so CI shows what did not run.
# The last line of the output is the total, "N passed, N failed", which
# CI reads.
set -u
B=${1:-build}
export B
export CF_BIN="$B"
pass=0
fail=0
failed_names=""
skips=""

run_one() {
    name=$1
    shift
    out=$(mktemp)
    "$@" >"$out" 2>&1
    rc=$?
    line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
    p=${p:-0}
    f=${f:-0}
    skipped=$(grep -E '^skipped: ' "$out" | sed "s/^/$name: /")
    why="exit $rc"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        why="exit $rc without a failed check"
    elif [ $((p + f)) -eq 0 ] && { [ -z "$skipped" ] || [ "$rc" -ne 0 ]; }
    then
        f=1
        why="ran no check"
    fi
    if [ -n "$skipped" ]; then
        skips="$skips
$skipped"
    fi
    if [ "$f" -ne 0 ]; then
        cat "$out"
        echo "== $name: FAILED ($why)"
        failed_names="$failed_names $name"
    elif [ $((p + f)) -eq 0 ]; then
        echo "== $name: SKIPPED"
    else
        echo "== $name: $p passed"
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    rm -f "$out"
}

for t in "$B"/tests/unit/test_*; do
    [ -x "$t" ] && [ "${t%.d}" = "$t" ] && [ "${t%.o}" = "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$B"/tests/integration/test_*; do
    [ -x "$t" ] && [ "${t%.d}" = "$t" ] && [ "${t%.o}" = "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t" .sh)" sh "$t"
done

if [ -n "$skips" ]; then
    echo "skipped (did not run):"
    echo "$skips" | sed -n 's/^./  &/p'
fi
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
