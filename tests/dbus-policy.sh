#!/bin/sh
# SPEC section 7, access: the shipped system-bus policy lets root (exitd's
# user) own org.exitpt.Exitd1 and drive, lets any user call the rest and
# read, and denies an ordinary user driving and owning the name.  The bus
# here behaves as the system bus does and includes the shipped policy.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 || [ -z "$SETPRIV" ]; then
	echo "1..0 # SKIP needs root, the user nobody and setpriv"
	exit 0
fi

start_bus policy
ok $? "the shipped policy file loads into dbus-daemon"
start_exitd
wait_log 1 'own org.exitpt.Exitd1 on the system bus'
ok $? "policy_lets_exitds_user_own_the_name"

# nobody_send METHOD ARGS...: call Manager.METHOD as nobody.
nobody_send() {
	m=$1; shift
	run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
	    --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
	    "org.exitpt.Exitd1.Manager.$m" "$@"
}

# nobody_drives PATTERN NAME: every driving method, called as nobody,
# fails with an error matching PATTERN.
nobody_drives() {
	for m in Check Prepare Cancel Complete; do
		case $m in
		Check) nobody_send Check string:migration boolean:false ;;
		Complete) nobody_send Complete uint64:1 uint32:0 ;;
		*) nobody_send $m uint64:1 ;;
		esac
		like "$err" "$1" "$2: $m"
	done
}

nobody_drives 'org.freedesktop.DBus.Error.AccessDenied' \
    policy_denies_driving_to_an_ordinary_user
nobody_send ListParticipants
unlike "$err" 'AccessDenied' "policy_lets_anyone_list_participants"
like "$out" 'array \[' "and the call reaches exitd"
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
    --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
    org.freedesktop.DBus.Introspectable.Introspect
like "$out" '<node' "policy_lets_anyone_introspect"
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.RequestName \
    string:org.exitpt.Exitd1 uint32:0
like "$err" 'AccessDenied' "policy_denies_the_name_to_an_ordinary_user"
manager Check string:migration boolean:true
like "$out" 'string "validated"' "policy_lets_root_drive"
# as_nobody NAME LINE ARGS...: tests/dbus-voter as nobody until it says LINE.
as_nobody() {
	f=$1; l=$2; shift 2
	as_user nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$VOTER" "$@" \
	    >"$T/$f.out" 2>"$T/$f.err" &
	echo $! >"$T/$f.pid"
	wait_line "$T/$f.out" "$l"
	r=$?
	stop_voter "$f"
	return $r
}
as_nobody nv '^registered' --name n --path /n
ok $? "policy_lets_anyone_register_a_voter"
# The system bus lets every user send anyone a signal: one that looks
# like the bus's NameOwnerChanged does not make another user's voter go.
start_voter root --answer '0,0,root says no'
victim=$(sed -n 's/^registered \([^ ]*\) .*/\1/p' "$T/root.out")
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --type=signal \
    --dest="$(name_owner)" /org/freedesktop/DBus \
    org.freedesktop.DBus.NameOwnerChanged string:"$victim" \
    string:"$victim" string:
is "$status" 0 "(the policy lets nobody send exitd that signal)"
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --type=signal \
    --dest="$(name_owner)" /org/freedesktop/DBus \
    org.freedesktop.DBus.NameLost string:org.exitpt.Exitd1
manager Check string:migration boolean:true
like "$err" 'Vetoed.*root says no' \
    "a_forged_NameOwnerChanged_does_not_unregister_a_voter"
unlike "$(cat "$exitd_log")" 'lost the name' \
    "a_forged_NameLost_is_not_the_bus_s_word"
stop_voter root
as_nobody ni '^inhibited' --inhibit 'n,why,delay,5'
ok $? "policy_lets_anyone_take_an_inhibitor"

# --- a bus that lets everything through: exitd refuses by itself
stop_exitd
stop_bus
start_bus permissive
start_exitd
wait_log 2 'own org.exitpt.Exitd1 on the system bus'
nobody_drives "AccessDenied: uid $(id -u nobody) may not drive operations" \
    exitd_refuses_driving_to_an_ordinary_user_itself
nobody_send Check string:nonsense
like "$err" 'AccessDenied' "the right is checked before the arguments"
nobody_send ListParticipants
like "$out" 'array \[' "an ordinary user may still list"
like "$(cat "$exitd_log")" 'control: uid [0-9]+ \(pid [0-9]+\) may not drive operations \([A-Za-z]+ over D-Bus, from :[0-9.]+\)' \
    "the refusal is logged with the caller, within the refusals' rate limit"
# Such a bus lets a caller answer exitd in the bus's stead: "uid 0".
FORGE="$top_srcdir/tests/dbus-forge.py"
run as_user nobody python3 "$FORGE" "$T/bus" check
like "$out" '^error org.freedesktop.DBus.Error.AccessDenied' \
    "exitd_believes_only_the_bus_about_a_caller (a forged uid 0 is refused)"
# ... or in a voter's stead: a forged veto is not the voter's answer.
start_voter slow --answer 1,1, --delay check=1500
mkfifo "$T/forge.in"
as_user nobody python3 "$FORGE" "$T/bus" voter <"$T/forge.in" \
    >"$T/forge.out" 2>&1 &
exec 5>"$T/forge.in"
wait_line "$T/forge.out" '^serial'
"$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
    /org/exitpt/Exitd1 org.exitpt.Exitd1.Manager.Check string:migration \
    boolean:true >"$T/check.out" 2>&1 &
bg=$!
wait_line "$T/slow.log" '^check'
echo go >&5
wait_line "$T/forge.out" '^sent'
exec 5>&-
wait "$bg"
unlike "$(cat "$T/check.out")" 'forged veto' \
    "exitd_believes_only_the_voter_about_its_answer (no forged veto)"
like "$(grep '"event":"answer"' "$EXITPT_STATE_DIR/journal" | tail -n 1)" \
    'an answer from :[0-9.]+, not from the voter' "and the journal says why"
stop_voter slow

# --- the admin group drives (configured in exitd.conf)
if grep -q '^nogroup:' /etc/group; then
	echo "admin-group nogroup" >"$EXITPT_CONFIG"
	kill -HUP "$exitd_pid"
	wait_log 1 'configuration reloaded'
	run "$SETPRIV" --reuid=nobody --regid=nogroup --init-groups -- \
	    "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
	    --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
	    org.exitpt.Exitd1.Manager.Check string:migration boolean:true
	like "$out" 'string "validated"' "a member of the admin group may drive"
fi

# --- voter-timeout-max caps what an ordinary user's voter and delay lock
# ask for (as logind's InhibitDelayMaxSec); root's are its own.
# Voters and locks taken before the setting was reloaded are capped too:
# the cap applies when they are used and listed.
as_user nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$VOTER" \
    --name capped --path /capped --opt check_timeout=900 \
    --opt complete_timeout=3600 --answer '1,900,ok' >"$T/capped.out" \
    2>"$T/capped.err" &
echo $! >"$T/capped.pid"
wait_line "$T/capped.out" '^registered'
as_user nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$VOTER" \
    --inhibit 'capdelay,why,delay,900' >"$T/capdelay.out" \
    2>"$T/capdelay.err" &
echo $! >"$T/capdelay.pid"
wait_line "$T/capdelay.out" '^inhibited'
echo "voter-timeout-max 5" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 2 'configuration reloaded'
manager Check string:migration boolean:true
like "$out" 'uint32 5$' \
    "voter_timeout_max_caps_the_window_an_ordinary_users_voter_asks_for (900 s)"
start_voter rootv --opt check_timeout=900
run "$EXITCTL" participants --json
parts=$out
field() {
	printf '%s' "$parts" | python3 -c 'import json, sys
for p in json.load(sys.stdin):
    if p["who"] == sys.argv[1]:
        print(p["details"].get(sys.argv[2]))' "$1" "$2"
}
is "$(field capped check_timeout_ms) $(field capped complete_timeout_ms)" \
    "5000 5000" "voter_timeout_max_caps_an_ordinary_users_voter_timeouts"
is "$(field capdelay wait_time_ms)" 5000 \
    "and the wait time of an ordinary user's delay lock"
is "$(field rootv check_timeout_ms)" 900000 "but not root's"
stop_voter capped
stop_voter capdelay
stop_voter rootv
echo "voter-timeout-max 0" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 1 'configuration not reloaded: .*voter-timeout-max'
ok $? "voter-timeout-max 0 is refused, naming the setting"
stop_exitd

done_testing
