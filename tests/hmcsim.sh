#!/bin/sh
# hmcsim against a real exitd with the sample exit programs: validate
# allowed and vetoed, a whole migration, cancel after Check and after
# Prepare, hibernate, busy, exitd killed mid-phase and restarted (Cancel or
# Complete then reaches each participant exactly once), a driver that
# disappears, and bad usage.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

HMCSIM="$top_builddir/exitd/hmcsim/hmcsim"
APP=$T/app
mkdir "$APP"

# The C samples run from the build tree, the shell sample from a copy (a
# checkout may be group-writable, which exitd rightly refuses).
install -m 755 "$top_srcdir/samples/shell-exit.sh" "$T/shell-exit.sh"
"$EXITCTL" add QIBM_QWC_SUSPEND "$top_builddir/samples/app-exit" \
    --number 10 --data "$APP" >/dev/null
"$EXITCTL" add QIBM_QWC_SUSPEND "$T/shell-exit.sh" --number 20 \
    --data 45 >/dev/null
"$EXITCTL" add QIBM_QWC_RESUME "$top_builddir/samples/app-resume" \
    --number 10 --data "$APP" >/dev/null
# Resume programs one at a time (for the Complete fault below).
printf 'exit-point QIBM_QWC_RESUME order serial\n' >"$EXITPT_CONFIG"
start_exitd
ok $? "exitd starts on a private socket"

# --- validate

run "$HMCSIM" validate
is "$status" 0 "validate_allowed_exits_0"
like "$out" "check +#10 .*/app-exit: allow, wait 120 s \(exited 0" \
    "timeline shows the C sample allowing with 120 s"
like "$out" "check +#20 .*/shell-exit.sh: allow, wait 45 s" \
    "timeline shows the shell sample's stdout answer"
like "$out" "check +operation [0-9a-f]{16} \(migration\): check validated, 2 participants, window 120 s" \
    "the window is the maximum of the wait times"
like "$out" "outcome +validated \(exit 0\)" "the outcome line says validated"
like "$out" "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} \[\+ *[0-9]+\.[0-9]{3}s\] " \
    "every timeline line is timestamped"
ok "$([ ! -e "$APP/quiesced" ]; echo $?)" "validate runs no Prepare"

touch "$APP/busy"
run "$HMCSIM" validate
is "$status" 1 "validate_vetoed_exits_1"
like "$out" "#10 .*: veto \(exited 0, [0-9]+ ms\): application busy \($APP/busy exists\)" \
    "the veto names who and why"
like "$out" "cancel +#20 .*/shell-exit.sh: done" \
    "Cancel went to the program that allowed"
ok "$(printf '%s\n' "$out" | grep -q 'cancel .*#10 '; echo $((! $?)))" \
    "and not to the one that vetoed"
rm "$APP/busy"

# --- migrate, cancel-after, hibernate

run "$HMCSIM" migrate --suspend-seconds 1
is "$status" 0 "migrate_completed_exits_0"
phases=$(printf '%s\n' "$out" | sed -n 's/.*s\] \([a-z]*\) .*/\1/p' | uniq | tr '\n' ' ')
is "$phases" "check prepare suspend resume complete outcome " \
    "the timeline runs check, prepare, suspend, resume, complete"
like "$out" "complete +started \(system state normal\)" "Complete in normal state"
like "$out" "complete +#10 .*/app-resume: done \(exited 0" "the resume program ran"
like "$(cat "$exitd_log")" "app-exit\): prepared: application quiesced within a 120 s window" \
    "the C sample's Prepare logged its line"
ok "$([ ! -e "$APP/quiesced" ]; echo $?)" "the resume program undid Prepare's marker"
# ms SECTION: the timeline offset of a section's first line, in ms.
ms() {
	printf '%s\n' "$out" | sed -n "s/.*\[+ *\([0-9]*\)\.\([0-9]*\)s\] $1 .*/\1\2/p" |
	    head -1 | sed 's/^0*//; s/^$/0/'
}
s1=$(ms suspend); s2=$(ms resume)
ok "$([ $((s2 - s1)) -ge 1000 ]; echo $?)" "the partition stayed suspended for --suspend-seconds ($((s2 - s1)) ms)"

run "$HMCSIM" migrate --cancel-after check
is "$status" 2 "cancel_after_check_exits_2"
like "$out" "cancel +#10 .*: done" "Cancel reached the C sample"
like "$out" "cancel +#20 .*: done" "and the shell sample"
ok "$(printf '%s\n' "$out" | grep -q 's\] prepare '; echo $((! $?)))" "no Prepare ran"

run "$HMCSIM" migrate --cancel-after prepare
is "$status" 2 "cancel_after_prepare_exits_2"
like "$(cat "$exitd_log")" "app-exit\): cancelled: application takes new work again" \
    "the C sample's Cancel undid its Prepare"
ok "$([ ! -e "$APP/quiesced" ]; echo $?)" "its quiesced marker is gone"

run "$HMCSIM" hibernate --resume-after 0 --restricted
is "$status" 0 "hibernate_completed_exits_0"
like "$out" "^hmcsim: hibernate \(hibernation\)" "the action is hibernation"
like "$(cat "$exitd_log")" "resumed after hibernation in restricted state" \
    "Complete told the resume program hibernation and restricted state"

# --- exitd killed during Prepare, restarted by hmcsim, then Cancel

prog slow 'case $EXITPT_PHASE$EXITPT_REQUEST in
1) echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=60 ;;
2prepare) echo $$ >'"$T"'/slow.pid; exec sleep 30 ;;
esac'
suspend 30 slow
run "$HMCSIM" migrate --kill-exitd-during prepare \
    --exitd-command "'$EXITD' -f 2>>'$exitd_log' & echo \$! >'$T/exitd2.pid'"
is "$status" 2 "kill_exitd_during_prepare_recovers_and_cancels (exit 2)"
wait "$exitd_pid" 2>/dev/null
exitd_pid=
like "$out" "fault +exitd killed during prepare" "the timeline shows the fault"
like "$out" "recovered +operation [0-9a-f]{16} in prepare" \
    "the restarted exitd recovered the operation in Prepare"
like "$out" "cancel +#30 .*/slow: done" "Cancel reached the straggler"
is "$(calls slow '^2 cancel')" 1 "each participant got Cancel exactly once (slow)"
like "$out" "cancel +#10 .*/app-exit: done" "and the C sample"
ok "$([ ! -e "$APP/quiesced" ]; echo $?)" "whose Cancel undid its Prepare"
kill -KILL "$(cat "$T/slow.pid")" 2>/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 30 >/dev/null

# --- busy: a second driver while an operation runs

mkfifo "$T/hold.fifo"
prog hold 'case $EXITPT_PHASE$EXITPT_REQUEST in
1) echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=60 ;;
2prepare) echo $$ >'"$T"'/hold.fifo; exec sleep 30 ;;
esac'
suspend 40 hold
"$HMCSIM" migrate >"$T/first.out" 2>&1 &
first=$!
hold=$(timeout 10 sh -c 'read -r p <"$1" && echo "$p"' sh "$T/hold.fifo")
ok "$([ -n "$hold" ]; echo $?)" "a migration is held in Prepare"
run "$HMCSIM" validate
is "$status" 3 "a_second_operation_is_busy (exit 3)"
like "$out" "busy +operation [0-9a-f]{16} is in prepare" \
    "busy names the running operation and its phase"
kill -KILL "$hold" 2>/dev/null
wait "$first"
is "$?" 0 "the first operation still completes"
"$EXITCTL" remove QIBM_QWC_SUSPEND 40 >/dev/null

# --- exitd killed during Complete: Complete repeated, exactly once each
# (resume programs run one at a time, so #50 has not started at the crash)

prog res1 '[ "$EXITPT_PHASE" = 4 ] && { echo $$ >'"$T"'/res1.pid; exec sleep 30; }'
prog res2 'exit 0'
resume 5 res1
resume 50 res2
run "$HMCSIM" migrate --kill-exitd-during complete \
    --exitd-command "'$EXITD' -f 2>>'$exitd_log' & echo \$! >'$T/exitd3.pid'"
is "$status" 0 "kill_exitd_during_complete_recovers_and_completes (exit 0)"
like "$out" "recovered +operation [0-9a-f]{16} in complete" \
    "the restarted exitd recovered the operation in Complete"
is "$(calls res1 '^4 ')" 1 "the program running at the crash is not called again"
is "$(calls res2 '^4 ')" 1 "the program not yet called gets Complete once"
kill -KILL "$(cat "$T/res1.pid")" 2>/dev/null
"$EXITCTL" remove QIBM_QWC_RESUME 5 >/dev/null
"$EXITCTL" remove QIBM_QWC_RESUME 50 >/dev/null

# --- exitd killed during Check: the operation it recovers is cancelled

prog slowcheck '[ "$EXITPT_PHASE" = 1 ] && { echo $$ >'"$T"'/slowcheck.pid; exec sleep 30; }'
suspend 35 slowcheck
run "$HMCSIM" migrate --kill-exitd-during check \
    --exitd-command "'$EXITD' -f 2>>'$exitd_log' & echo \$! >'$T/exitd4.pid'"
is "$status" 2 "kill_exitd_during_check_recovers_and_cancels (exit 2)"
like "$out" "recovered +operation [0-9a-f]{16} in check" \
    "the restarted exitd recovered the operation in Check"
ok "$(printf '%s\n' "$out" | grep -q 's\] prepare '; echo $((! $?)))" \
    "no Prepare follows a Check lost with exitd"
kill -KILL "$(cat "$T/slowcheck.pid")" 2>/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 35 >/dev/null

# --- the driver disappears

run "$HMCSIM" migrate --disappear-after check
is "$status" 4 "disappear_after_check_exits_4"
like "$out" "driver +disappears without cancelling" "and says so"
run "$HMCSIM" validate
is "$status" 3 "the abandoned operation stays open for exitd's recovery"
"$EXITCTL" cancel >/dev/null 2>&1
run "$HMCSIM" migrate --disappear-after prepare
is "$status" 4 "disappear_after_prepare_exits_4"
ok "$([ -e "$APP/quiesced" ]; echo $?)" "leaving the application prepared"
"$EXITCTL" cancel >/dev/null 2>&1
ok "$([ ! -e "$APP/quiesced" ]; echo $?)" "until a later cancel undoes it"

# --- bad usage, no exitd

run "$HMCSIM" teleport
is "$status" 64 "unknown_command_is_a_usage_error"
like "$err" "unknown command 'teleport'" "with a clear message"
run "$HMCSIM" migrate --kill-exitd-during prepare
is "$status" 64 "kill_without_restart_command_is_refused"
run "$HMCSIM" migrate --cancel-after complete
is "$status" 64 "cancel_after_complete_is_refused"
like "$err" "neither check nor prepare" "naming the allowed values"
run "$HMCSIM" migrate --suspend-seconds x
is "$status" 64 "bad_suspend_seconds_refused"
run as_user nobody "$HMCSIM" --socket "$EXITPT_SOCKET" validate
is "$status" 77 "an_unprivileged_driver_is_refused (exit 77)"
like "$err" "needs root or exitd's admin group" "and told what it needs"
run "$HMCSIM" --socket "$T/nothing.sock" validate
is "$status" 69 "no_exitd_exits_69"
like "$err" "exitd is not running" "and says exitd is not running"

exitd_pid=$(cat "$T/exitd4.pid")
kill -TERM "$exitd_pid"
timeout 10 tail --pid="$exitd_pid" -f /dev/null
ok $? "the restarted exitd stops cleanly on SIGTERM"
exitd_pid=
done_testing
