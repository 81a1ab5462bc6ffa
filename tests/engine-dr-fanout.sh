#!/bin/sh
# A fan-out over many dr_reconfig() processes (issue 10): from 32 on,
# exitd reads their /proc status and signals them on two threads, with
# the same rules as for a few.  Each of 30 processes with a handler and 4
# with a sigwait() thread gets check, pre and post and acknowledges each;
# 3 without a handler are never signalled and survive; 3 that executed
# another program after Check are not signalled in Prepare (checked at
# the moment of sending) and survive; and no thread of exitd outlives the
# fan-out.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

DRPROC="$top_builddir/tests/dr-proc"
echo "dr-timeout 20" >"$EXITPT_CONFIG"
start_exitd
ok $? "exitd starts"

# Each process writes "ready PID" to descriptor 3 once registered (the
# library registers it before main) and its handler is in; O_APPEND keeps
# the lines whole.  ($T/ready is start_exitd's FIFO.)
: >"$T/registered"
modes=
for i in $(seq 30); do modes="$modes handler"; done
procs=
i=0
for m in $modes sigwait sigwait sigwait sigwait nohandler nohandler \
    nohandler exec exec exec; do
	i=$((i + 1))
	"$DRPROC" "$m" >"$T/$m.$i.out" 3>>"$T/registered" &
	procs="$procs $!"
	echo "$m.$i $!" >>"$T/procs"
done
fanout_cleanup() {
	for p in $procs; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}
at_exit fanout_cleanup
wait_grep "$T/registered" 40 '^ready '
ok $? "40 processes registered"
# pids MODE: the pids of the processes of that mode.
pids() { sed -n "s/^$1\.[0-9]* //p" "$T/procs"; }
# lines PID [WORDS]: how many lines of the last report name process PID
# (and say WORDS after it): a signal that was lost shows as "timed-out".
lines() { printf '%s\n' "$out" | grep -c "pid $1 .*$2"; }
# outs MODE COUNT PATTERN: wait until each process of MODE printed COUNT
# lines matching PATTERN.
outs() {
	for f in "$T/$1".*.out; do
		wait_grep "$f" "$2" "$3" || return 1
	done
}

run "$EXITCTL" check
is "$status" 0 "check over the fan-out is allowed"
n=0
for p in $(pids handler) $(pids sigwait) $(pids exec); do
	[ "$(lines "$p" "(answered, ")" -eq 1 ] && n=$((n + 1))
done
is "$n" 37 "every process that catches or awaits SIGRECONFIG takes part and acknowledges"
n=0
for p in $(pids nohandler); do
	n=$((n + $(lines "$p")))
done
is "$n" 0 "fanout_leaves_out_processes_without_a_handler"
# The exec processes execute sleep once they have acknowledged check.
for p in $(pids exec); do
	wait_until sh -c "[ \"\$(cat /proc/$p/comm 2>/dev/null)\" = sleep ]"
done
run "$EXITCTL" prepare
is "$status" 0 "prepare over the fan-out"
n=0
for p in $(pids handler) $(pids sigwait); do
	[ "$(lines "$p" "(answered, ")" -eq 1 ] && n=$((n + 1))
done
is "$n" 34 "each one with a handler or a sigwait thread acknowledges pre"
n=0
for p in $(pids exec); do
	printf '%s\n' "$out" | grep "pid $p " |
	    grep -q "not signalled: it does not catch SIGRECONFIG" &&
	    n=$((n + 1))
done
is "$n" 3 "fanout_checks_each_process_at_the_moment_of_sending (exec'd ones not signalled)"
run "$EXITCTL" complete
is "$status" 0 "complete over the fan-out"
outs handler 1 '^ack post DR_RECONFIG_DONE rc 0'
ok $? "each handler process acknowledged post"
outs sigwait 1 '^ack post DR_RECONFIG_DONE rc 0'
ok $? "each sigwait process acknowledged post"
n=0
for f in "$T"/handler.*.out "$T"/sigwait.*.out; do
	[ "$(grep -c '^ack ' "$f")" -eq 3 ] && n=$((n + 1))
done
is "$n" 34 "fanout_reaches_each_process_once_per_phase (check, pre, post)"
n=0
for p in $(pids nohandler) $(pids exec); do
	kill -0 "$p" 2>/dev/null && n=$((n + 1))
done
is "$n" 6 "those never signalled survive"
is "$(cat "$T"/nohandler.*.out | sort -u)" "query rc -1 errno 6" \
    "and the ones without a handler saw no phase"
is "$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$exitd_pid/status")" 1 \
    "exitd is back to one thread"
stop_exitd
done_testing
