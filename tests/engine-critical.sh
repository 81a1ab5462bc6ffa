#!/bin/sh
# exitd and critical sections (issue 4, exitd integration): Check vetoes
# while a section is held, naming each holder, beside the exit programs'
# answers in the same report and journal; the suspend-pending flag is
# raised at Check and lowered at Complete or Cancel (also after recovery),
# refusing or delaying new sections meanwhile; a holder killed by SIGKILL
# leaves no stale veto.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=5'
prog r 'exit 0'
suspend 10 a
resume 10 r
start_exitd
ok $? "exitd starts"

# hold NAME: hold critical section NAME in the background (exitctl
# critical around a sleep) until release; returns once it is held.
mkfifo "$T/held"
hold() {
	"$EXITCTL" critical "$1" -- sh -c "echo \$\$ >$T/$1.sleeper; echo held >$T/held; exec sleep 300" &
	holder=$!
	read -r _ <"$T/held"
}
release() {
	kill -TERM "$(cat "$T/$1.sleeper")"
	wait "$holder"
}
pending() { "$EXITCTL" critical pending show | cut -d' ' -f2; }

# --- a held section vetoes Check, and the reason names it
hold payroll
run "$EXITCTL" check
is "$status" 1 "check_vetoed_by_a_critical_section"
like "$out" "critical sections: veto .*answered.*critical section held: payroll \(pid $(cat "$T/payroll.sleeper"), since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.000[+-][0-9]{2}:[0-9]{2}\)" \
    "the veto names the holder (the command's process): name, pid and since when"
like "$out" "^ +#10 $T/a: allow, wait 5 s \(exited 0" \
    "the exit programs' answers come in the same report"
is "$(calls a '^1 ')" 1 "the exit program's Check still ran"
is "$(calls a '^2 cancel')" 1 "the program that allowed gets Cancel"
like "$(grep '"event":"answer"' "$EXITPT_STATE_DIR/journal" | grep '"kind":"critical"')" \
    '"effective":"veto".*"reason":"critical section held: payroll' \
    "the critical sections' veto is in the journal like a program's"
like "$out" "^vetoed by critical sections: critical section held: payroll" "the veto line names the critical sections"
is "$(pending)" "no" "a vetoed operation lowers the pending flag"

# --- two holders: both named
hold ledger
run "$EXITCTL" --json check
is "$status" 1 "two holders veto"
like "$out" 'critical sections held: (ledger|payroll) \(pid [0-9]+, since [^)]*\), (ledger|payroll) \(pid' \
    "every holder is named"
like "$out" '"kind": "critical"' "--json shows the participant's kind"
release ledger
release payroll

# --- the holder dies by SIGKILL: no stale veto
hold batch
kill -KILL "$holder"
wait "$holder"
kill -KILL "$(cat "$T/batch.sleeper")"
run "$EXITCTL" check --validate
is "$status" 0 "a holder killed by SIGKILL leaves no stale veto"
unlike "$out" "critical" "and no critical-sections call"
is "$(pending)" "no" "validation lowers the flag when it ends"

# --- pending between Check and Complete: refused, delayed, released
run "$EXITCTL" check
is "$status" 0 "check allowed with no section held"
is "$(pending)" "yes" "the pending flag is raised at Check"
run "$EXITCTL" critical report --fail-if-pending -- echo ran
is "$status" 3 "a new section with --fail-if-pending is refused while pending"
is "$out" "" "and its command does not run"
"$EXITCTL" critical report --wait 30 -- sh -c "echo ran >$T/delayed" &
delayed=$!
run "$EXITCTL" prepare
is "$status" 0 "prepare"
ok "$(kill -0 $delayed 2>/dev/null; echo $?)" "a waiting section is still waiting after Prepare"
ok "$(test ! -e "$T/delayed"; echo $?)" "and its command has not run"
run "$EXITCTL" complete
is "$status" 0 "complete"
wait $delayed
is "$?" 0 "the waiting section enters once Complete has ended the operation"
is "$(cat "$T/delayed")" "ran" "and its command runs"
is "$(pending)" "no" "Complete lowers the flag"

# --- Cancel lowers it too
run "$EXITCTL" check
is "$(pending)" "yes" "raised again at the next Check"
run "$EXITCTL" cancel
is "$status" 2 "cancel"
is "$(pending)" "no" "Cancel lowers the flag"

# --- recovery: exitd killed between Check and Prepare keeps the flag up,
# and the recovery timeout's own cancel lowers it
stop_exitd
echo "recovery-timeout 1" >"$EXITPT_CONFIG"
start_exitd
run "$EXITCTL" check
is "$(pending)" "yes" "raised at Check"
kill_exitd
ncancelled=$(grep -c "operation [0-9a-f]* cancelled$" "$exitd_log")
rm -f "$EXITPT_RUNTIME_DIR/pending"
start_exitd
is "$(pending)" "yes" "a restarted exitd raises the flag of the recovered operation again"
wait_log 1 "no driver within 1 s; cancelling"
ok $? "the recovery timeout cancels by itself"
# exitd logs "operation ID cancelled" after it has lowered the flag.
wait_log $((ncancelled + 1)) "operation [0-9a-f]* cancelled$"
ok $? "the recovered operation ends cancelled"
is "$(pending)" "no" "and lowers the flag"
stop_exitd

# --- a restart with no open operation lowers a stale flag
"$EXITCTL" critical pending on 77
start_exitd
is "$(pending)" "no" "exitd starting with no open operation lowers a stale flag"
stop_exitd

done_testing
