#!/bin/sh
# What exitctl shows of a Check answer says what SPEC rule 1 made of it,
# in text and in JSON: a wait outside 1..900 counted as 1 s, a status
# other than 0 or 1 counted as allow, no answer, and an abnormal end whose
# veto was not counted (check-failure allow) or that vetoed (check-failure
# veto).  After a vetoed Check, exitctl check shows the Cancel that
# followed, as hmcsim does.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

# answer NUMBER: the JSON answer of program NUMBER in $out, as one line
# "effective counted_wait_ms overrides check_failure | verdict".
answer() {
	printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = [a for a in d["answers"] if a["number"] == int(sys.argv[1])][0]
print(a["effective"], a["counted_wait_ms"], ",".join(a["overrides"]) or "-",
      a.get("check_failure", "-"), "|", a["verdict"])' "$1"
}

prog far 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=901'
prog seven 'echo EXITPT_STATUS=7; echo EXITPT_WAIT_TIME=3'
prog quiet 'exit 0'
prog vetofail 'echo EXITPT_STATUS=0; echo EXITPT_REASON=nope; exit 1'
prog fine 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=4'
suspend 10 far
suspend 20 seven
suspend 30 quiet
suspend 40 vetofail
suspend 50 fine
start_exitd
ok $? "exitd starts"

# --- text
run "$EXITCTL" check --validate
is "$status" 0 "check is allowed (the veto of #40 ended abnormally)"
like "$out" "#10 $T/far: allow, wait 901 \(out of range: 1 s\) \(exited 0" \
    "wait_901_is_shown_as_out_of_range_counted_as_1_s"
like "$out" "#20 $T/seven: allow: status 7 is not 0 or 1, counted as allow, wait 3 s \(exited 0" \
    "status_7_is_shown_as_counted_as_allow"
like "$out" "#30 $T/quiet: allow: no answer, wait 1 s \(exited 0" \
    "no_answer_is_shown_as_allow_with_1_s"
like "$out" "#40 $T/vetofail: allow: abnormal end \(exit 1\); its veto was not counted \(check-failure allow\) \(exited 1, [0-9]+ ms\): nope" \
    "status_0_then_exit_1_is_an_abnormal_end_whose_veto_did_not_count"
unlike "$out" "allow \(status 0" "and is not shown as an allow with status 0"
like "$out" "#50 $T/fine: allow, wait 4 s \(exited 0" "a plain answer is shown plainly"

# --- JSON
run "$EXITCTL" check --validate --json
is "$(answer 10)" "allow 1000 wait-out-of-range - | allow, wait 901 (out of range: 1 s)" \
    "json: wait 901 counted as 1000 ms, flagged wait-out-of-range"
is "$(answer 20)" "allow 3000 status-invalid - | allow: status 7 is not 0 or 1, counted as allow, wait 3 s" \
    "json: status 7 flagged status-invalid"
is "$(answer 30)" "allow 1000 no-answer - | allow: no answer, wait 1 s" \
    "json: no answer flagged"
is "$(answer 40)" "allow 1000 abnormal-end,veto-not-counted allow | allow: abnormal end (exit 1); its veto was not counted (check-failure allow)" \
    "json: abnormal end, veto not counted, check-failure allow"
is "$(answer 50)" "allow 4000 - - | allow, wait 4 s" "json: nothing overridden"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; a=json.load(sys.stdin)["answers"][0]; print(a["status"], a["wait_ms"])')" \
    "1 901000" "json keeps what was answered"

# --- check-failure veto: the abnormal end vetoes, and says why
echo "exit-point QIBM_QWC_SUSPEND check-failure veto" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 1 "configuration reloaded"
run "$EXITCTL" check --validate
is "$status" 1 "under check-failure veto the abnormal end vetoes"
like "$out" "#40 $T/vetofail: veto: abnormal end \(exit 1\) \(check-failure veto\)" \
    "abnormal_end_under_check_failure_veto_says_so"
like "$out" "vetoed by program 40 \($T/vetofail\): nope" "the veto names who and why"

# --- the Cancel that follows a veto is shown
like "$out" "cancel sent to the 4 participants that allowed" \
    "check_after_a_veto_shows_the_cancel_that_followed"
like "$out" "#50 $T/fine: done \(exited 0" "naming those that got it"
ncancel=$(printf '%s\n' "$out" | sed -n '/cancel sent/,$p' | grep -c '#40 ')
is "$ncancel" 0 "and not the one that vetoed"
is "$(calls fine '^2 cancel')" 1 "which indeed got Cancel once"
run "$EXITCTL" check --validate --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["outcome"], d["cancel"]["phase"], sorted(a["number"] for a in d["cancel"]["answers"]))')" \
    "vetoed cancel [10, 20, 30, 50]" "json: the vetoed check holds its Cancel"
like "$err" "cancel sent to the 4 participants" "and explains both on stderr"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
