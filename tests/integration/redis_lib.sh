#!/bin/sh
# redis_lib.sh - tests/lib/redis.sh: start, use, stop a private redis.
. "$(dirname "$0")/../lib/redis.sh"

t_check "redis_start" redis_start
t_check "socket url" test "$REDIS_URL" = "unix://$REDIS_SOCK"
t_check "tcp url" test "$REDIS_TCP_URL" = "redis://127.0.0.1:$REDIS_PORT"
t_check "ping over socket" sh -c \
    "redis-cli -s '$REDIS_SOCK' ping | grep -qx PONG"
t_check "ping over tcp" sh -c \
    "redis-cli -h 127.0.0.1 -p '$REDIS_PORT' ping | grep -qx PONG"
t_check "no persistence" sh -c \
    "redis-cli -s '$REDIS_SOCK' config get save | grep -qx ''"

# wait_for: succeeds once the condition holds, fails at the deadline.
f=$REDIS_DIR/flag
(redis-cli -s "$REDIS_SOCK" blpop go 10 >/dev/null && : >"$f") &
redis-cli -s "$REDIS_SOCK" rpush go 1 >/dev/null
t_check "wait_for a file" wait_for test -e "$f"
start=$(date +%s)
if WAIT_TIMEOUT=1 wait_for false; then
    t_fail "wait_for false should fail"
else
    t_ok "wait_for gives up"
fi
if wait_for -t 1 false; then
    t_fail "wait_for -t 1 false should fail"
else
    t_ok "wait_for -t gives up"
fi
t_check "deadlines honoured" sh -c "[ \$(( \$(date +%s) - $start )) -le 6 ]"

pid=$REDIS_PID
dir=$REDIS_DIR
redis_stop
t_check "server gone" sh -c "! kill -0 $pid 2>/dev/null"
t_check "dir removed" test ! -e "$dir"
redis_stop

t_check "start with requirepass" redis_start --requirepass pw1
t_check "needs auth" sh -c \
    "redis-cli -s '$REDIS_SOCK' get x 2>&1 | grep -q NOAUTH"
t_check "auth works" sh -c \
    "redis-cli -s '$REDIS_SOCK' -a pw1 --no-auth-warning ping | grep -qx PONG"

# A test shell that dies leaves no redis behind (EXIT trap / pdeathsig).
out=$(mktemp)
exec 3>&2 2>/dev/null # the shell's "Killed" notice is expected
sh -c ". '$(dirname "$0")/../lib/redis.sh'; redis_start >/dev/null;
       echo \$REDIS_PID \$REDIS_DIR >'$out'; kill -9 \$\$"
exec 2>&3 3>&-
read -r cpid cdir <"$out"
rm -f "$out"
t_check "child redis started" test -n "$cpid"
t_check "killed shell's redis dies" wait_for sh -c "! kill -0 $cpid 2>/dev/null"
rm -rf "$cdir"

redis_stop
t_summary redis_lib
