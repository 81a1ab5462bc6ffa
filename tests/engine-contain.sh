#!/bin/sh
# Nothing an exit program starts outlives its call: a descendant that
# left the program's process group (setsid) or its parent (a double fork)
# gets SIGTERM when the program exits, SIGKILL after the 5 s grace if it
# ignores SIGTERM, and the phase answers only once nothing is left; in
# Check, Prepare, Cancel and Complete alike.  This file tests exitd as the
# child subreaper; engine-contain-cgroup.sh runs it with the programs in a
# cgroup of exitd's, engine-contain-cgroup-run.sh with a cgroup per run.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

CONTAIN=${CONTAIN:-subreaper}
echo "containment $CONTAIN" >"$EXITPT_CONFIG"

# escaper: in every call, leaves a setsid'ed sleeper and a double-forked
# one behind (each records its pid in $T/<kind>.<phase>.pid), plus, when
# $T/stubborn names the phase, a setsid'ed one that ignores SIGTERM.
prog escaper "ph=\$EXITPT_PHASE\${EXITPT_REQUEST:+-\$EXITPT_REQUEST}
setsid sh -c 'echo \$\$ >$T/setsid.'\$ph'.pid; exec sleep 1000' </dev/null >/dev/null 2>&1 &
( sh -c 'echo \$\$ >$T/fork.'\$ph'.pid; exec sleep 1000' </dev/null >/dev/null 2>&1 & )
if [ \"\$(cat $T/stubborn 2>/dev/null)\" = \"\$ph\" ]; then
	setsid sh -c 'trap \"\" TERM; echo \$\$ >$T/stubborn.'\$ph'.pid; exec sleep 1000' </dev/null >/dev/null 2>&1 &
	while [ ! -s $T/stubborn.\$ph.pid ]; do sleep 0.01; done
fi
while [ ! -s $T/setsid.\$ph.pid ] || [ ! -s $T/fork.\$ph.pid ]; do sleep 0.01; done
exit 0"
suspend 10 escaper
resume 10 escaper

start_exitd
ok $? "exitd starts"
if [ "$CONTAIN" != subreaper ] && ! cgroups_in_use; then
	why=$(sed -n 's/.*cgroups configured but not usable: //p' "$exitd_log")
	stop_exitd
	echo "1..0 # SKIP no cgroup v2 exitd may use here: ${why:-see the log of exitd}"
	exit 0
fi

# escapes PHASE TEXT: after a phase answered, what its call left is gone.
escapes() {
	s=$(cat "$T/setsid.$1.pid" 2>/dev/null)
	f=$(cat "$T/fork.$1.pid" 2>/dev/null)
	ok "$([ -n "$s" ] && [ -n "$f" ]; echo $?)" "$2: the program left a setsid'ed and a double-forked process"
	gone "${s:-0}"
	ok $? "${2}_setsid_escape_ended_before_the_phase_answered"
	gone "${f:-0}"
	ok $? "${2}_double_fork_escape_ended_before_the_phase_answered"
}

run "$EXITCTL" check
is "$status" 0 "check allowed"
escapes 1 check
run "$EXITCTL" prepare
is "$status" 0 "prepare ran"
escapes 2-prepare prepare
run "$EXITCTL" complete
is "$status" 0 "complete ran"
escapes 4 complete

rm -f "$T"/*.pid
"$EXITCTL" check >/dev/null
run "$EXITCTL" cancel
is "$status" 2 "cancel ran"
escapes 2-cancel cancel
like "$(cat "$exitd_log")" "exited, leaving processes running: sending them SIGTERM" \
    "exitd logs that it ends what a program left"

# A leftover that ignores SIGTERM: SIGKILL after the grace, and the phase
# waits for it.
rm -f "$T"/*.pid
echo 1 >"$T/stubborn"
t0=$(now_ms)
run "$EXITCTL" check
t1=$(now_ms)
is "$status" 0 "check with a stubborn leftover still answers"
st=$(cat "$T/stubborn.1.pid" 2>/dev/null)
ok "$([ -n "$st" ]; echo $?)" "the program left a process that ignores SIGTERM"
gone "${st:-0}"
ok $? "stubborn_leftover_killed_before_check_answered"
ok "$([ $((t1 - t0)) -ge 4900 ] && [ $((t1 - t0)) -lt 15000 ]; echo $?)" \
    "SIGKILL came after the 5 s grace ($((t1 - t0)) ms)"
like "$(cat "$exitd_log")" "still there 5 s after SIGTERM, sending SIGKILL" \
    "exitd logs the SIGKILL"
rm -f "$T/stubborn"

# What was killed leaves nothing behind that kills the next programs (a
# cgroup that had cgroup.kill kills whatever is cloned into it on some
# kernels): the Cancel of the same operation and the next operation's
# Check run their programs to the end.
run "$EXITCTL" cancel
is "$status" 2 "cancel after a stubborn leftover ran"
unlike "$out" "signaled 9" "programs_started_after_a_kill_are_not_killed"
escapes 2-cancel "cancel after a kill"
rm -f "$T"/*.pid
run "$EXITCTL" check --validate
is "$status" 0 "the next check runs"
unlike "$out" "signaled 9" "the_next_operation_runs_its_programs_after_a_kill"
escapes 1 "the next check"

# A program that leaves its process group for exitd's own (setpgid within
# exitd's session) and ignores SIGTERM: its group is empty, yet its time
# limit still ends it, by its pid (the Check waited for it for ever).
if [ "$CONTAIN" = subreaper ]; then
	prog hider "exec python3 -c 'import os, signal, time
os.setpgid(0, os.getpgid(os.getppid()))
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(\"$T/hider.pgid\", \"w\").write(str(os.getpgid(0)))
open(\"$T/hider.pid\", \"w\").write(str(os.getpid()))
time.sleep(1000)'"
	suspend 20 hider --check-timeout 1
	run timeout 30 "$EXITCTL" check --validate
	is "$status" 0 "a check with a program that left its group answers"
	like "$out" "#20 $T/hider: .*timed out" "the program timed out"
	h=$(cat "$T/hider.pid" 2>/dev/null)
	is "$(cat "$T/hider.pgid" 2>/dev/null)" "$(ps -o pgid= -p "$exitd_pid" | tr -d ' ')" \
	    "it had joined exitd's process group"
	gone "${h:-0}"
	ok $? "program_that_left_its_process_group_is_killed_at_its_time_limit"
	"$EXITCTL" remove QIBM_QWC_SUSPEND 20 >/dev/null
fi

stop_exitd
is $? 0 "exitd stops cleanly"
done_testing
