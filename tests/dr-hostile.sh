#!/bin/sh
# A hostile local user against dr_reconfig() registrations (issue 10):
# exitd takes the peer's pid from SO_PEERCRED, which names the process that
# connected.  Once that process has ended and its pid belongs to another
# user's process, the connection must not register that process (exitd
# would signal it: it never asked) nor acknowledge or veto for it.  And
# one user's flood of registrations must leave room for root's processes.
#
# The pid is handed on on purpose: the test runs in a pid namespace of its
# own (unshare) and sets ns_last_pid, so nothing else takes the pid.
if [ -z "${DR_HOSTILE_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1 ||
	    [ -z "${SETPRIV:-}" ] || ! command -v unshare >/dev/null 2>&1; then
		echo "1..0 # SKIP needs root, user nobody, setpriv and unshare"
		exit 0
	fi
	if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
		echo "1..0 # SKIP cannot make a pid namespace (unshare --pid)"
		exit 0
	fi
	DR_HOSTILE_NS=1 exec unshare --pid --fork --mount-proc /bin/sh "$0" \
	    "$@"
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

FORGE="$top_builddir/tests/dr-forge"
DRPROC="$top_builddir/tests/dr-proc"
if ! as_user nobody test -x "$FORGE"; then
	echo "1..0 # SKIP user nobody cannot run the test programs"
	exit 0
fi

echo "dr-timeout 2" >"$EXITPT_CONFIG"
start_exitd -v
ok $? "exitd starts"

# squat: as nobody, connect and let the connecting process end; its pid is
# in $squat, the surviving connection takes commands on $T/cmd (fd 5).
squat() {
	rm -f "$T/cmd"
	mkfifo "$T/cmd"
	chmod 666 "$T/cmd"
	: >"$T/squat.out"
	chmod 666 "$T/squat.out"
	as_user nobody env EXITPT_SOCKET="$EXITPT_SOCKET" "$FORGE" squat \
	    <"$T/cmd" >>"$T/squat.out" &
	bg=$!
	exec 5>"$T/cmd"
	# Reap it (as_user's subshell does): until then its pid is not free.
	wait "$bg"
	squat=$(sed -n 's/^squat //p' "$T/squat.out")
}
# handed_on PID: PID went to the process just started, as planned; else
# the rest is skipped.
handed_on() {
	[ "$1" = "$squat" ] && return 0
	ok 0 "# SKIP the pid was not handed on ($squat, then $1)"
	kill -KILL "$1"
	stop_exitd
	done_testing
	exit
}
# next_pid PID: the next process started gets PID (Linux's ns_last_pid).
next_pid() {
	echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
}
# say CMD: a command to the squatting connection; waits for its answer.
say() {
	n=$(wc -l <"$T/squat.out")
	echo "$1" >&5
	wait_grep "$T/squat.out" $((n + 1)) '^'
}

# --- a root process that catches signal 58 for its own use (no shim)
squat
next_pid "$squat"
"$FORGE" victim >"$T/victim.out" &
victim=$!
handed_on "$victim"
wait_grep "$T/victim.out" 1 '^ready'
say "register $victim"
unlike "$(tail -1 "$T/squat.out")" "^registered 0$" \
    "registering_another_users_process_through_a_reused_pid_is_refused"
like "$(cat "$exitd_log")" "dr registration of pid $victim refused: not authorized" \
    "and exitd says so"
run "$EXITCTL" check --validate
is "$status" 0 "a validation"
unlike "$out" "pid $victim " "the victim is no participant"
unlike "$(cat "$T/victim.out")" "signalled" \
    "a_process_that_never_registered_is_never_signalled"
kill -KILL "$victim"
wait "$victim" 2>/dev/null

# --- a root dr_reconfig() process that never acknowledges: nobody's old
# connection, now carrying its pid, must not acknowledge nor veto for it
mkfifo "$T/proc.ready"
squat
# Nothing may start between here and the process that is to get the pid.
next_pid "$squat"
"$DRPROC" silent >"$T/proc.out" 3>"$T/proc.ready" &
victim=$!
read -r _ _ <"$T/proc.ready"
handed_on "$victim"
"$EXITCTL" check --validate >"$T/check.out" 2>&1 &
check=$!
wait_grep "$T/proc.out" 1 '^check '
# Its first phase's token is 1: guessable, and sent as a veto.
say "ack 1 2"
wait "$check"
is "$?" 0 "a forged DR_EVENT_FAIL does not veto"
like "$(cat "$T/check.out")" "pid $victim .*did not acknowledge check in time" \
    "acknowledging_for_another_users_process_through_a_reused_pid_is_dropped"
kill -KILL "$victim"
wait "$victim" 2>/dev/null
stop_exitd

# --- a flood of registrations from one user does not leave root's
# processes out (never asked in a Check, unable to veto).  exitd's
# descriptor limit makes its table small: 200 descriptors, 33 places.
printf '#!/bin/sh\nulimit -n 200 && exec "%s" "$@"\n' "$EXITD" >"$T/exitd-200"
chmod 755 "$T/exitd-200"
EXITD="$T/exitd-200" start_exitd -v
ok $? "exitd starts with 200 descriptors"
: >"$T/flood.out"
: >"$T/flood.pids"
chmod 666 "$T/flood.out" "$T/flood.pids"
flood_cleanup() {
	for p in $(cat "$T/flood.pids" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}
at_exit flood_cleanup
as_user nobody env EXITPT_SOCKET="$EXITPT_SOCKET" sh -c '
	i=0
	while [ $i -lt 40 ]; do
		"$1" nohandler >>"$2" 3>&- &
		echo $! >>"$3"
		i=$((i + 1))
	done' sh "$DRPROC" "$T/flood.out" "$T/flood.pids"
# Each says "query ..." once its library's first registration is over.
wait_grep "$T/flood.out" 40 '^query '
ok $? "nobody runs 40 dr_reconfig() processes"
# Registered now (exitd's log would count a process whose registration
# was answered too late for it, and that registered again, twice).
run "$EXITCTL" participants --json
n=$(printf '%s\n' "$out" | python3 -c 'import json, sys
print(sum(1 for p in json.load(sys.stdin)
    if p["kind"] == "dr" and p["details"]["uid"] == int(sys.argv[1])))' \
    "$(id -u nobody)")
ok $((n > 0 && n < 40 ? 0 : 1)) "of which exitd registers some ($n), not all"
mkfifo "$T/root.ready"
"$DRPROC" handler >"$T/root.out" 3>"$T/root.ready" &
root=$!
read -r _ _ <"$T/root.ready"
wait_log 1 "dr: pid $root (dr-proc) uid 0 registered"
ok $? "a_flood_of_registrations_from_one_user_leaves_a_place_for_root"
run "$EXITCTL" check
is "$status" 0 "a check"
wait_grep "$T/root.out" 1 '^ack check DR_RECONFIG_DONE rc 0'
ok $? "in which root's process is signalled"
run "$EXITCTL" cancel
kill -TERM "$root"
wait "$root"
flood_cleanup
stop_exitd
done_testing
