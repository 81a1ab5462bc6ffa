#!/bin/sh
# The exitpt drmgr hook under drmgr's conditions (tests/drmgr-run): check
# is Check (a veto fails drmgr's check, naming who vetoed and why, and
# undocheck's Cancel reaches only those that allowed), pre is Prepare (a
# repeated pre does not run it again), post is Complete when the machine
# identity changed since pre and Cancel when it did not.
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

stop_exitd
ok $? "exitd stops cleanly"
done_testing
