#!/bin/sh
# runner_selftest.sh - tests/run.sh fails closed: a program that ran no
# check, or exited non-zero without a failed check, is a failure; one
# that printed "skipped: " and exited 0 is a skip, listed before the
# total. Runs run.sh on a tree of small fake test programs.
set -u
. "$(dirname "$0")/../lib/redis.sh"
RUN=$(cd "$(dirname "$0")/.." && pwd)/run.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-runner.XXXXXX")
trap 'rm -rf "$T"' EXIT

# prog NAME BODY: a fake unit test program.
prog() {
    printf '#!/bin/sh\n%s\n' "$2" >"$T/b/tests/unit/$1"
    chmod +x "$T/b/tests/unit/$1"
}

# run: run.sh on the fake tree; sets OUT (its output) and RC.
run() {
    OUT=$(cd "$T" && sh "$RUN" b 2>&1)
    RC=$?
}

last() { echo "$OUT" | tail -n 1; }

mkdir -p "$T/b/tests/unit" "$T/tests/integration"
prog test_ok 'echo "a: 3 passed, 0 failed"'
run
t_check "a passing program passes" [ "$RC" -eq 0 ]
t_check "...and counts its checks" [ "$(last)" = "3 passed, 0 failed" ]

prog test_none 'echo "b: 0 passed, 0 failed"'
run
t_check "0 passed, 0 failed is a failure" [ "$RC" -ne 0 ]
t_check "...counted once" [ "$(last)" = "3 passed, 1 failed" ]
t_check "...and named" sh -c 'echo "$1" | grep -q "test_none: FAILED (ran no check)"' _ "$OUT"
rm "$T/b/tests/unit/test_none"

prog test_silent 'true'
run
t_check "a program that prints no count is a failure" [ "$RC" -ne 0 ]
rm "$T/b/tests/unit/test_silent"

prog test_rc 'echo "c: 2 passed, 0 failed"; exit 3'
run
t_check "a non-zero exit without a failed check is a failure" \
    [ "$(last)" = "5 passed, 1 failed" ]
rm "$T/b/tests/unit/test_rc"

prog test_skip 'echo "skipped: no widget"'
run
t_check "a program that says skipped and exits 0 is a skip" [ "$RC" -eq 0 ]
t_check "...listed before the total" \
    sh -c 'echo "$1" | grep -q "^  test_skip: skipped: no widget"' _ "$OUT"

prog test_skiprc 'echo "skipped: no gadget"; exit 1'
run
t_check "skipped with a non-zero exit is a failure" [ "$RC" -ne 0 ]
rm "$T/b/tests/unit/test_skiprc"

prog test_part 'echo "skipped: part x"; echo "d: 4 passed, 0 failed"'
run
t_check "a part skipped in a passing program is listed" \
    sh -c 'echo "$1" | grep -q "^  test_part: skipped: part x"' _ "$OUT"
t_check "...and its checks count" [ "$(last)" = "7 passed, 0 failed" ]

t_summary runner_selftest
