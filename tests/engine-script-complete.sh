#!/bin/sh
# SPEC section 2, rule 4, for a scripted participant kind: Complete calls
# every resume participant (and no suspend one) with the system state;
# it cannot veto; each call is bounded by the participant's time limit;
# errors and participants gone are reported and Complete still completes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/script-lib.sh"

start_exitd
ok $? "exitd with the scripted kind starts"

forget_calls
script "s wait=1" "r point=resume status=0 reason=vetoing is not possible" \
    "e point=resume complete=error:10" "g point=resume complete=gone:10" \
    "l point=resume complete=lost timeout=1"
"$EXITCTL" check >/dev/null
is "$(script_calls r check)" 0 "a resume participant takes no part in Check"
"$EXITCTL" prepare >/dev/null
t0=$(now_ms)
run "$EXITCTL" complete --system-state 1
t1=$(now_ms)
is "$status" 0 "complete_cannot_veto: completed"
is "$(joutcome)" completed "the operation ends completed"
is "$(script_calls r complete)$(script_calls e complete)$(script_calls g complete)$(script_calls l complete)" 1111 \
    "every resume participant is called once"
is "$(script_calls s complete)" 0 "a suspend participant is not"
like "$(jrec call complete r)" '"given":\{"action":1,"request":0,"system_state":1\}' \
    "the call carries the system state"
like "$(jrec answer complete e)" '"end":"error"' "an error is reported"
like "$(jrec answer complete g)" '"end":"gone"' "a participant gone is reported"
like "$(jrec answer complete l)" '"end":"timed-out"' \
    "one that never answers is ended at its time limit"
[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 5000 ]
ok $? "of 1 s ($((t1 - t0)) ms)"
run "$EXITCTL" complete
is "$status" 65 "a second complete finds no operation"
is "$(script_calls r complete)" 1 "complete reached each once"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
