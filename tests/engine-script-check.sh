#!/bin/sh
# SPEC section 2, rules 1, 2 (the window) and 5, for a participant kind
# that is not an exit program (tests/part-script.c): status 0 vetoes, any
# other status allows, wait times outside 1..900 count as 1, the window is
# the largest wait and never the sum, an abnormal end (an error, a
# participant gone, no answer within its time limit) counts as allow even
# after a status 0, unless the exit point says check-failure veto; a
# validation that is allowed is followed by nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

start_exitd
ok $? "exitd with the scripted kind starts"

# --- every participant allows: the window is the largest wait
script "a wait=3" "b wait=5" "c wait=2"
run "$EXITCTL" check --validate
is "$status" 0 "three scripted participants allow"
is "$(jwindow)" 5 "window_is_the_maximum_not_the_sum (3, 5, 2: 5 s)"
like "$(jrec answer check b)" '"status":1,"wait":5,"effective":"allow","end":"answered"' \
    "an answer is journalled with what was answered and how it ended"
like "$(jrec call check a)" '"id":\{"line":"a wait=3"\}' \
    "a call record carries the participant's identity"
is "$(script_calls a prepare)$(script_calls a cancel)" 00 \
    "validation_allowed_is_followed_by_nothing"

# --- status 0 vetoes; the veto's reason is kept; Cancel goes to the others
forget_calls
script "a" "v status=0 reason=disk is busy" "b"
run "$EXITCTL" check --validate
is "$status" 1 "status_0_vetoes"
like "$out" "disk is busy" "the veto's reason is reported"
like "$(jrec answer check v)" '"status":0,.*"effective":"veto".*"reason":"disk is busy"' \
    "and journalled"
is "$(script_calls a cancel)$(script_calls b cancel)" 11 \
    "a vetoed validation sends Cancel to those that allowed"
is "$(script_calls v cancel)" 0 "and not to the one that vetoed"
is "$(joutcome)" vetoed "the operation ends vetoed"

# --- an invalid status allows
script "i status=7 wait=4" "n status=-1"
run "$EXITCTL" check --validate
is "$status" 0 "invalid_status_counts_as_allow (7, -1)"
like "$(jrec answer check i)" '"status":7,"wait":4,"effective":"allow"' \
    "the status is journalled as given"
is "$(jwindow)" 4 "and its wait counts"

# --- wait times outside 1..900 count as 1
script "w wait=901" "z wait=0" "m wait=-5"
run "$EXITCTL" check --validate
is "$(jwindow)" 1 "wait_out_of_range_counts_as_1 (901, 0, -5: 1 s)"
like "$(jrec answer check w)" '"wait":901,"effective":"allow"' \
    "the wait is journalled as given"
script "w wait=901" "x wait=900"
run "$EXITCTL" check --validate
is "$(jwindow)" 900 "900 is in range: the window is 900 s"

# --- abnormal ends count as allow, even after a status 0
forget_calls
script "e status=0 check=error:10" "g status=0 check=gone:20" \
    "l check=lost timeout=1" "ok"
t0=$(now_ms)
run "$EXITCTL" check --validate
t1=$(now_ms)
is "$status" 0 "abnormal_end_counts_as_allow (error, gone, no answer)"
like "$(jrec answer check e)" '"effective":"allow","end":"error"' \
    "an error counts as allow, its status 0 not counted"
like "$(jrec answer check g)" '"effective":"allow","end":"gone"' \
    "a participant gone counts as allow"
like "$(jrec answer check l)" '"effective":"allow","end":"timed-out"' \
    "no answer within the time limit counts as allow"
is "$(script_calls l check stop)" 1 "the engine stopped it at its limit"
[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 5000 ]
ok $? "after its 1 s time limit ($((t1 - t0)) ms)"

# --- check-failure veto: the same abnormal ends veto
stop_exitd
echo "exit-point QIBM_QWC_SUSPEND check-failure veto" >"$EXITPT_CONFIG"
start_exitd
for what in "check=error" "check=gone:10" "check=lost timeout=1"; do
	forget_calls
	script "ok" "x $what"
	run "$EXITCTL" check --validate
	is "$status" 1 "check_failure_veto: $what vetoes"
	like "$(jrec answer check x)" '"effective":"veto"' "and is journalled as a veto"
	is "$(script_calls ok cancel)$(script_calls x cancel)" 10 \
	    "Cancel goes to the one that allowed only"
done
script "ok status=7"
run "$EXITCTL" check --validate
is "$status" 0 "check-failure veto leaves normal answers alone (status 7 allows)"
: >"$EXITPT_CONFIG"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
