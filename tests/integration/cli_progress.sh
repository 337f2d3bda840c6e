#!/bin/sh
# cli_progress.sh - the progress line of `crawlfleet crawl` on a terminal
# (a pty from script(1)): at most 10 draws a second, dead letters shown,
# a rate in every draw from the first second on.
set -u
B=${B:-build}
. "$(dirname "$0")/../lib/redis.sh"
CF=$(cd "$B" && pwd)/crawlfleet
FX=$B/cf-fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/cf-cli-progress.XXXXXX")
FXPID=

cleanup() {
    [ -n "$FXPID" ] && kill -TERM "$FXPID" 2>/dev/null && wait "$FXPID"
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for bin in "$CF" "$FX"; do
    [ -x "$bin" ] || { t_fail "$bin not built"; t_summary cli_progress; exit 1; }
done
command -v script >/dev/null || {
    t_fail "script(1) is missing (util-linux)"
    t_summary cli_progress
    exit 1
}
"$FX" --hosts 1 --pages 60 --seed 9 >"$T/fx.ready" 2>"$T/fx.err" &
FXPID=$!
wait_for grep -qs '^ready ' "$T/fx.ready" || t_fail "fixture did not start"
SEED=http://127.0.0.1:$(sed -n 's/^ready ports=\([0-9]*\).*/\1/p' \
    "$T/fx.ready")/

# ~2 s of crawling: one page every 30 ms on the one host
start=$(date +%s%N)
# (script's typescript file is what the terminal got)
script -qefc "'$CF' crawl '$SEED' --allow-private --delay 30 --workers 1 \
    --state-dir '$T/s' -o '$T/out.jsonl'" "$T/tty" >/dev/null 2>&1
rc=$?
end=$(date +%s%N)
t_check "crawl on a pty: exit 0 ($rc)" test $rc -eq 0
ms=$(((end - start) / 1000000))
# one draw = one "\r ESC [K"
tr '\r' '\n' <"$T/tty" | grep -a "pages/s" >"$T/draws"
n=$(wc -l <"$T/draws")
max=$((ms / 100 + 3))
if [ "$n" -ge 5 ] && [ "$n" -le "$max" ]; then
    t_ok "$n draws in $ms ms (at most $max)"
else
    t_fail "$n draws in $ms ms (want 5..$max); $(wc -c <"$T/tty") bytes"
fi
t_check "every draw shows dead letters" \
    test "$(grep -ac ' [0-9]* dead,' "$T/draws")" -eq "$n"
# draws are >= 100 ms apart: the 11th is a second or more in
late=$(tail -n +11 "$T/draws" | grep -ac ' - pages/s')
if [ "$n" -gt 10 ] && [ "$late" -eq 0 ]; then
    t_ok "a rate in every draw from the first second on"
else
    t_fail "$late draws after the first second have no rate: $(sed -n \
        '11p' "$T/draws" | cut -c 1-120)"
fi
t_check "the crawl's results are all there" \
    test "$(wc -l <"$T/out.jsonl")" -ge 60

t_summary cli_progress
