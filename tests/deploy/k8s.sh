#!/bin/sh
# k8s.sh - offline checks of deploy/k8s and deploy/grafana: both ways to
# deploy render with `kubectl kustomize`; every object validates against
# the Kubernetes and KEDA schemas and the project's rules
# (tests/deploy/k8s/check.mjs); the Grafana dashboard names only metrics
# the real binaries serve (dashboard.mjs). Needs kubectl, node and the npm
# packages tools/deps-deploy.sh installs, and $B's binaries.
set -u
. "$(dirname "$0")/../lib/redis.sh"
B=${B:-build}
D=$(dirname "$0")
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-k8s.XXXXXX")
trap 'rm -rf "$T"' EXIT

# sub NAME CMD...: run a checker; count its own summary line.
sub() {
    _n=$1
    shift
    "$@" >"$T/$_n.out" 2>&1
    _rc=$?
    grep '^FAIL' "$T/$_n.out" >&2
    _l=$(grep -E "^$_n: [0-9]+ passed, [0-9]+ failed" "$T/$_n.out" | tail -n 1)
    _p=$(echo "$_l" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    _f=$(echo "$_l" | sed -n 's/.*, \([0-9]*\) failed.*/\1/p')
    if [ -z "$_l" ] || { [ "$_rc" -ne 0 ] && [ "${_f:-0}" -eq 0 ]; }; then
        t_fail "$_n ran (exit $_rc): $(tail -n 3 "$T/$_n.out")"
        return
    fi
    T_PASSED=$((T_PASSED + _p))
    T_FAILED=$((T_FAILED + _f))
    echo "ok - $_n: $_p passed, $_f failed"
}

if command -v kubectl >/dev/null; then
    t_check "kubectl kustomize deploy/k8s renders" \
        sh -c "kubectl kustomize deploy/k8s >'$T/keda.yaml' 2>'$T/k.err' ||
            { cat '$T/k.err' >&2; exit 1; }"
    t_check "kubectl kustomize deploy/k8s/hpa renders" \
        sh -c "kubectl kustomize deploy/k8s/hpa >'$T/hpa.yaml' 2>'$T/k.err' ||
            { cat '$T/k.err' >&2; exit 1; }"
else
    t_fail "kubectl not found (tools/deps-deploy.sh installs it)"
fi
t_check "metric names read from the real binaries" \
    sh "$D/metric-names.sh" "$T/names"
if [ -s "$T/names" ] && [ -s "$T/keda.yaml" ] && [ -s "$T/hpa.yaml" ]; then
    sub k8s_check node "$D/k8s/check.mjs" --metrics "$T/names" \
        "$T/keda.yaml" "$T/hpa.yaml"
fi
if [ -s "$T/names" ]; then
    sub dashboard_check node "$D/k8s/dashboard.mjs" --metrics "$T/names" \
        deploy/grafana/crawlfleet.json
fi
# The rules must catch what they are for: an image that floats with no
# pull policy, a liveness probe on /readyz and a committed password.
if [ -s "$T/keda.yaml" ] && [ -s "$T/names" ]; then
    sed -e 's|image: crawlfleet:0.1.0|image: crawlfleet:latest|' \
        -e '/imagePullPolicy/d' -e 's|path: /livez|path: /readyz|' \
        "$T/keda.yaml" >"$T/bad.yaml"
    cat >>"$T/bad.yaml" <<'YAML'
---
apiVersion: v1
kind: Secret
metadata:
  name: crawlfleet-redis
stringData:
  password: change-me
YAML
    node "$D/k8s/check.mjs" --metrics "$T/names" "$T/bad.yaml" \
        >"$T/bad.out" 2>&1
    for rule in 'floats with no policy' 'liveness not on readiness' \
        'not a committed secret'; do
        t_check "the rules reject a manifest: $rule" \
            grep -q "^FAIL.*$rule" "$T/bad.out"
    done
fi
t_summary k8s
