# Helpers for tests that run a real exitd: source after tests/lib.sh.
# exitd listens on a private socket in the test's temporary directory and
# says it is ready on a FIFO (--ready-fd), so nothing sleeps to wait.

EXITD="$top_builddir/exitd/exitd"
export EXITPT_SOCKET="$TEST_TMP/exitd.sock"
T=$TEST_TMP
exitd_pid=
exitd_log="$T/exitd.log"
# exitd's system bus is the test's own ($T/bus, started by tests/dbus-lib.sh
# when a test wants one), never the machine's.
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus"

# start_exitd [ARGS]: start exitd in the foreground and wait until it
# listens; fails if it exits first.
start_exitd() {
	rm -f "$T/ready"
	mkfifo "$T/ready" || return 1
	"$EXITD" -f --ready-fd 3 "$@" 3>"$T/ready" 2>>"$exitd_log" &
	exitd_pid=$!
	read -r exitd_ready <"$T/ready"
	[ "$exitd_ready" = READY=1 ]
}

# stop_exitd: SIGTERM and reap; returns exitd's exit status.
stop_exitd() {
	[ -n "$exitd_pid" ] || return 0
	kill -TERM "$exitd_pid" 2>/dev/null
	wait "$exitd_pid"
	rc=$?
	exitd_pid=
	return $rc
}

# kill_exitd: SIGKILL, as a crash would.
kill_exitd() {
	kill -KILL "$exitd_pid" 2>/dev/null
	wait "$exitd_pid" 2>/dev/null
	exitd_pid=
}

exitd_cleanup() {
	[ -n "$exitd_pid" ] && kill -KILL "$exitd_pid" 2>/dev/null
	# Exit programs left behind by a killed exitd record their pids.
	for f in "$T"/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	cgroup_cleanup
	return 0
}

# cgroups_in_use: true when exitd's log says it runs programs in cgroups.
cgroups_in_use() {
	grep -Eq "containment: (a cgroup per exit program run|exit programs run in a cgroup of exitd's)" \
	    "$exitd_log"
}

# cgroup_cleanup: end and remove the run cgroups a killed exitd left
# (each exitd names its cgroup directory in its log).
cgroup_cleanup() {
	[ -f "$exitd_log" ] || return 0
	sed -n 's/.*containment: .*, below //p' \
	    "$exitd_log" | sort -u | while read -r d; do
		[ -d "$d" ] || continue
		for r in "$d"/run-*; do
			[ -d "$r" ] || continue
			echo 1 >"$r/cgroup.kill" 2>/dev/null
			i=0
			while grep -q 'populated 1' "$r/cgroup.events" 2>/dev/null &&
			    [ $i -lt 200 ]; do
				sleep 0.01
				i=$((i + 1))
			done
			rmdir "$r" 2>/dev/null
		done
		rmdir "$d" 2>/dev/null
	done
	return 0
}

at_exit exitd_cleanup

# prog NAME [BODY]: an exit program $T/NAME that first appends a line
# "PHASE REQUEST SYSTEM_STATE" to $T/NAME.calls, then runs BODY.
prog() {
	make_prog "$T/$1" "echo \"\$EXITPT_PHASE \${EXITPT_REQUEST:--} \${EXITPT_SYSTEM_STATE:--}\" >>$T/$1.calls
${2:-exit 0}"
}

# calls NAME PATTERN: how many of NAME's calls match PATTERN.
calls() {
	if [ -f "$T/$1.calls" ]; then
		grep -c -- "$2" "$T/$1.calls"
	else
		echo 0
	fi
}

# suspend NUMBER NAME [OPTIONS]: register $T/NAME on QIBM_QWC_SUSPEND.
suspend() {
	n=$1; p=$2; shift 2
	"$EXITCTL" add QIBM_QWC_SUSPEND "$T/$p" --number "$n" "$@" >/dev/null
}

# resume NUMBER NAME [OPTIONS]: register $T/NAME on QIBM_QWC_RESUME.
resume() {
	n=$1; p=$2; shift 2
	"$EXITCTL" add QIBM_QWC_RESUME "$T/$p" --number "$n" "$@" >/dev/null
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until CMD...: run CMD every 50 ms until it succeeds, at most 10 s:
# what exitd does on a signal or an event is asynchronous.
wait_until() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
	return 0
}

# file_has FILE COUNT PATTERN: FILE holds COUNT lines matching PATTERN.
file_has() { [ "$(grep -c -- "$3" "$1")" -ge "$2" ]; }

# wait_grep FILE COUNT PATTERN: wait until FILE holds COUNT lines matching
# PATTERN.
wait_grep() { wait_until file_has "$@"; }

# follow_status: `exitctl status --follow`, as run does, at most 30 s: an
# operation that never ends fails the test instead of hanging it.
follow_status() { run timeout 30 "$EXITCTL" status --follow; }

# log_has COUNT PATTERN: exitd's log holds COUNT lines matching PATTERN.
log_has() { file_has "$exitd_log" "$1" "$2"; }

# wait_log COUNT PATTERN: wait until exitd's log holds COUNT lines
# matching PATTERN: this is where exitd says it has acted on a signal.
wait_log() { wait_until log_has "$1" "$2"; }

# wait_file PATH: wait until PATH exists and is not empty.
wait_file() { wait_until test -s "$1"; }
