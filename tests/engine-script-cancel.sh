#!/bin/sh
# SPEC section 2, rule 3, for a scripted participant kind: Cancel goes
# only to the participants whose Check allowed (an abnormal end counts as
# allow), at most once each per operation, whether the driver cancels
# after Check, during Prepare (which is stopped first) or after it; a
# participant that does not answer Cancel is ended at its time limit.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

start_exitd
ok $? "exitd with the scripted kind starts"

# --- after Check: to every participant that allowed, once
forget_calls
script "a" "g check=gone:10" "b"
"$EXITCTL" check >/dev/null
run "$EXITCTL" cancel
is "$status" 2 "cancel after check: cancelled"
is "$(script_calls a cancel)$(script_calls g cancel)$(script_calls b cancel)" 111 \
    "cancel_to_each_that_allowed_once (a participant gone in Check counted as allow)"
run "$EXITCTL" cancel
is "$status" 65 "a second cancel finds no operation"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 "still once each"

# --- a veto: Cancel only to those that allowed
forget_calls
script "a" "v status=0 reason=no" "b"
run "$EXITCTL" check
is "$status" 1 "vetoed"
is "$(script_calls a cancel)$(script_calls v cancel)$(script_calls b cancel)" 101 \
    "cancel_only_to_those_that_allowed"
run "$EXITCTL" cancel
is "$status" 65 "the vetoed operation is over"

# --- during Prepare: Prepare is stopped, then Cancel, once each
forget_calls
script "a wait=30 prepare=lost" "b wait=30 prepare=answer:10"
"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >"$T/prep.out" 2>&1 &
prep=$!
wait_calls a prepare
t0=$(now_ms)
run "$EXITCTL" cancel
t1=$(now_ms)
wait $prep
prep_status=$?
is "$status" 2 "cancel during prepare: cancelled"
[ $((t1 - t0)) -lt 5000 ]
ok $? "without waiting for the 30 s window ($((t1 - t0)) ms)"
is "$prep_status" 2 "the prepare driver learns that it was cancelled"
is "$(script_calls a prepare stop)" 1 "the participant still preparing was stopped"
like "$(jrec answer prepare a)" '"reason":"stopped: the operation was cancelled' \
    "and the journal says why"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 \
    "cancel_during_prepare reaches each once"

# --- after Prepare
forget_calls
script "a wait=1" "b wait=1"
"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >/dev/null
run "$EXITCTL" cancel
is "$status" 2 "cancel after prepare"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 "once each"
run "$EXITCTL" complete
is "$status" 65 "no complete after cancel"

# --- a participant that does not answer Cancel is ended at its limit
forget_calls
script "a cancel=lost timeout=1" "b"
"$EXITCTL" check >/dev/null
t0=$(now_ms)
run "$EXITCTL" cancel
t1=$(now_ms)
is "$status" 2 "cancel ends"
[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 5000 ]
ok $? "at the silent participant's 1 s limit ($((t1 - t0)) ms)"
like "$(jrec answer cancel a)" '"end":"timed-out"' "which is reported timed out"
is "$(joutcome)" cancelled "the operation ends cancelled"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
