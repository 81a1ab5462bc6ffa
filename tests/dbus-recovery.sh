#!/bin/sh
# SPEC section 7 and rule 6: voters are journalled with their identity
# (connection's unique name + object path) and recovered.  exitd killed
# after Check comes back on the bus, the voter registers again when it
# sees exitd's name reappear (NameOwnerChanged), and gets its Cancel (or
# Complete) exactly once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

start_voter follower --answer 1,3, --follow
start_voter vetoer --answer '0,0,not now' --follow
start_voter allower --answer 1,2, --follow

# --- killed after an allowed Check; the driver cancels after the restart
stop_voter vetoer
run "$EXITCTL" check
is "$status" 0 "Check allowed by the voters"
kill_exitd
start_exitd
wait_log 2 'own org.exitpt.Exitd1'
wait_line "$T/follower.out" '^registered' 2
ok $? "the voter registers again when exitd reappears (NameOwnerChanged)"
run "$EXITCTL" cancel
is "$status" 2 "the recovered operation is cancelled"
is "$(voter_calls follower cancel)" 1 "recovered_voter_gets_cancel_exactly_once"
is "$(voter_calls allower cancel)" 1 "so does every voter that allowed"
run "$EXITCTL" cancel
is "$(voter_calls follower cancel)" 1 "a second cancel reaches nobody twice"
like "$(grep '"event":"call"' "$EXITPT_STATE_DIR/journal" | grep '"kind":"voter"' | tail -n 1)" \
    '"unique":":[0-9.]+","path":"/test/(follower|allower)"' \
    "the journal keeps the voter's unique name and path"

# --- killed after Prepare; the next exitd completes it, once per voter
run "$EXITCTL" check
run "$EXITCTL" prepare
is "$status" 0 "prepared"
kill_exitd
start_exitd
wait_log 3 'own org.exitpt.Exitd1'
wait_line "$T/follower.out" '^registered' 3
run "$EXITCTL" complete
is "$status" 0 "the recovered operation completes"
is "$(voter_calls follower complete)" 1 "recovered_voter_gets_complete_exactly_once"

# --- a voter that vetoed is never cancelled, also after a restart
start_voter vetoer2 --answer '0,0,busy' --follow
run "$EXITCTL" check
is "$status" 1 "vetoed"
kill_exitd
start_exitd
wait_log 4 'own org.exitpt.Exitd1'
run "$EXITCTL" cancel
is "$(voter_calls vetoer2 cancel)" 0 "a vetoing voter never gets Cancel"

stop_exitd
done_testing
