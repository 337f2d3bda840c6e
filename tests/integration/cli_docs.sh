#!/bin/sh
# cli_docs.sh - the docs name what the binaries take: every flag in each
# `crawlfleet COMMAND --help` appears in docs/cli.md, and every flag in
# docs/cli.md is one that some --help lists (the worker's included); the
# same for `crawlfleet-worker --help` and docs/worker.md. Both binaries
# print the same version.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$B/crawlfleet
W=$B/crawlfleet-worker
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-docs.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$(dirname "$0")/../../docs

for bin in "$CF" "$W"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_docs; exit 1; }
done

# flags FILE...: every --flag named, one per line; "--[no-]x" stands for
# --x and --no-x, "--x[-ms]" for --x and --x-ms
flags() {
    cat "$@" | grep -oE -- '--(\[no-\])?[a-z][a-z0-9-]*(\[-ms\])?' |
        sed -e 's/^--\[no-\]\(.*\)/--\1\n--no-\1/' |
        sed -e 's/^\(--.*\)\[-ms\]$/\1\n\1-ms/' | sort -u
}

cmds=$("$CF" --help | awk '/^  [a-z]+ / { print $1 }')
t_check "the overview lists commands ($(echo $cmds | wc -w))" \
    test "$(echo $cmds | wc -w)" -ge 12
: >"$T/cf.help"
for c in $cmds; do
    "$CF" "$c" --help >>"$T/cf.help" || t_fail "$c --help failed"
done
"$CF" --help >>"$T/cf.help"
"$W" --help >"$T/w.help"
flags "$T/cf.help" >"$T/cf.flags"
flags "$T/w.help" >"$T/w.flags"
# in the docs, "--no-x"/"--x-ms" spellings are fine as they are
grep -oE -- '--[a-z][a-z0-9-]*' "$D/cli.md" | sort -u >"$T/cli.doc"
grep -oE -- '--[a-z][a-z0-9-]*' "$D/worker.md" | sort -u >"$T/worker.doc"
# a help flag is documented if the docs name it or its base form
undocumented() { # HELPFLAGS DOCFLAGS
    while read -r f; do
        b=$(echo "$f" | sed -e 's/^--no-/--/' -e 's/-ms$//')
        grep -qxF -- "$f" "$2" || grep -qxF -- "$b" "$2" || echo "$f"
    done <"$1"
}
missing=$(undocumented "$T/cf.flags" "$T/cli.doc" | tr '\n' ' ')
if [ -z "$missing" ]; then
    t_ok "every crawlfleet --help flag is in docs/cli.md"
else
    t_fail "not in docs/cli.md: $missing"
fi
missing=$(undocumented "$T/w.flags" "$T/worker.doc" | tr '\n' ' ')
if [ -z "$missing" ]; then
    t_ok "every crawlfleet-worker --help flag is in docs/worker.md"
else
    t_fail "not in docs/worker.md: $missing"
fi
sort -u "$T/cf.flags" "$T/w.flags" >"$T/all.flags"
stale=$(comm -23 "$T/cli.doc" "$T/all.flags" | tr '\n' ' ')
if [ -z "$stale" ]; then
    t_ok "every flag docs/cli.md names exists"
else
    t_fail "docs/cli.md names flags no --help lists: $stale"
fi
stale=$(comm -23 "$T/worker.doc" "$T/all.flags" | tr '\n' ' ')
if [ -z "$stale" ]; then
    t_ok "every flag docs/worker.md names exists"
else
    t_fail "docs/worker.md names flags no --help lists: $stale"
fi
v1=$("$CF" --version)
v2=$("$W" --version)
t_check "one version: '$v1' / '$v2'" test "${v1#crawlfleet }" = "${v2#crawlfleet-worker }"
if grep -rn -- 'status --crawl' "$D" "$D/../docker-compose.yml" "$D/../README.md"; then
    t_fail "'status --crawl' (no such option) in the docs"
else
    t_ok "no 'status --crawl' in the docs"
fi

t_summary cli_docs
