#!/bin/sh
# base-image.sh [TAG] - make the local Debian 12 base image the deploy test
# builds on, since no image registry is reachable from the test machines:
# debootstrap --variant=minbase bookworm into a folder, then docker import.
#
# The root file system is kept as a tarball in CF_DEPLOY_CACHE (default
# /var/cache/crawlfleet) and imported from there on later runs; a missing
# or unreadable cache is made again. Prints the image tag on stdout.
# Needs root, debootstrap, docker and the Debian mirror apt already uses.
set -eu
TAG=${1:-crawlfleet-base:bookworm}
CACHE=${CF_DEPLOY_CACHE:-/var/cache/crawlfleet}
TARBALL=$CACHE/debian-bookworm-minbase.tar.gz

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "$TAG"
    exit 0
fi

# mirror: the first Debian mirror apt is configured with.
mirror() {
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        m=$(sed -n -e 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' \
            -e 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*debian\/*\) .*/\2/p' \
            "$f" | head -n 1)
        [ -n "$m" ] && { echo "$m"; return; }
    done
    echo http://deb.debian.org/debian
}

if ! gzip -t "$TARBALL" 2>/dev/null; then
    mkdir -p "$CACHE"
    root=$(mktemp -d "$CACHE/root.XXXXXX")
    trap 'rm -rf "$root" "$TARBALL.tmp"' EXIT
    echo "base-image: debootstrap bookworm from $(mirror)" >&2
    debootstrap --variant=minbase bookworm "$root" "$(mirror)" \
        >"$CACHE/debootstrap.log" 2>&1 || {
        tail -n 20 "$CACHE/debootstrap.log" >&2
        exit 1
    }
    # The mirror the build's apt-get uses is the one debootstrap used.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" --numeric-owner -czf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$root"
    trap - EXIT
fi
docker import "$TARBALL" "$TAG" >/dev/null
echo "$TAG"
