#!/bin/sh
# The drmgr hook bounds its own time (drmgr waits for hooks forever): exitd
# not running, a socket that accepts and never answers, a Check program
# that hangs, an exitd that stops in mid-phase (the hook waits for the
# bound exitd announced for the phase, plus a margin, and never longer
# than drmgr-timeout).  Each give-up is one line and exit 0, so that the
# migration is not blocked.
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
like "$out" "^exitpt: exitd \\(.*\\) did not answer the migration check within 10 s; gave up" \
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

# stuck_check TIMEOUT: run the hook's check while exitd, stopped once the
# Check program (check timeout TIMEOUT) has started, never ends it; $out,
# $status, and the milliseconds from the stop to the hook's end in $ms.
mkfifo "$T/started"
stuck_check() {
	# It hangs in Check only: the Cancel that follows ends at once.
	prog slow "[ \$EXITPT_PHASE = 1 ] || exit 0
	    echo \$\$ >$T/slow.pid; echo go >$T/started; exec sleep 300"
	suspend 10 slow --check-timeout "$1" --replace
	"$DRMGR_RUN" "$HOOKS" check >"$T/out" 2>"$T/err" &
	runner=$!
	read -r _ <"$T/started"
	# exitd has sent the hook the snapshot of the running phase (with its
	# bound) once it has gone round its loop again: answering a status
	# request shows that it has.
	"$EXITCTL" status >/dev/null
	kill -STOP "$exitd_pid"
	t0=$(now_ms)
	wait "$runner"
	status=$?
	ms=$(($(now_ms) - t0))
	kill -CONT "$exitd_pid"
	out=$(cat "$T/out")
	# The program first: a cancel waits for the Check it runs in.
	kill -KILL "$(cat "$T/slow.pid")" 2>/dev/null
	"$EXITCTL" cancel >/dev/null 2>&1
}

# --- exitd stops in mid-phase: the hook waits for the announced bound
stuck_check 1
is "$status" 0 "a_stuck_exitd_lets_the_check_pass"
like "$out" "^exitpt: exitd did not end the migration check within the 8 s it announced; gave up" \
    "gives_up_after_the_phase_bound_plus_a_margin (1 s timeout + 5 s grace + 2 s)"
[ "$ms" -ge 6000 ] && [ "$ms" -lt 9000 ]
ok $? "after about that long ($ms ms)"

# --- and never longer than drmgr-timeout
echo "drmgr-timeout 3" >>"$EXITPT_CONFIG"
stuck_check 60
is "$status" 0 "a stuck exitd with a long phase lets the check pass"
like "$out" "^exitpt: gave up on the migration check after 3 s, the most drmgr-timeout allows" \
    "gives_up_at_drmgr_timeout, naming the setting"
[ "$ms" -lt 3500 ]
ok $? "within drmgr-timeout ($ms ms after exitd stopped)"

# --- the hook's own work blocks (an identity file that is a FIFO):
# drmgr-timeout bounds it too
"$EXITCTL" remove QIBM_QWC_SUSPEND 10 >/dev/null
mkfifo "$T/fifo-id"
echo "drmgr-identity-file $T/fifo-id" >>"$EXITPT_CONFIG"
t0=$(now_ms)
run timeout -s KILL 20 "$DRMGR_RUN" "$HOOKS" pre
ms=$(($(now_ms) - t0))
: <>"$T/fifo-id"	# lets a hook blocked in open() go on, if any
is "$status" 0 "a_blocking_identity_file_lets_pre_end"
like "$out" "^exitpt: gave up on reading the machine identity $T/fifo-id after 3 s, the most drmgr-timeout allows" \
    "saying what blocked, in one line"
[ "$ms" -lt 4500 ]
ok $? "gives_up_at_drmgr_timeout_on_its_own_work ($ms ms)"
"$EXITCTL" cancel >/dev/null 2>&1

stop_exitd
ok $? "exitd stops cleanly"
done_testing
