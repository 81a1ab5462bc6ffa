#!/bin/sh
# The CRIU action script with the environment CRIU gives it (its own plus
# CRTOOLS_SCRIPT_ACTION, CRTOOLS_IMAGE_DIR, CRTOOLS_INIT_PID; standard input
# closed): pre-dump is Check then Prepare (a veto fails the dump, naming
# who and why), post-resume is Complete, every other action does nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

SCRIPT="$top_builddir/adapters/criu/criu-action"
# action NAME: run the script as CRIU runs it for action NAME.
action() {
	run env CRTOOLS_SCRIPT_ACTION="$1" CRTOOLS_IMAGE_DIR=/proc/$$/fd/1 \
	    CRTOOLS_INIT_PID=$$ "$SCRIPT" <&-
}

run "$SCRIPT"
is "$status" 64 "without CRTOOLS_SCRIPT_ACTION it is a usage error"
like "$err" "CRTOOLS_SCRIPT_ACTION is not set: this is an action script" \
    "saying what it is for"

action pre-dump
is "$status" 0 "exitd_not_running_lets_the_dump_go_on"
is "$err" "exitpt criu-action: exitd is not running (nothing listens on $EXITPT_SOCKET); the check before the dump was not done: start exitd so that applications take part" \
    "saying so in one line on standard error"

start_exitd
ok $? "exitd starts"
prog a
prog v '[ "$EXITPT_PHASE" = 1 ] && echo EXITPT_STATUS=0 &&
    echo "EXITPT_REASON=holds a device"; exit 0'
prog r
suspend 10 a
suspend 20 v
resume 10 r

# --- a veto fails the dump
action pre-dump
is "$status" 1 "pre_dump_veto_fails_the_dump (exit 1)"
like "$err" "exitpt criu-action: migration vetoed by program 20 \\($T/v\\): holds a device" \
    "naming_the_vetoer_and_its_reason on standard error"
like "$err" "the dump is refused" "and saying the dump is refused"
is "$(calls a '^2 cancel')$(calls a '^2 prepare')" 10 \
    "those that allowed got Cancel, nobody Prepare"
"$EXITCTL" remove QIBM_QWC_SUSPEND 20 >/dev/null
rm -f "$T"/*.calls

# --- a dump and a restore
action pre-dump
is "$status$err" 0 "pre_dump_runs_check_then_prepare (exit 0, silent)"
is "$(calls a '^1')$(calls a '^2 prepare')" 11 "a got Check and Prepare"
bad=
for act in pre-stream post-dump pre-restore post-restore network-lock \
    network-unlock setup-namespaces post-setup-namespaces pre-resume \
    orphan-pts-master status-ready query-ext-files pre-teleport; do
	action "$act"
	[ "$status$out$err" = 0 ] || bad="$bad $act($status $out $err)"
done
is "$bad" "" "every_other_action_succeeds_silently (CRIU's and a future one)"
run "$EXITCTL" status
like "$out" "prepare prepared" "with no effect: the operation still waits, prepared"
is "$(cat "$T"/*.calls | wc -l)" 2 "and no participant was called again"
action post-resume
is "$status$err" 0 "post_resume_runs_complete"
is "$(calls r '^4 - 0')" 1 "resume programs got Complete, system state 0"
run "$EXITCTL" status
like "$out" "complete completed" "the operation completed"

# --- a restore where no dump ran (another host): a resume-only Complete
rm -f "$T"/*.calls
action post-resume
is "$status$err" 0 "post_resume_without_an_open_operation_runs_resume_only"
is "$(calls r '^4 - 0')" 1 "resume programs got Complete"
is "$(calls a .)" 0 "suspend programs were not called"
like "$(grep '"operation-start"' "$EXITPT_STATE_DIR/journal" | tail -n 1)" \
    '"resume_only": ?true.*\(criu\)|\(criu\).*"resume_only": ?true' \
    "journalled as resume-only, driven by criu"

# --- exitd busy with another driver's operation
"$EXITCTL" check >/dev/null
action pre-dump
is "$status" 3 "a_busy_exitd_fails_the_dump (exit 3)"
like "$err" "exitd is busy with migration operation [0-9a-f]{16} \\(phase check, allowed\\) started by uid 0 pid [0-9]+ \\(exitctl\\); the check before the dump was refused" \
    "naming the operation in progress and who started it"
action post-resume
is "$status" 0 "post_resume_leaves_another_drivers_operation_alone"
like "$err" "busy with .*\\(exitctl\\); Complete after the restore was refused" \
    "saying so"
is "$(calls r '^4')" 1 "(no Complete)"
"$EXITCTL" cancel >/dev/null

# --- a dump that fails after pre-dump: the recovery timeout cancels
stop_exitd
echo "recovery-timeout 1" >>"$EXITPT_CONFIG"
start_exitd
rm -f "$T"/*.calls
action pre-dump
is "$status" 0 "pre-dump before a dump that will fail"
wait_log 1 "no driver within 1 s; cancelling"
ok $? "failed_dump_is_cancelled_by_the_recovery_timeout"
is "$(calls a '^2 cancel')" 1 "a got its Cancel"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
