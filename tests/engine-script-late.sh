#!/bin/sh
# Answers that no call is waiting for, from a scripted participant kind:
# an answer after the call's time limit, one that arrives in a later
# phase, a second answer to the same call, and one for a call of an
# operation that is over are each journalled as a late answer and ignored:
# they change no verdict, no window and no phase.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

start_exitd
ok $? "exitd with the scripted kind starts"

# --- a veto that comes after the time limit does not count
script "x status=0 wait=9 check=answer:1500 timeout=1 reason=too late"
run "$EXITCTL" check --validate
is "$status" 0 "late_answer_after_the_time_limit_is_ignored: validated"
op=$(last_op)
like "$(jrec answer check x)" '"effective":"allow","end":"timed-out"' \
    "the call ended at its limit, counted as allow"
wait_journal "\"op\":\"$op\",\"event\":\"late-answer\""
ok $? "the answer that came later is journalled"
like "$(jrec late-answer check x)" '"status":0,"wait":9,"end":"answered","code":0,"reason":"too late","late":"after its time limit"' \
    "as a late answer, with what it said and why it is late"
is "$(joutcome)" validated "the outcome stays validated"

# --- a Check answer that arrives during Prepare
forget_calls
script "y wait=1 check=answer:1500 timeout=1" "p wait=2"
"$EXITCTL" check >/dev/null
op=$(last_op)
run "$EXITCTL" prepare
is "$status" 0 "prepare runs while the late Check answer is on its way"
wait_journal "\"op\":\"$op\",\"event\":\"late-answer\",\"phase\":\"check\""
ok $? "the Check answer arriving later is journalled under Check"
like "$(jrec answer prepare y)" '"end":"answered"' \
    "and the participant's Prepare call ends on its own answer"
is "$(jwindow)" 2 "the window is what Check decided"
"$EXITCTL" complete >/dev/null

# --- a duplicate answer
script "d check=twice:10 wait=3"
run "$EXITCTL" check --validate
is "$status" 0 "a participant that answers twice"
op=$(last_op)
wait_journal "\"op\":\"$op\",\"event\":\"late-answer\""
like "$(jrec late-answer check d)" '"late":"the call had already ended"' \
    "duplicate_answer_is_recorded_as_late"
is "$(jrec answer check d | wc -l | tr -d ' ')" 1 "one answer counts"

# --- an answer for an operation that is over
script "z check=answer:1500 timeout=1"
run "$EXITCTL" check --validate
is "$status" 0 "the first operation ends at the limit"
script "w"
run "$EXITCTL" check
is "$status" 0 "a second operation is open"
op=$(last_op)
wait_journal "\"op\":\"$op\",\"event\":\"late-answer\""
ok $? "the first operation's answer arrives during the second"
like "$(grep "\"op\":\"$op\",\"event\":\"late-answer\"" "$J")" \
    '"late":"no such call in the current operation"' \
    "and is journalled as a late answer for no call of it"
run "$EXITCTL" cancel
is "$status" 2 "the second operation is cancelled as usual"
is "$(jrec call cancel w | wc -l | tr -d ' ')" 1 "its participant gets Cancel once"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
