# Helpers for tests that run dr_reconfig() processes (tests/dr-proc):
# source after tests/exitd-lib.sh.

DRPROC="$top_builddir/tests/dr-proc"

# dr NAME MODE [-v]: start dr-proc (or $DRPROG, a link to it) in the
# background, its output in $T/NAME.out and its pid in $T/NAME.dpid (not
# .pid: exitd-lib kills those at exit, and a stopped process's pid may
# belong to another test by then); returns once it is set up (the library
# registers it before main runs, or, with no exitd to answer, leaves that
# to its thread).  It keeps none of the test's descriptors above 3.
dr() {
	name=$1
	shift
	rm -f "$T/$name.ready"
	mkfifo "$T/$name.ready"
	"${DRPROG:-$DRPROC}" "$@" >"$T/$name.out" 3>"$T/$name.ready" 4>&- 5>&- 6>&- \
	    7>&- 8>&- 9>&- &
	read -r _ p <"$T/$name.ready"
	echo "$p" >"$T/$name.dpid"
}
pid() { cat "$T/$1.dpid"; }
# out NAME: what the process printed so far.
out() { cat "$T/$1.out"; }
# wait_out NAME COUNT PATTERN: wait for COUNT lines of NAME's output
# matching PATTERN: a process prints after acknowledging, which may be just
# after exitd has gone on.
wait_out() { wait_grep "$T/$1.out" "$2" "$3"; }
# stop NAME: end a process and forget its pid.
stop() {
	kill -TERM "$(pid "$1")" 2>/dev/null
	wait "$(pid "$1")" 2>/dev/null
	rm -f "$T/$1.dpid"
}
# At exit, end the processes a failed check left running.
dr_cleanup() {
	for f in "$T"/*.dpid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	return 0
}
at_exit dr_cleanup
