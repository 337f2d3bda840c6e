#!/bin/sh
# deps.sh - install the Debian packages crawlfleet's build and tests need.
# Silent when everything is present; runs apt-get update once, and only
# when something is missing.
set -eu
PKGS="gcc make pkg-config libhiredis-dev libevent-dev libcurl4-openssl-dev
libgumbo-dev libmsgpack-dev libxxhash-dev libpsl-dev libidn2-dev
libjansson-dev libxml2-dev libxml2-utils zlib1g-dev libisal-dev libssl-dev redis-server
redis-tools curl procps iproute2 nginx openssl jq faketime"
# the real pages tests/unit/test_parse_corpus.c compares both parse paths on
PKGS="$PKGS python3.11-doc"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
# node and npm run warcio.js in the WARC tests (tests/lib/warcio.sh); a
# node from elsewhere (nodesource, nvm) that brings npm will do
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
