#!/bin/sh
# A resume-only operation: with no operation open, `exitctl complete
# --resume-only` runs Complete of the resume programs alone, as an
# operation of its own journalled as resume-only (a system that resumed
# where no Check ran: processes CRIU restored on another host).  It is
# busy while an operation is open, and is recovered like any Complete.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts"
prog s
prog r "echo \"\$EXITPT_ACTION \$EXITPT_SYSTEM_STATE\" >>$T/r.env"
suspend 10 s
resume 10 r

run "$EXITCTL" complete --resume-only
is "$status" 0 "resume_only_runs_complete_with_no_operation_open"
like "$out" "complete completed, 1 participant" "its report is Complete's"
is "$(calls r '^4 - 0')" 1 "the resume program got Complete, system state 0"
is "$(cat "$T/r.env")" "migration 0" "as a migration by default"
is "$(calls s .)" 0 "suspend programs were not called"
like "$(grep '"operation-start"' "$EXITPT_STATE_DIR/journal")" \
    '"resume_only": ?true' "journalled_as_resume_only"
run "$EXITCTL" complete --resume-only --action hibernation --system-state 1
is "$(sed -n 2p "$T/r.env")" "hibernation 1" "with the action and state given"

"$EXITCTL" check >/dev/null
run "$EXITCTL" complete --resume-only
is "$status" 3 "resume_only_is_busy_while_an_operation_is_open"
like "$err" "busy: operation [0-9a-f]{16} is in phase check \\(allowed\\), started by uid 0 pid [0-9]+ \\(exitctl\\)" \
    "naming the operation and who started it"
"$EXITCTL" cancel >/dev/null

run "$EXITCTL" complete --resume-only --operation 1234
is "$status" 64 "--resume-only with --operation is a usage error"
run "$EXITCTL" prepare --resume-only
is "$status" 64 "--resume-only belongs to complete only"

# --- recovered: exitd dies during a resume-only Complete
mkfifo "$T/started"
prog r "echo \$\$ >$T/r.pid; echo go >$T/started; sleep 300"
"$EXITCTL" complete --resume-only >/dev/null 2>&1 &
read -r _ <"$T/started"
kill_exitd
kill -KILL "$(cat "$T/r.pid")"
prog r "echo \"\$EXITPT_ACTION \$EXITPT_SYSTEM_STATE\" >>$T/r.env"
rm -f "$T/r.calls"
start_exitd
run "$EXITCTL" complete
is "$status" 0 "a_recovered_resume_only_operation_completes"
is "$(calls r '^4')" 0 "its resume program, reached once already, is not called again"
run "$EXITCTL" status
like "$out" "complete completed" "the operation is over"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
