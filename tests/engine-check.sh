#!/bin/sh
# SPEC section 2, rule 1: Check calls every suspend program; any status 0
# vetoes; invalid statuses, invalid wait times, crashes and timeouts count
# as allow (unless the exit point is configured check-failure veto);
# unsafe programs are refused with a reason.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts on a private socket"

# --- veto
prog allow 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=2'
prog veto 'echo EXITPT_STATUS=0; echo "EXITPT_REASON=database backup running"'
suspend 10 allow
suspend 20 veto
run "$EXITCTL" check
is "$status" 1 "veto_if_any_answers_status_0: exit status 1"
like "$out" "vetoed by program 20 \($T/veto\): database backup running" \
    "veto_names_who_and_why"
is "$(calls allow '^1 ')" 1 "check_calls_every_program: allow called once"
is "$(calls veto '^1 ')" 1 "check_calls_every_program: veto called once"
"$EXITCTL" remove QIBM_QWC_SUSPEND 10 >/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 20 >/dev/null

# --- the veto is read from fd 3 as well as from stdout
prog veto3 'printf "\000\000\000\000" |
    dd of=/proc/self/fd/3 bs=1 seek=8 conv=notrunc 2>/dev/null'
suspend 30 veto3
run "$EXITCTL" check
is "$status" 1 "status_0_written_in_place_on_fd3_vetoes"
"$EXITCTL" remove QIBM_QWC_SUSPEND 30 >/dev/null

# --- a reason that is not UTF-8 is kept, shown and journalled
prog latin 'printf "EXITPT_STATUS=0\nEXITPT_REASON=caf\351 ferm\351\n"'
suspend 35 latin
run "$EXITCTL" check --json
is "$status" 1 "a veto with a reason that is not UTF-8"
like "$out" '"reason": "caf\? ferm\?"' "its reason is shown with '?' for the odd bytes"
like "$(grep '"event":"answer"' "$EXITPT_STATE_DIR/journal" | tail -n 1)" \
    '"reason":"caf\? ferm\?"' "and journalled"
"$EXITCTL" remove QIBM_QWC_SUSPEND 35 >/dev/null

# --- invalid status, no answer
prog weird 'echo EXITPT_STATUS=7; echo EXITPT_WAIT_TIME=3'
prog silent 'exit 0'
suspend 40 weird
suspend 50 silent
run "$EXITCTL" check --validate --json
is "$status" 0 "invalid_status_counts_as_allow"
like "$out" '"outcome": "validated"' "validation with status 7 and no answer is allowed"
like "$out" '"status": 7' "the invalid status is reported as given"
like "$out" '"status": -1' "a program that answers nothing is reported as no answer (-1)"
"$EXITCTL" remove QIBM_QWC_SUSPEND 40 >/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 50 >/dev/null

# --- wait clamping
for w in 5000 0 -4 abc; do
	prog clamp "echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=$w"
	suspend 60 clamp --replace
	run "$EXITCTL" check --validate --json
	like "$out" '"window_ms": 1000,' "wait_time_${w}_outside_1_900_counts_as_1"
done
prog clamp 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=900'
suspend 60 clamp --replace
run "$EXITCTL" check --validate --json
like "$out" '"window_ms": 900000,' "wait_time_900_is_kept"
"$EXITCTL" remove QIBM_QWC_SUSPEND 60 >/dev/null

# --- abnormal ends count as allow
prog segv 'echo EXITPT_STATUS=0; kill -SEGV $$'
prog fails 'echo EXITPT_STATUS=0; exit 3'
suspend 70 segv
suspend 80 fails
run "$EXITCTL" check --validate
is "$status" 0 "crash_in_check_counts_as_allow (SIGSEGV, and exit 3)"
like "$out" "$T/segv: allow: abnormal end \(signal 11\); its veto was not counted \(check-failure allow\) \(signaled 11" \
    "the crash is reported as signal 11, its veto as not counted"
like "$out" "$T/fails: allow: abnormal end \(exit 3\); its veto was not counted \(check-failure allow\) \(exited 3" \
    "the failure is reported as exit 3, its veto as not counted"

# --- check-failure veto turns abnormal ends into vetoes
echo "exit-point QIBM_QWC_SUSPEND check-failure veto" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 1 "configuration reloaded"
run "$EXITCTL" check --validate
is "$status" 1 "check_failure_veto_config_makes_a_crash_veto (after SIGHUP)"
like "$out" "vetoed by program 70 \($T/segv\)" "the crashed program is named"
: >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 2 "configuration reloaded"
"$EXITCTL" remove QIBM_QWC_SUSPEND 70 >/dev/null
"$EXITCTL" remove QIBM_QWC_SUSPEND 80 >/dev/null

# --- check timeout
prog slow "echo \$\$ >$T/slow.pid; sleep 60"
suspend 90 slow --check-timeout 1
t0=$(now_ms)
run "$EXITCTL" check --validate
t1=$(now_ms)
is "$status" 0 "check_timeout_counts_as_allow"
like "$out" "$T/slow: allow: abnormal end \(timed out\) \(check-failure allow\) \(timed-out" \
    "the program is reported as timed out"
[ $((t1 - t0)) -lt 5000 ]
ok $? "check ends at the program's timeout of 1 s, not its 60 s ($((t1 - t0)) ms)"
"$EXITCTL" remove QIBM_QWC_SUSPEND 90 >/dev/null

# --- unsafe program
prog open
suspend 95 open
chmod 777 "$T/open"
run "$EXITCTL" check --validate
is "$status" 0 "a refused program counts as allow"
like "$out" "$T/open: allow: abnormal end \(refused\).*writable by everyone" \
    "program_writable_by_others_is_refused with the reason"
is "$(calls open .)" 0 "the refused program did not run"

# --- an unreadable registry starts no operation
mv "$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND" "$T/suspend.saved"
: >"$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND"
run "$EXITCTL" check
is "$status" 74 "unreadable_registry_starts_no_operation (not one that asks nobody)"
like "$err" "exitd refused: Not a directory" "the error says why"
like "$(cat "$exitd_log")" "registry: cannot load QIBM_QWC_SUSPEND" "and exitd logs it"
rm "$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND"
mv "$T/suspend.saved" "$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND"
run "$EXITCTL" check --validate
is "$status" 0 "operations start again once the registry is back"

# --- idle: no timers, no polling (the voluntary context switches of an
# idle process do not move)
cs() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$exitd_pid/status"; }
before=$(cs)
sleep 1.5
is "$(cs)" "$before" "no_wakeups_while_idle (1.5 s after the last operation)"

stop_exitd
ok $? "exitd stops cleanly on SIGTERM"
done_testing
