#!/bin/sh
# SPEC section 7, the Manager: a real client (dbus-send) drives a whole
# migration and introspects; signals come in the engine's order with the
# ids of the journal; properties follow, with PropertiesChanged; bad
# arguments get D-Bus errors and exitd keeps running; every error of the
# contract carries its name.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

# --- introspection
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Introspectable.Introspect
is "$status" 0 "a real client introspects exitd"
like "$out" '<interface name="org.exitpt.Exitd1.Manager">' "the Manager interface"
like "$out" '<method name="RegisterVoter">' "with its methods"
like "$out" '<signal name="Answer">' "its signals"
like "$out" '<property name="Window" type="u" access="read"/>' "its properties"
printf '%s\n' "$out" | sed -e '1d' -e 's/^ *string "//' -e '$s/"$//' >"$T/introspect.xml"
if command -v xmllint >/dev/null 2>&1 && [ -f /usr/share/xml/dbus-1/introspect.dtd ]; then
	xmllint --noout --nonet --dtdvalid /usr/share/xml/dbus-1/introspect.dtd \
	    "$T/introspect.xml" 2>"$T/xmllint.err"
	ok $? "Introspect's answer is valid against the D-Bus DTD"
fi
manager ListParticipants
is "$status" 0 "ListParticipants answers"

# --- properties before the first operation
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Properties.GetAll \
    string:org.exitpt.Exitd1.Manager
like "$out" 'string "State"' "GetAll lists State"
like "$(printf '%s\n' "$out" | grep -A1 '"State"')" 'string "idle"' "State is idle"
like "$(printf '%s\n' "$out" | grep -A1 '"Operation"')" 'uint64 0' \
    "Operation is 0 before the first"

# --- a whole migration driven by dbus-send, watched by dbus-monitor
start_voter app --answer 1,2,
dbus-monitor --address "$BUS_ADDRESS" \
    "type='signal',sender='org.exitpt.Exitd1'" \
    "type='signal',interface='org.freedesktop.DBus'" >"$T/monitor.out" 2>&1 &
echo $! >"$T/monitor.pid"
wait_line "$T/monitor.out" 'member=NameAcquired'
manager Check string:migration boolean:false
is "$status" 0 "dbus_send_drives_check"
like "$out" 'string "allowed"' "Check: allowed"
op=$(printf '%s\n' "$out" | sed -n 's/^ *uint64 \([0-9]*\)$/\1/p')
hex=$(printf '%016x' "$op")
like "$(grep '"event":"operation-start"' "$EXITPT_STATE_DIR/journal" | tail -n 1)" \
    "\"op\":\"$hex\"" "the operation id is the journal's"
run "$EXITCTL" status --json
like "$out" "\"operation\": \"$hex\"" "and exitctl's"
manager Prepare uint64:"$op"
like "$out" 'string "prepared"' "dbus_send_drives_prepare"
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Properties.Get \
    string:org.exitpt.Exitd1.Manager string:State
like "$out" 'string "waiting"' "State is waiting between phases"
manager Complete uint64:"$op" uint32:0
like "$out" 'string "completed"' "dbus_send_drives_complete"
manager Prepare uint64:"$op"
like "$err" "^Error org.exitpt.Exitd1.Error.NoOperation: operation $hex is over \\(completed\\)" \
    "no_operation_says_the_operation_asked_for_is_over"
# The OperationEnded signal is the last: wait for it, then read them all.
wait_line "$T/monitor.out" 'member=OperationEnded'
kill "$(cat "$T/monitor.pid")"; rm -f "$T/monitor.pid"
members=$(sed -n 's/.*interface=org.exitpt.Exitd1.Manager; member=\([A-Za-z]*\)$/\1/p' \
    "$T/monitor.out" | tr '\n' ' ')
is "$members" "OperationStarted PhaseStarted Answer PhaseEnded PhaseStarted Answer PhaseEnded PhaseStarted Answer PhaseEnded OperationEnded " \
    "signals_in_order_for_a_full_migration"
like "$(grep -A1 'member=OperationStarted' "$T/monitor.out" | tail -n 1)" \
    "uint64 $op" "the signals carry the operation id"
awk '/member=Answer$/ { getline; for (i = 0; i < 8; i++) { getline; printf "%s|", $0 } print "" }' \
    "$T/monitor.out" | sed 's/   */ /g' >"$T/answers"
like "$(sed -n 1p "$T/answers")" \
    'string "check"\| string "voter"\| string "app"\| int32 1\| uint32 2\| string "answered"\| string ""' \
    "Answer: phase, kind, who, status, wait, end, reason"
like "$(grep -A3 'member=PhaseStarted' "$T/monitor.out" | grep -A1 'string "prepare"' | tail -n 1)" \
    'uint32 2' "PhaseStarted for Prepare carries the window"
like "$(grep -A3 'member=OperationEnded' "$T/monitor.out")" 'string "completed"' \
    "OperationEnded carries the outcome"
n=$(grep -c 'member=PropertiesChanged' "$T/monitor.out")
ok $([ "$n" -ge 4 ]; echo $?) "properties_emit_PropertiesChanged ($n times)"
like "$(grep -A12 'member=PropertiesChanged' "$T/monitor.out" | grep -A1 '"State"' | grep -c 'string "running"')" \
    '^[1-9]' "PropertiesChanged says running"
phases=$(grep -A1 'string "Phase"' "$T/monitor.out" | sed -n 's/.*variant *string "\(.*\)"$/\1/p' | tr '\n' ' ')
is "$phases" "check prepare complete " \
    "property_Phase_takes_only_the_phases_of_the_contract"
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Properties.GetAll \
    string:org.exitpt.Exitd1.Manager
like "$(printf '%s\n' "$out" | grep -A1 '"State"')" 'string "idle"' "State is idle again"
like "$(printf '%s\n' "$out" | grep -A1 '"Operation"')" "uint64 $op" "Operation is the last one"
like "$(printf '%s\n' "$out" | grep -A1 '"Phase"')" 'string "complete"' "Phase is the last one"
like "$(printf '%s\n' "$out" | grep -A1 '"Action"')" 'string "migration"' "Action"
like "$(printf '%s\n' "$out" | grep -A1 '"Window"')" 'uint32 2' "Window"
stop_voter app

# --- the contract's errors
start_voter sleepy --answer 1,1, --delay check=1500
"$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.exitpt.Exitd1.Manager.Check string:migration \
    boolean:false >/dev/null 2>&1 &
bg=$!
wait_line "$T/sleepy.log" '^check'
manager Check string:hibernation boolean:false
like "$err" '^Error org.exitpt.Exitd1.Error.Busy: operation [0-9a-f]{16} is running' \
    "Busy names the running operation"
wait "$bg"
manager Complete uint64:12345 uint32:0
like "$err" '^Error org.exitpt.Exitd1.Error.NoOperation' "NoOperation"
manager Complete uint64:0 uint32:0
like "$err" '^Error org.exitpt.Exitd1.Error.WrongPhase' "WrongPhase (Complete before Prepare)"
manager Cancel uint64:0
stop_voter sleepy

# --- malformed arguments: errors, never a crash
bad() {
	manager "$@"
	like "$err" "^Error org.freedesktop.DBus.Error.(InvalidArgs|UnknownMethod)" \
	    "malformed_arguments_get_an_error: $*"
}
bad Check string:migration
bad Check string:teleport boolean:false
bad Check int32:1 boolean:false
bad Prepare string:x
bad Complete uint64:0 uint32:7
bad Inhibit string:who string:why string:forever
bad Inhibit string:who string:why string:block int32:1
bad UnregisterVoter string:/x
bad ListParticipants string:extra
long=$(head -c 300 /dev/zero | tr '\0' x)
# Text arguments, in calls whose signature is right (dbus-send cannot
# build an a{sv}): exitctl inhibit and tests/dbus-voter (which, once
# registered, would stay: bounded).
text() {
	like "$err" "InvalidArgs: $1|$1.*InvalidArgs" \
	    "malformed_text_arguments_get_an_error: $2"
}
run "$EXITCTL" inhibit --who '' --why why -- true
text 'who: empty' "empty who"
run "$EXITCTL" inhibit --who "$long" --why why -- true
text 'who: 300 bytes, at most 256' "who too long"
esc=$(printf 'x\033[2J')
run "$EXITCTL" inhibit --who "$esc" --why why -- true
text 'who: control character 0x1b at byte 1' \
    "who with a control character (it would reach a terminal)"
run "$EXITCTL" inhibit --who who --why "$esc" -- true
text 'why: control character 0x1b' "why with a control character"
run timeout 10 "$VOTER" --name "$esc" --path /esc
text 'name: control character 0x1b' "voter name with a control character"
run timeout 10 "$VOTER" --name '' --path /empty
text 'name: empty' "empty voter name"
run timeout 10 "$VOTER" --name d --desc "$esc" --path /esc
text 'description: control character 0x1b' \
    "voter description with a control character"
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Properties.Get \
    string:org.exitpt.Exitd1.Manager string:Nope
like "$err" 'UnknownProperty' "an unknown property"
run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.freedesktop.DBus.Properties.Set \
    string:org.exitpt.Exitd1.Manager string:State variant:string:idle
like "$err" 'PropertyReadOnly' "properties are read-only"
# Options (a{sv}) need a client that can build them: tests/dbus-voter.
run "$VOTER" --name opt --path /opt --opt check_timeout=0
like "$err" 'InvalidArgs: check_timeout: 1..900 seconds, not 0' \
    "a timeout option out of range"
run "$VOTER" --name opt --path /opt --opt check_timout=5
like "$err" "InvalidArgs: unknown option 'check_timout'" "an unknown option"
run "$VOTER" --inhibit 'x,y,block,5'
like "$err" 'InvalidArgs: wait_time is an option of delay locks' \
    "wait_time on a block lock"
kill -0 "$exitd_pid"
ok $? "exitd_survives_malformed_arguments"
manager ListParticipants
is "$status" 0 "and answers afterwards"

stop_exitd
is "$?" 0 "exitd stops cleanly"
done_testing
