#!/bin/sh
# cli_docs.sh - the docs name what the binaries take: every flag in each
# `crawlfleet COMMAND --help` appears in docs/cli.md, and every flag in
# docs/cli.md is one that some --help lists (the worker's included); the
# same for `crawlfleet-worker --help` and docs/worker.md. Both binaries
# print the same version, which the default User-Agent carries. The
# settings block of docs/cli.md is `crawlfleet seed --help`'s, line for
# line; docs/worker.md gives the re-read intervals the worker's --help
# gives.
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
ua=$("$CF" seed --help | sed -n 's/^  --user-agent .*(default: \(.*\))$/\1/p')
t_check "the default User-Agent carries the version: '$ua'" \
    test "$ua" = "crawlfleet/${v1#crawlfleet }"

# the settings block: from "Every setting with its flag and default" to
# the end of its code block
"$CF" seed --help | sed -n '/^Crawl config flags/,$p' | sed 1d >"$T/settings.help"
awk '/^Every setting with its flag and default/ { f = 1 }
     f && /^```/ { if (++n == 2) exit; next }
     f && n == 1' "$D/cli.md" >"$T/settings.doc"
if [ -s "$T/settings.help" ] && cmp -s "$T/settings.help" "$T/settings.doc"
then
    t_ok "docs/cli.md's settings block is seed --help's"
else
    t_fail "docs/cli.md's settings block differs from 'crawlfleet seed \
--help' (< docs, > help; paste the help's lines after 'Crawl config flags'):
$(diff "$T/settings.doc" "$T/settings.help" | head -20)"
fi

# re-read every N s: the crawl list, then each crawl's config
every() { tr '\n' ' ' | tr -s ' ' | grep -oE 're-read every [0-9]+ s' |
    sed 's/[^0-9]//g' | paste -sd' '; }
wi=$("$W" --help | every)
di=$(sed -n '/^A stateless/,/^$/p' "$D/worker.md" | every)
t_check "worker --help gives two re-read intervals ($wi)" \
    test "$(echo "$wi" | wc -w)" -eq 2
t_check "docs/worker.md gives the same re-read intervals ('$di' / '$wi')" \
    test "$di" = "$wi"

# every outcome (common/err.c) has its row in docs/worker.md's table, and
# every row is an outcome
sed -n 's/^ *\[CF_OUT_[A-Z_]*\] = "\([a-z_]*\)",.*/\1/p' \
    "$D/../common/err.c" | sort >"$T/outcomes.code"
sed -n '/^### Outcomes/,/^### [^O]/p' "$D/worker.md" |
    sed -n 's/^| `\([a-z_]*\)` | .*/\1/p' | sort >"$T/outcomes.doc"
t_check "common/err.c names outcomes ($(wc -l <"$T/outcomes.code"))" \
    test "$(wc -l <"$T/outcomes.code")" -ge 15
if cmp -s "$T/outcomes.code" "$T/outcomes.doc"; then
    t_ok "docs/worker.md has one row per outcome"
else
    t_fail "docs/worker.md's outcomes differ from common/err.c's (< code):
$(diff "$T/outcomes.code" "$T/outcomes.doc")"
fi

# the skipped extensions docs/worker.md lists are --skip-ext's default
se=$("$CF" seed --help | sed -n 's/^  --skip-ext .*(default: \(.*\))$/\1/p')
sd=$(tr '\n' ' ' <"$D/worker.md" | tr -s ' ' |
    sed -n 's/.*the crawl setting `skip_ext`[^:]*: \([a-z0-9 ]*\) (`CF_SKIP_EXT_DEFAULT`.*/\1/p' |
    tr ' ' ',')
t_check "docs/worker.md lists --skip-ext's default ($(echo "$se" | tr ',' '\n' | wc -l) extensions)" \
    test -n "$se" -a "$se" = "$sd"

if grep -rn -- 'status --crawl' "$D" "$D/../docker-compose.yml" "$D/../README.md"; then
    t_fail "'status --crawl' (no such option) in the docs"
else
    t_ok "no 'status --crawl' in the docs"
fi

t_summary cli_docs
