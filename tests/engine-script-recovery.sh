#!/bin/sh
# SPEC section 2, rule 6, for a scripted participant kind: after exitd is
# killed (SIGKILL) between Check and Cancel, or in the middle of Cancel or
# Complete, a restarted exitd rebuilds the participants from their
# journalled identity (not from today's script), and the next Cancel or
# Complete reaches each one exactly once, Cancel only those that allowed;
# with no driver, the recovery timeout cancels by itself.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

echo "recovery-timeout 60" >"$EXITPT_CONFIG"
start_exitd
ok $? "exitd with the scripted kind starts"

# --- killed between Check and Cancel
forget_calls
script "a" "b wait=4"
"$EXITCTL" check >/dev/null
kill_exitd
script "other"
start_exitd
ok $? "a new exitd starts after the SIGKILL"
like "$(cat "$exitd_log")" "recovered from the journal in phase check; 2 suspend" \
    "it knows the operation and its two participants"
run "$EXITCTL" cancel
is "$status" 2 "the driver's cancel"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 \
    "exitd_killed_between_check_and_cancel: cancel reaches each once"
is "$(script_calls other cancel)" 0 "participants come from the journal, not the script"
run "$EXITCTL" cancel
is "$status" 65 "a second cancel finds no operation"
stop_exitd
start_exitd
run "$EXITCTL" cancel
is "$status" 65 "nor after another restart"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 "still exactly once each"

# --- killed while Check runs, after a veto: Cancel only to those that allowed
forget_calls
script "a" "v status=0 reason=no" "s check=lost timeout=60"
"$EXITCTL" check >/dev/null 2>&1 &
drv=$!
wait_calls s check
wait_journal '"event":"answer","phase":"check","kind":"script","key":"v"'
wait_journal '"event":"answer","phase":"check","kind":"script","key":"a"'
kill_exitd
wait $drv
start_exitd
run "$EXITCTL" cancel
is "$status" 2 "cancel after the restart"
is "$(script_calls a cancel)$(script_calls v cancel)$(script_calls s cancel)" 101 \
    "cancel_after_restart_only_to_those_that_allowed (one without an answer counts as allow)"

# --- killed in the middle of a serial Cancel: the rest get it, nobody twice
stop_exitd
printf 'recovery-timeout 60\nexit-point QIBM_QWC_SUSPEND order serial\n' \
    >"$EXITPT_CONFIG"
start_exitd
forget_calls
script "a" "h cancel=lost timeout=60" "b"
"$EXITCTL" check >/dev/null
"$EXITCTL" cancel >/dev/null 2>&1 &
drv=$!
wait_calls h cancel
kill_exitd
wait $drv
start_exitd
run "$EXITCTL" status
like "$out" "cancel recovered" "recovered in cancel"
run "$EXITCTL" cancel
is "$status" 2 "the driver's cancel finishes it"
is "$(script_calls a cancel)$(script_calls h cancel)$(script_calls b cancel)" 111 \
    "exitd_killed_mid_cancel: each got cancel exactly once"

# --- killed in the middle of a serial Complete
stop_exitd
printf 'recovery-timeout 60\nexit-point QIBM_QWC_RESUME order serial\n' \
    >"$EXITPT_CONFIG"
start_exitd
forget_calls
script "s wait=1" "r1 point=resume" "r2 point=resume complete=lost timeout=60" \
    "r3 point=resume"
"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >/dev/null
"$EXITCTL" complete >/dev/null 2>&1 &
drv=$!
wait_calls r2 complete
kill_exitd
wait $drv
start_exitd
run "$EXITCTL" complete
is "$status" 0 "complete after the restart"
is "$(script_calls r1 complete)$(script_calls r2 complete)$(script_calls r3 complete)" 111 \
    "exitd_killed_mid_complete: each resume participant got complete exactly once"
is "$(script_calls s cancel)" 0 "and nobody got cancel"

# --- the recovery timeout cancels by itself
stop_exitd
echo "recovery-timeout 1" >"$EXITPT_CONFIG"
start_exitd
forget_calls
script "a" "b"
"$EXITCTL" check >/dev/null
kill_exitd
start_exitd
run "$EXITCTL" status --follow
like "$out" "cancelled" "recovery_timeout_cancels_a_recovered_operation"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 "each got cancel once"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
