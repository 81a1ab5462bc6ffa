#!/bin/sh
# The exitpt drmgr hook under drmgr's conditions (tests/drmgr-run): check
# is Check (a veto fails drmgr's check, naming who vetoed and why, and
# undocheck's Cancel reaches only those that allowed; a later check
# supersedes one left waiting, as after an HMC Validate; another driver's
# operation is busy), pre is Prepare (a repeated pre does not run it
# again), post is Complete when the machine identity changed since pre and
# Cancel when it did not.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/drmgr-lib.sh"

start_exitd
ok $? "exitd starts"
prog a
prog c
prog v '[ "$EXITPT_PHASE" = 1 ] && echo EXITPT_STATUS=0 &&
    echo "EXITPT_REASON=backup of db1 running"; exit 0'
prog r
suspend 10 a
suspend 20 v
suspend 30 c
resume 10 r
hook 00-first
hook zz-last

# --- a veto
drmgr check
is "$status" 1 "migrate_with_a_veto_fails_drmgrs_check"
like "$out" "^exitpt: migration vetoed by program 20 \\($T/v\\): backup of db1 running$" \
    "the_output_names_the_vetoer_and_its_reason"
is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"
is "$(calls a '^2 cancel')$(calls c '^2 cancel')$(calls v '^2')" 110 \
    "undocheck_reaches_only_those_that_allowed (a, c cancelled once; v not)"
is "$(cat "$T/00-first.calls" | tr '\n' ' ')" "check undocheck " \
    "the other hooks ran check and undocheck"
run "$EXITCTL" status
like "$out" "vetoed" "the operation ended vetoed"
"$EXITCTL" remove QIBM_QWC_SUSPEND 20 >/dev/null
rm -f "$T"/*.calls

# --- a name holding control characters cannot forge what the HMC shows
# (a carriage return over the line, an escape sequence): such a program is
# never registered, and the hook's check sees only the real participants
forged="$T/$(printf 'w\rexitpt: exitd is not running\033[2J')"
make_prog "$forged" '[ "$EXITPT_PHASE" = 1 ] && echo EXITPT_STATUS=0 &&
    echo "EXITPT_REASON=busy"; exit 0'
run "$EXITCTL" add QIBM_QWC_SUSPEND "$forged" --number 40
is "$status" 64 "a program whose path holds control characters is refused"
drmgr check
is "$status" 0 "so the hook's check is not vetoed by it"
unlike "$out" '[[:cntrl:]]' "veto_line_holds_no_control_characters"
drmgr undocheck
rm -f "$T"/*.calls

# --- another hook fails the check: undocheck cancels those that allowed
hook 50-veto 'exit 1'
drmgr check
is "$status" 1 "another hook failing the check fails drmgr's check"
is "$out" "" "the exitpt hook prints nothing when applications allowed"
is "$(calls a '^1')$(calls a '^2 cancel')" 11 \
    "undocheck_after_another_hooks_failure_cancels (a)"
run "$EXITCTL" status
like "$out" "cancel cancelled" "the operation ended cancelled"
rm -f "$HOOKS/pmig/50-veto" "$T"/*.calls

# --- validate only: the HMC validates, then validates again
drmgr check
is "$status$out" 0 "validate_only: the check passes silently"
id1=$("$EXITCTL" status --json | sed -n 's/.*"operation": "\([0-9a-f]*\)".*/\1/p')
run "$EXITCTL" status
like "$out" "check allowed" "and its operation waits for pre"
drmgr check
is "$status$out" 0 "a_later_check_supersedes_the_waiting_one (no busy)"
is "$(calls a '^2 cancel')$(calls c '^2 cancel')" 11 \
    "the superseded operation's Cancel reached those that allowed"
is "$(calls a '^1')" 2 "and a fresh Check ran"
like "$(grep '"operation-end"' "$EXITPT_STATE_DIR/journal" | grep "$id1")" \
    '"outcome": ?"cancelled".*"superseded_by": ?"[0-9a-f]{16}"' \
    "the superseded operation is journalled so"
run "$EXITCTL" status
like "$out" "check allowed" "the new operation waits for pre"
unlike "$out" "$id1" "and is another one"
"$EXITCTL" cancel >/dev/null
rm -f "$T"/*.calls

# --- another driver's operation is busy, named
"$EXITCTL" check >/dev/null
drmgr check
is "$status" 1 "another_drivers_operation_fails_drmgrs_check"
like "$out" "^exitpt: exitd is busy with migration operation [0-9a-f]{16} \\(phase check, allowed\\) started by uid 0 pid [0-9]+ \\(exitctl\\); the migration check was refused" \
    "naming the operation and its driver"
like "$err" "hook '$HOOKS/pmig/exitpt' exited with status 3" \
    "the hook exits 3, busy"
is "$(calls a '^2 cancel')" 0 "exitctl's operation is left alone"
"$EXITCTL" cancel >/dev/null
rm -f "$T"/*.calls

# --- a migration: check, pre, pre again, post on another machine
drmgr check
is "$status" 0 "a check that everybody allows passes"
is "$out" "" "silently"
drmgr pre pre
is "$(calls a '^2 prepare')$(calls c '^2 prepare')" 11 \
    "repeated_pre_runs_prepare_once"
is "$out" "" "a repeated pre is no error"
identity machine-B
drmgr post
is "$(calls r '^4 - 0')" 1 "post_after_an_identity_change_runs_complete"
is "$(calls a '^2 cancel')" 0 "and no cancel"
run "$EXITCTL" status
like "$out" "complete completed" "the operation completed"
rm -f "$T"/*.calls

# --- a migration that did not happen: post on the same machine
drmgr check pre
identity machine-B
drmgr post
is "$(calls a '^2 cancel')$(calls c '^2 cancel')" 11 \
    "post_without_an_identity_change_runs_cancel"
is "$(calls r '^4')" 0 "and no complete"
drmgr post
is "$status$out" 0 "post_without_a_recorded_pre_does_nothing"
is "$(calls a '^2 cancel')" 1 "no second cancel"
rm -f "$T"/*.calls

# --- pre without check: a new Check first, then Prepare
drmgr pre
is "$(calls a '^1')$(calls a '^2 prepare')" 11 \
    "pre_without_a_check_runs_check_then_prepare"
drmgr post
is "$(calls a '^2 cancel')" 1 "and its post cancels on the same machine"

# --- the identity file cannot be read at post: Complete, said so
rm -f "$T"/*.calls
drmgr check pre
rm -f "$T/system-id"
drmgr post
like "$out" "cannot read the machine identity $T/system-id: No such file" \
    "an unreadable identity is said"
like "$out" "running Complete as after a migration" "and Complete runs"
is "$(calls r '^4')" 1 "resume programs were called"
identity machine-A

# --- exitd restarted between check and pre
drmgr check
stop_exitd
start_exitd
rm -f "$T"/*.calls
drmgr pre
like "$out" "cannot be prepared any more .*; checking again" \
    "pre_after_an_exitd_restart_checks_again (a recovered operation is not prepared)"
is "$(calls a '^2 cancel')$(calls a '^1')$(calls a '^2 prepare')" 111 \
    "the recovered operation was superseded: Cancel, then Check and Prepare"
drmgr post
is "$(calls a '^2 cancel')" 2 "and post cancels the new one on the same machine"

# --- the recovery timeout ended the operation before post
stop_exitd
echo "recovery-timeout 1" >>"$EXITPT_CONFIG"
start_exitd
rm -f "$T"/*.calls
drmgr check pre
wait_log 1 "no driver within 1 s; cancelling"
identity machine-C
drmgr post
like "$out" "was over before post; running Complete alone: raise recovery-timeout" \
    "post_after_the_recovery_timeout_says_how_to_avoid_it"
is "$(calls r '^4 - 0')" 1 "post_after_a_move_still_completes (resume-only)"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
