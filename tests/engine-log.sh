#!/bin/sh
# exitd's log says at info level what needs an operator's attention and
# leaves ordinary answers to the journal (a phase over a thousand
# participants is not a thousand log lines): a veto and an abnormal end
# are logged, an answer that allows is not; with -v it is.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

script "plain" "nay status=0 reason=busy" "err check=error" "slow check=lost timeout=1"
start_exitd
ok $? "exitd starts (not verbose)"
run "$EXITCTL" check
is "$status" 1 "check is vetoed"
log=$(cat "$exitd_log")
like "$log" "check: script nay: answered 0: busy" "a_veto_is_logged"
like "$log" "check: script err: error 0" "an_error_is_logged"
like "$log" "check: script slow: timed-out 0" "a_participant_past_its_limit_is_logged"
unlike "$log" "check: script plain:" "an_ordinary_answer_is_not_logged"
like "$(jrec answer check plain)" '"end":"answered"' "but it is in the journal"
like "$log" "check starts with 4 participants" "the phase's start is logged"
stop_exitd

: >"$exitd_log"
script "plain"
start_exitd -v
ok $? "exitd starts verbose"
run "$EXITCTL" check
is "$status" 0 "check is allowed"
like "$(cat "$exitd_log")" "check: script plain: answered 0" \
    "with_v_ordinary_answers_are_logged"
run "$EXITCTL" cancel
stop_exitd
done_testing
