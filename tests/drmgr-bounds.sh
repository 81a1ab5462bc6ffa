#!/bin/sh
# The drmgr hook bounds its own time (drmgr waits for hooks forever): exitd
# not running, a socket that accepts and never answers, an exitd that
# stops in mid-phase, a Check program that hangs.  Each give-up is one line
# and exit 0, so that the migration is not blocked.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/drmgr-lib.sh"

# --- exitd not running
t0=$(now_ms)
drmgr check
t1=$(now_ms)
is "$status" 0 "exitd_not_running_lets_the_check_pass"
is "$out" "exitpt: exitd is not running (nothing listens on $top_builddir/tests/drmgr-root/run/exitd.sock); the migration check was not done: start exitd so that applications take part" \
    "saying so in one line"
[ $((t1 - t0)) -lt 2000 ]
ok $? "at once ($((t1 - t0)) ms)"

# --- a socket that accepts and never answers
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
os.write(1, b"ready\n")
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
' "$EXITPT_SOCKET" >"$T/silent.out" &
silent=$!
silent_cleanup() { kill "$silent" 2>/dev/null; }
at_exit silent_cleanup
wait_file "$T/silent.out"
t0=$(now_ms)
drmgr check
t1=$(now_ms)
is "$status" 0 "silent_socket_lets_the_check_pass"
like "$out" "^exitpt: exitd \\(.*\\) did not answer a status request within 10 s; gave up" \
    "saying that exitd did not answer"
[ $((t1 - t0)) -ge 10000 ] && [ $((t1 - t0)) -lt 12000 ]
ok $? "after the 10 s answer bound ($((t1 - t0)) ms)"
kill "$silent"
wait "$silent" 2>/dev/null
rm -f "$EXITPT_SOCKET"

# --- a Check program that hangs past its check timeout
prog hang "echo \$\$ >$T/hang.pid; exec sleep 300"
suspend 10 hang --check-timeout 1
start_exitd
ok $? "exitd starts"
t0=$(now_ms)
drmgr check
t1=$(now_ms)
is "$status" 0 "a_hanging_check_program_counts_as_allow"
[ $((t1 - t0)) -lt 9000 ]
ok $? "the hook returns once exitd ended it ($((t1 - t0)) ms)"
"$EXITCTL" cancel >/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 10 >/dev/null

# --- exitd stops answering in mid-phase: the hook gives up at drmgr-timeout
echo "drmgr-timeout 3" >>"$EXITPT_CONFIG"
mkfifo "$T/started"
prog slow "echo \$\$ >$T/slow.pid; echo go >$T/started; exec sleep 300"
suspend 10 slow --check-timeout 60
"$DRMGR_RUN" "$HOOKS" check >"$T/out" 2>"$T/err" &
runner=$!
read -r _ <"$T/started"
kill -STOP "$exitd_pid"
t0=$(now_ms)
wait "$runner"
status=$?
t1=$(now_ms)
kill -CONT "$exitd_pid"
is "$status" 0 "a_stuck_exitd_lets_the_check_pass"
like "$(cat "$T/out")" "^exitpt: gave up on the migration check after 3 s, the most drmgr-timeout allows" \
    "saying that it gave up and which setting bounds it"
[ $((t1 - t0)) -lt 4000 ]
ok $? "within drmgr-timeout ($((t1 - t0)) ms)"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
