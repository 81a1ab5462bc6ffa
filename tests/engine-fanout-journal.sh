#!/bin/sh
# SPEC section 2, rule 6, for a fan-out: the calls of a phase are
# journalled together before any participant starts, so that exitd dying
# while it starts them (SIGKILL as the second of three starts) leaves a
# journal from which the next exitd knows every participant as reached:
# the next Cancel reaches each exactly once, the one never started too (a
# call with no answer recorded counts as allow).  Answers are gathered
# and written together, and all of a phase's are on record when it ends.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

echo "recovery-timeout 60" >"$EXITPT_CONFIG"
start_exitd
ok $? "exitd with the scripted kind starts"

# --- every answer of a phase is on record when the phase ends
script a b c d
run "$EXITCTL" check
is "$status" 0 "check over four participants"
for p in a b c d; do
	like "$(jrec answer check $p)" '"end":"answered"' \
	    "answers_are_on_record_when_their_phase_ends ($p)"
done
run "$EXITCTL" cancel
is "$status" 2 "cancel"

# --- killed in the middle of starting a fan-out
forget_calls
script "a" "b check=crash" "c"
"$EXITCTL" check >/dev/null 2>&1
wait "$exitd_pid"
is "$?" 137 "exitd died by SIGKILL while starting the check calls"
exitd_pid=
is "$(script_calls a check)$(script_calls b check)$(script_calls c check)" 110 \
    "a and b were started, c never was"
for p in a b c; do
	ok "$([ -n "$(jrec call check $p)" ]; echo $?)" \
	    "calls_of_a_fan_out_are_journalled_before_any_starts ($p)"
done
is "$(grep "\"op\":\"$(last_op)\"" "$J" | grep -c '"event":"answer"')" 0 \
    "and no answer is on record"
start_exitd
ok $? "a new exitd starts after the SIGKILL"
like "$(cat "$exitd_log")" "recovered from the journal in phase check; 3 suspend" \
    "it knows the operation and its three participants"
run "$EXITCTL" cancel
is "$status" 2 "the driver's cancel"
is "$(script_calls a cancel)$(script_calls b cancel)$(script_calls c cancel)" 111 \
    "crash_while_starting_a_fan_out_recovers: cancel reaches each once"
run "$EXITCTL" cancel
is "$status" 65 "a second cancel finds no operation"
stop_exitd
done_testing
