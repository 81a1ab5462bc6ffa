# Helpers for tests on a private dbus-daemon: source after tests/lib.sh and
# tests/exitd-lib.sh.  The bus listens on $T/bus, the address exitd-lib.sh
# already gives exitd as its system bus; it says it is ready on a FIFO, so
# nothing sleeps to wait.  Without dbus-daemon the test is skipped.
#
# start_bus permissive: anyone may own any name and call anything.
# start_bus policy: a bus that behaves as the system bus does (method calls
#   and owning names denied by default) with exitd's shipped policy file
#   included, so that the policy itself is what the test exercises.

DBUS_DAEMON=$(command -v dbus-daemon) || {
	echo "1..0 # SKIP dbus-daemon is not installed (Debian: dbus-daemon)"
	exit 0
}
DBUS_SEND=$(command -v dbus-send)
bus_pid=
bus_kind=
BUS_ADDRESS="unix:path=$T/bus"

# bus_config KIND: write the configuration of that kind to $T/bus.conf.
bus_config() {
	{
		cat <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$BUS_ADDRESS</listen>
  <auth>EXTERNAL</auth>
XML
		if [ "$1" = permissive ]; then
			cat <<XML
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
XML
		else
			# As Debian's system.conf: deny by default, then
			# what every connection needs, then the policy.
			cat <<XML
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$top_builddir/exitd/org.exitpt.Exitd1.conf</include>
XML
		fi
		echo "</busconfig>"
	} >"$T/bus.conf"
}

# start_bus [KIND]: start the private bus (KIND as last time, else
# permissive) and wait until it listens.
start_bus() {
	bus_kind=${1:-${bus_kind:-permissive}}
	bus_config "$bus_kind"
	rm -f "$T/bus.ready"
	mkfifo "$T/bus.ready" || return 1
	"$DBUS_DAEMON" --nofork --nopidfile --config-file="$T/bus.conf" \
	    --print-address=3 3>"$T/bus.ready" 2>>"$T/bus.log" &
	bus_pid=$!
	read -r bus_ready <"$T/bus.ready"
	[ -n "$bus_ready" ]
}

# stop_bus [SIGNAL]: stop the bus (TERM by default, KILL leaves its
# socket behind as a crash would) and reap it.
stop_bus() {
	[ -n "$bus_pid" ] || return 0
	kill -"${1:-TERM}" "$bus_pid" 2>/dev/null
	{ wait "$bus_pid"; } 2>/dev/null
	bus_pid=
}

# At exit: stop the bus; after a failure, show what exitd and the bus
# logged, as TAP comments, before the temporary directory goes.
bus_cleanup() {
	if [ "$tap_fail" -gt 0 ]; then
		for f in "$exitd_log" "$T/bus.log"; do
			[ -f "$f" ] && tail -n 40 "$f" | sed "s|^|# $(basename "$f"): |"
		done
	fi
	[ -n "$bus_pid" ] && kill -KILL "$bus_pid" 2>/dev/null
	return 0
}
at_exit bus_cleanup

# bus_send ARGS...: dbus-send on the private bus, replies printed.
bus_send() {
	"$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply "$@"
}

# name_owner: the unique name owning org.exitpt.Exitd1, or nothing.
name_owner() {
	bus_send --dest=org.freedesktop.DBus / \
	    org.freedesktop.DBus.GetNameOwner string:org.exitpt.Exitd1 \
	    2>/dev/null | sed -n 's/^ *string "\(.*\)"$/\1/p'
}

VOTER="$top_builddir/tests/dbus-voter"

# wait_line FILE PATTERN [COUNT]: wait (at most 10 s) until FILE holds
# COUNT (default 1) lines matching PATTERN.
wait_line() {
	i=0
	while n=$(grep -c -- "$2" "$1" 2>/dev/null); [ "${n:-0}" -lt "${3:-1}" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
	return 0
}

# start_voter NAME [ARGS]: a scripted voter (tests/dbus-voter) named NAME
# at /test/NAME, its calls logged to $T/NAME.log; returns once exitd has
# registered it.  Its pid is in $T/NAME.pid (killed at exit).
start_voter() {
	v=$1; shift
	"$VOTER" --name "$v" --path "/test/$v" --log "$T/$v.log" "$@" \
	    >"$T/$v.out" 2>>"$T/$v.err" &
	echo $! >"$T/$v.pid"
	wait_line "$T/$v.out" '^registered'
}

# hold NAME ARGS...: a lock holder (tests/dbus-voter --inhibit, or with
# HOLDER=PROGRAM another name for it), ready once the lock is taken; its
# pid in $T/NAME.pid (stop it with stop_voter).
hold() {
	h=$1; shift
	"${HOLDER:-$VOTER}" "$@" >"$T/$h.out" 2>>"$T/$h.err" &
	echo $! >"$T/$h.pid"
	wait_line "$T/$h.out" '^inhibited'
}

# stop_voter NAME [SIGNAL]: end a voter and reap it.
stop_voter() {
	kill -"${2:-TERM}" "$(cat "$T/$1.pid")" 2>/dev/null
	{ wait "$(cat "$T/$1.pid")"; } 2>/dev/null
	rm -f "$T/$1.pid"
}

# voter_calls NAME PHASE: how many calls of PHASE the voter received.
voter_calls() {
	if [ -f "$T/$1.log" ]; then grep -c "^$2 " "$T/$1.log"; else echo 0; fi
}

# manager METHOD ARGS...: call org.exitpt.Exitd1.Manager.METHOD with
# dbus-send; status, out and err as run() leaves them.
manager() {
	m=$1; shift
	run "$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply \
	    --reply-timeout=60000 --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
	    "org.exitpt.Exitd1.Manager.$m" "$@"
}
