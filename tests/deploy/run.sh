#!/bin/sh
# run.sh BUILDDIR - make test-deploy: the deployment checks, each a script
# tests/deploy/<name>.sh ending with "name: N passed, N failed" (a script
# that exits non-zero without one counts as a failure). The last line is
# the total, "test-deploy: N passed, N failed".
#   k8s.sh      Kubernetes manifests and the Grafana dashboard, offline
#   compose.sh  the Docker image and a Compose fleet, end to end
# TESTS="k8s" runs a subset.
set -u
B=${1:-build}
export B
pass=0
fail=0
for name in ${TESTS:-k8s compose}; do
    out=$(mktemp)
    start=$(date +%s)
    sh "tests/deploy/$name.sh" >"$out" 2>&1
    rc=$?
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*, \([0-9]*\) failed.*/\1/p')
    p=${p:-0}
    f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    if [ "$f" -ne 0 ]; then
        cat "$out"
        echo "== $name: FAILED (exit $rc, $(($(date +%s) - start)) s)"
    else
        grep '^# ' "$out"
        echo "== $name: $p passed ($(($(date +%s) - start)) s)"
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    rm -f "$out"
done
echo "test-deploy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
