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

for m in Check Prepare Cancel Complete; do
	case $m in
	Check) nobody_send Check string:migration boolean:false ;;
	Complete) nobody_send Complete uint64:1 uint32:0 ;;
	*) nobody_send $m uint64:1 ;;
	esac
	like "$err" 'org.freedesktop.DBus.Error.AccessDenied' \
	    "policy_denies_driving_to_an_ordinary_user: $m"
done
nobody_send ListParticipants
unlike "$err" 'AccessDenied' "policy_lets_anyone_list_participants"
like "$out$err" 'array \[|UnknownMethod' "and the call reaches exitd"
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
    --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
    org.freedesktop.DBus.Introspectable.Introspect
like "$out" '<node' "policy_lets_anyone_introspect"
run as_user nobody "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.RequestName \
    string:org.exitpt.Exitd1 uint32:0
like "$err" 'AccessDenied' "policy_denies_the_name_to_an_ordinary_user"

done_testing
