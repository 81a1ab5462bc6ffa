#!/bin/sh
# SPEC section 2, rule 2, for a scripted participant kind: Prepare calls
# every participant at once; the operation proceeds when all have answered
# or the window has elapsed, whichever is first; one still busy at the end
# of the window is stopped and reported as timed out, and its answer, when
# it comes after the window, is journalled as late and ignored; abnormal
# ends never block the operation.  Serially, the window bounds the sum.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

start_exitd
ok $? "exitd with the scripted kind starts"

# --- all at once: two participants of 600 ms take 600 ms, not 1200
script "a wait=5 prepare=answer:600" "b wait=2 prepare=answer:600"
"$EXITCTL" check >/dev/null
t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
is "$status" 0 "prepare ends prepared"
[ $((t1 - t0)) -ge 550 ] && [ $((t1 - t0)) -lt 1100 ]
ok $? "prepare_starts_everyone_at_once ($((t1 - t0)) ms for two of 600 ms)"
like "$(jrec call prepare a)" '"given":\{"action":1,"request":1,"window":5\}' \
    "the call records the request and the window"
run "$EXITCTL" complete
is "$status" 0 "complete follows"

# --- a participant busy past the window is stopped; the operation goes on
forget_calls
script "h wait=1 prepare=lost" "q wait=1 prepare=error:10"
"$EXITCTL" check >/dev/null
t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
is "$status" 0 "prepare_window_ends_a_hanging_participant: prepared"
[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 3000 ]
ok $? "at the end of the 1 s window ($((t1 - t0)) ms)"
is "$(script_calls h prepare stop)" 1 "the engine stopped it"
like "$(jrec answer prepare h)" '"end":"timed-out",.*"reason":"still running at the end of the prepare window' \
    "and reports it timed out at the end of the window"
like "$(jrec answer prepare q)" '"end":"error"' \
    "an error in Prepare is reported and does not block"
run "$EXITCTL" complete
is "$status" 0 "the operation proceeds to Complete"

# --- an answer after the window is journalled as late and ignored
script "s wait=1 prepare=answer:1500"
"$EXITCTL" check >/dev/null
run "$EXITCTL" prepare
is "$status" 0 "prepared at the end of the window"
op=$(last_op)
wait_journal "\"op\":\"$op\",\"event\":\"late-answer\",\"phase\":\"prepare\""
ok $? "the answer that comes after the window is journalled"
like "$(jrec late-answer prepare s)" '"end":"answered".*"late":"after the prepare window"' \
    "answer_after_the_window_is_recorded_as_late"
like "$(jrec answer prepare s)" '"end":"timed-out"' \
    "and ignored: the call stays timed out"
is "$(jrec answer prepare s | wc -l | tr -d ' ')" 1 "with one answer record"
run "$EXITCTL" complete
is "$status" 0 "the operation goes on"

# --- serial: the window bounds the whole phase; the rest is skipped
stop_exitd
echo "exit-point QIBM_QWC_SUSPEND order serial" >"$EXITPT_CONFIG"
start_exitd
forget_calls
script "a wait=1 prepare=answer:600" "b prepare=answer:600" "c prepare=answer:600"
"$EXITCTL" check >/dev/null
run "$EXITCTL" --json prepare
is "$status" 0 "serial prepare ends at the window"
is "$(script_calls a prepare)$(script_calls b prepare)$(script_calls c prepare)" 110 \
    "one at a time: the third never started"
is "$(script_calls b prepare stop)" 1 "the second was stopped at the window"
like "$out" '"end": "skipped"' "the third is reported skipped"
"$EXITCTL" cancel >/dev/null
: >"$EXITPT_CONFIG"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
