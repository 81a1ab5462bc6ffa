#!/bin/sh
# SPEC section 2, rule 2: the prepare window is the maximum (never the sum)
# of the Check wait times, capped at 900 s; Prepare starts every program
# at once and proceeds when all have ended or the window has elapsed; a
# straggler and the children it forked are ended; abnormal ends never
# block the operation.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts"

# Each program answers its wait time in Check; in Prepare, "straggler"
# forks a child and both sleep far past the window.
prog w1 '[ "$EXITPT_PHASE" = 1 ] && { echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=1; }; exit 0'
prog w2 '[ "$EXITPT_PHASE" = 1 ] && { echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=2; }; exit 0'
prog straggler "if [ \"\$EXITPT_PHASE\" = 1 ]; then echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=3; exit 0; fi
[ \"\$EXITPT_REQUEST\" = prepare ] || exit 0
echo \"\$EXITPT_WAIT_TIME\" >$T/granted
sleep 300 & echo \$! >$T/child.pid
echo \$\$ >$T/straggler.pid
wait"
suspend 10 w1
suspend 20 w2
suspend 30 straggler

run "$EXITCTL" check --json
is "$status" 0 "check allows"
like "$out" '"window_ms": 3000,' "window_is_the_maximum_of_the_wait_times (3, not 1+2+3)"

t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
el=$((t1 - t0))
is "$status" 0 "the operation proceeds although a program was still running"
like "$out" "prepare prepared" "prepare ends as prepared"
[ "$el" -ge 2900 ] && [ "$el" -lt 5000 ]
ok $? "prepare ends when the 3 s window elapses ($el ms)"
is "$(cat "$T/granted")" 3 "programs are told the window (EXITPT_WAIT_TIME=3)"
like "$out" "$T/straggler: abnormal end \(timed-out.*end of the prepare window" \
    "the straggler is reported as timed out"
like "$out" "$T/w1: done \(exited 0" "the others ended normally"
for p in straggler child; do
	pid=$(cat "$T/$p.pid")
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null
	ok $((!$?)) "straggler_and_its_forked_child_are_killed_at_window_end ($p)"
done
is "$(calls w1 '^2 prepare')" 1 "every program got Prepare once (w1)"
is "$(calls straggler '^2 prepare')" 1 "every program got Prepare once (straggler)"
run "$EXITCTL" complete
is "$status" 0 "complete follows"

# --- a crash in Prepare does not block the operation; all at once
"$EXITCTL" remove QIBM_QWC_SUSPEND 30 >/dev/null
prog segv '[ "$EXITPT_PHASE" = 1 ] && { echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=900; exit 0; }; kill -SEGV $$'
suspend 40 segv
run "$EXITCTL" check --json
like "$out" '"window_ms": 900000,' "window capped at 900 s is kept"
t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
is "$status" 0 "crash_in_prepare_does_not_block_the_operation"
like "$out" "$T/segv: abnormal end \(signaled 11" "the crash is reported as signal 11"
[ $((t1 - t0)) -lt 3000 ]
ok $? "prepare proceeds as soon as all programs ended, not after 900 s"
run "$EXITCTL" complete
is "$status" 0 "complete follows the crash"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
