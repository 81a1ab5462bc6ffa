#!/bin/sh
# SPEC section 2, rules 4 and 5: Complete calls every resume program with
# AMGF0100 (action, system state), read-only, within its timeout, and
# cannot veto; a validation runs Check alone, and Cancel only if vetoed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts"

prog s 'exit 0'
prog r "od -An -td4 -v <&3 | tr -s ' ' | sed 's/^ //' >$T/r.info
echo \"\$1 \$2 \$EXITPT_ACTION \$EXITPT_SYSTEM_STATE\" >$T/r.env
if printf xxxx >&3 2>/dev/null; then echo writable; else echo read-only; fi >$T/r.mode
echo EXITPT_STATUS=0
exit 0"
suspend 10 s
resume 10 r

# --- migration resumed in normal operation
run "$EXITCTL" migrate
is "$status" 0 "migrate runs check, prepare and complete"
is "$(cat "$T/r.info")" "12 1 0" "complete_gets_AMGF0100 (length 12, action 1, state 0)"
is "$(cat "$T/r.env")" "AMGF0100 4 migration 0" "argv and environment say AMGF0100, phase 4, migration, state 0"
is "$(cat "$T/r.mode")" read-only "the resume exit information is read-only"
is "$(calls s '^4')" 0 "suspend programs get no Complete"
is "$(calls r '^1')$(calls r '^2')" 00 "resume programs get no Check or Prepare"

# --- hibernation resumed in restricted state
run "$EXITCTL" hibernate --system-state 1
is "$status" 0 "hibernate completes although the resume program 'vetoed'"
is "$(cat "$T/r.info")" "12 2 1" "complete_gets_AMGF0100 (action 2 hibernation, state 1 restricted)"
is "$(cat "$T/r.env")" "AMGF0100 4 hibernation 1" "environment says hibernation, state 1"

# --- complete timeout
prog r "echo \$\$ >$T/r.pid; sleep 60"
resume 10 r --replace --complete-timeout 1
"$EXITCTL" check >/dev/null && "$EXITCTL" prepare >/dev/null
t0=$(now_ms)
run "$EXITCTL" complete
t1=$(now_ms)
is "$status" 0 "complete ends as completed when a program times out"
like "$out" "$T/r: abnormal end \(timed-out" "the program is reported as timed out"
[ $((t1 - t0)) -lt 8000 ]
ok $? "complete ends at the program's 1 s timeout ($((t1 - t0)) ms)"
"$EXITCTL" remove QIBM_QWC_RESUME 10 >/dev/null
rm -f "$T"/*.calls

# --- complete is refused before prepare
"$EXITCTL" check >/dev/null
run "$EXITCTL" complete
is "$status" 65 "complete before prepare is refused"
like "$err" "phase not allowed" "with the phase named"
"$EXITCTL" cancel >/dev/null
rm -f "$T"/*.calls

# --- validation only
run "$EXITCTL" check --validate
is "$status" 0 "validation allowed"
like "$out" "check validated" "outcome validated"
run "$EXITCTL" prepare
is "$status" 65 "validation_runs_check_only: no prepare may follow"
is "$(calls s '^2')" 0 "nothing but check was called"
prog v '[ "$EXITPT_PHASE" = 1 ] && echo EXITPT_STATUS=0; exit 0'
suspend 20 v
run "$EXITCTL" check --validate
is "$status" 1 "a vetoed validation"
is "$(calls s '^2 cancel')" 1 "vetoed_validation_sends_cancel_to_those_that_allowed"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
