#!/bin/sh
# deps-deploy.sh - install what `make test-deploy` needs beside tools/deps.sh:
# Docker Engine and Compose, debootstrap (the local base image), kubectl
# (kustomize) and the npm packages of tests/deploy/k8s. Silent when all
# is present; runs apt-get update once, only when a package is missing.
set -eu
cd "$(dirname "$0")/.."
PKGS="docker.io docker-compose debootstrap"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
# kubectl: the machine's own if it has one (kustomize v5), else Debian's.
command -v kubectl >/dev/null || missing="$missing kubernetes-client"
command -v node >/dev/null || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
    echo "deps-deploy: installing$missing" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# npm packages, at the versions package.json pins (no lock file).
K=tests/deploy/k8s
for m in kubernetes-models @kubernetes-models/keda yaml; do
    want=$(node -e "console.log(require('./$K/package.json').dependencies['$m'])")
    have=$(node -e "try{console.log(require('./$K/node_modules/$m/package.json').version)}catch(e){}")
    if [ "$want" != "$have" ]; then
        echo "deps-deploy: npm install in $K" >&2
        (cd "$K" && npm install --no-package-lock --no-audit --no-fund \
            --loglevel=error >/dev/null)
        break
    fi
done
