#!/bin/sh
# SPEC section 2, rule 3: Cancel goes only to the participants whose Check
# allowed, at most once each per operation; a vetoed Check sends it by
# itself; a driver may cancel after Check, during Prepare or after it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts"

prog a 'exit 0'
prog c 'exit 0'
prog v '[ "$EXITPT_PHASE" = 1 ] && echo EXITPT_STATUS=0 && echo EXITPT_REASON=no; exit 0'
suspend 10 a
suspend 20 v
suspend 30 c

# --- a vetoed Check cancels those that allowed
run "$EXITCTL" check
is "$status" 1 "check is vetoed"
is "$(calls a '^2 cancel')" 1 "vetoed_check_sends_cancel_to_those_that_allowed (a)"
is "$(calls c '^2 cancel')" 1 "vetoed_check_sends_cancel_to_those_that_allowed (c)"
is "$(calls v '^2')" 0 "the program that vetoed is not called again"
run "$EXITCTL" status
like "$out" "vetoed" "the operation ended as vetoed"
run "$EXITCTL" cancel
is "$status" 65 "a second cancel finds no operation"
is "$(calls a '^2 cancel')" 1 "cancel_at_most_once (a still once)"
"$EXITCTL" remove QIBM_QWC_SUSPEND 20 >/dev/null
rm -f "$T"/*.calls

# --- cancel after Check
run "$EXITCTL" check
is "$status" 0 "check allows"
run "$EXITCTL" cancel
is "$status" 2 "cancel after check: exit status 2 (cancelled)"
run "$EXITCTL" cancel
is "$status" 65 "cancel twice: no such operation"
like "$err" "no such operation" "with a clear message"
is "$(calls a '^2 cancel')" 1 "cancel_only_once (a)"
is "$(calls c '^2 cancel')" 1 "cancel_only_once (c)"
is "$(calls a '^2 prepare')" 0 "no prepare after a cancel"
run "$EXITCTL" complete
is "$status" 65 "complete after cancel is refused"
rm -f "$T"/*.calls

# --- cancel after Prepare
"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >/dev/null
run "$EXITCTL" cancel
is "$status" 2 "cancel after prepare"
is "$(calls a '^2 prepare')$(calls a '^2 cancel')" 11 "a got prepare then cancel, once each"
is "$(calls c '^2 prepare')$(calls c '^2 cancel')" 11 "c got prepare then cancel, once each"
rm -f "$T"/*.calls

# --- cancel during Prepare: the prepare program is stopped, then cancelled
mkfifo "$T/started"
prog a "if [ \"\$EXITPT_REQUEST\" = prepare ]; then echo \$\$ >$T/a.pid; echo go >$T/started; sleep 300; fi
[ \"\$EXITPT_PHASE\" = 1 ] && echo EXITPT_WAIT_TIME=600
exit 0"
"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >"$T/prepare.out" 2>&1 &
prep=$!
read -r _ <"$T/started"
t0=$(now_ms)
run "$EXITCTL" cancel
t1=$(now_ms)
wait $prep
prep_status=$?
is "$status" 2 "cancel during prepare: cancelled"
is "$prep_status" 2 "the prepare driver learns the operation was cancelled"
like "$(cat "$T/prepare.out")" "$T/a: abnormal end \(timed-out.*cancelled" \
    "the running prepare program was stopped"
[ $((t1 - t0)) -lt 8000 ]
ok $? "cancel does not wait for the 600 s window ($((t1 - t0)) ms)"
is "$(calls a '^2 cancel')" 1 "cancel_during_prepare reaches a once"
is "$(calls c '^2 cancel')" 1 "cancel_during_prepare reaches c once"
rm -f "$T"/*.calls

# --- with check-failure veto, a crashed program vetoed: no cancel for it
echo "exit-point QIBM_QWC_SUSPEND check-failure veto" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 1 "configuration reloaded"
prog a 'exit 0'
prog crash '[ "$EXITPT_PHASE" = 1 ] && kill -SEGV $$; exit 0'
suspend 40 crash
run "$EXITCTL" check
is "$status" 1 "a crash vetoes under check-failure veto"
is "$(calls crash '^2')" 0 "cancel_only_to_those_that_allowed: not the crashed one"
is "$(calls a '^2 cancel')" 1 "cancel_only_to_those_that_allowed: a once"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
