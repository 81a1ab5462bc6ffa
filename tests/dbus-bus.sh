#!/bin/sh
# SPEC section 7: exitd on the bus.  D-Bus is optional at run time: with no
# bus exitd works and says so once; when the bus appears, goes away and
# comes back (also after a crash that leaves its socket behind), exitd
# connects again and takes org.exitpt.Exitd1 again.  --session-bus and
# DBUS_SESSION_BUS_ADDRESS select the session bus; --no-dbus none.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

# --- no bus at all
start_exitd
ok $? "exitd_works_with_no_bus: it starts"
run "$EXITCTL" check --validate
is "$status" 0 "exitd_works_with_no_bus: a validation runs"
is "$(grep -c 'no system bus' "$exitd_log")" 1 \
    "exitd_works_with_no_bus: it says so once"
like "$(grep 'no system bus' "$exitd_log")" "unix:path=$T/bus" \
    "the message names the address (DBUS_SYSTEM_BUS_ADDRESS)"

# --- the bus appears later: exitd connects without being told
start_bus permissive
wait_log 1 'own org.exitpt.Exitd1 on the system bus'
ok $? "bus_appears: exitd takes its name"
owner=$(name_owner)
like "$owner" '^:' "bus_appears: org.exitpt.Exitd1 has an owner"

# --- the bus goes away cleanly and comes back
stop_bus TERM
wait_log 1 'lost the system bus'
ok $? "bus_goes_away: exitd notices"
run "$EXITCTL" check --validate
is "$status" 0 "bus_goes_away: exitd still works"
start_bus
wait_log 2 'own org.exitpt.Exitd1 on the system bus'
ok $? "survives_bus_restart: exitd takes its name again"
like "$(name_owner)" '^:' "survives_bus_restart: the name has an owner"

# --- the bus crashes, leaving its socket behind, and is restarted
stop_bus KILL
wait_log 2 'lost the system bus'
ok $? "bus_killed: exitd notices"
start_bus
wait_log 3 'own org.exitpt.Exitd1 on the system bus'
ok $? "bus_killed_and_restarted: exitd takes its name again"
is "$(grep -c 'no system bus' "$exitd_log")" 1 \
    "absences after the first are logged once each, as a lost connection"
kill -0 "$exitd_pid"
ok $? "exitd survived three bus changes"
stop_exitd
is "$?" 0 "exitd stops cleanly while on the bus"
unset owner

# --- the session bus
: >"$exitd_log"
DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/none \
    start_exitd --session-bus
wait_log 1 'own org.exitpt.Exitd1 on the session bus'
ok $? "session_bus: --session-bus and DBUS_SESSION_BUS_ADDRESS are honoured"
stop_exitd

# --- queued behind another owner, then the owner
: >"$exitd_log"
stop_bus
start_bus
"$top_builddir/tests/dbus-voter" --own org.exitpt.Exitd1 >"$T/holder.out" &
holder=$!
wait_file "$T/holder.out"
start_exitd
wait_log 1 'waits in the queue'
ok $? "name_taken: exitd queues for its name"
kill -TERM "$holder"; wait "$holder"
wait_log 1 'own org.exitpt.Exitd1 on the system bus'
ok $? "name_released: exitd gets it"
stop_exitd

# --- no D-Bus wanted
: >"$exitd_log"
start_exitd --no-dbus
ok $? "--no-dbus starts"
like "$(cat "$exitd_log")" 'D-Bus: disabled' "--no-dbus says so"
unlike "$(cat "$exitd_log")" 'own org.exitpt' "and does not take the name"
stop_exitd

done_testing
