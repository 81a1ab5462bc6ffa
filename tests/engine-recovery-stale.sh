#!/bin/sh
# exitd SIGKILLed while a Prepare program still runs: the next exitd ends
# that program (its cgroup, or its process group checked by start time)
# before any Cancel or Complete can reach it, and journals that; a pid
# the journal names but that now belongs to another process is never
# hit.  Runs with exitd as subreaper, then with the programs in a cgroup
# of exitd's, then with a cgroup per run, where exitd may use cgroups.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

# slow: in Prepare records its pid and runs until SIGTERM (noting it);
# every call appends what it is to $T/order.
prog slow "if [ \"\$EXITPT_REQUEST\" = prepare ]; then
	trap 'echo prepare-ended-by-SIGTERM >>$T/order; exit 0' TERM
	echo prepare-running >>$T/order
	sleep 300 &
	echo \$\$ >$T/slow.pid
	wait
fi
[ -n \"\$EXITPT_REQUEST\" ] && echo \$EXITPT_REQUEST >>$T/order
exit 0"
suspend 10 slow

# journalled PID: wait until the journal names PID as a call's process.
# The program runs from the moment exitd's clone returns, a moment before
# exitd writes that record (on a loaded machine, or under strace, the
# program can get far first); a SIGKILL in between leaves nothing to
# recover, which is not what these cases are about.
journalled() {
	wait_grep "$EXITPT_STATE_DIR/journal" 1 "\"event\":\"process\".*\"process\":{\"pid\":$1,"
}

# hang_prepare: check, then a Prepare (pid in prep) whose program runs
# (pid in slow) and is journalled.
hang_prepare() {
	"$EXITCTL" check >/dev/null
	"$EXITCTL" prepare >/dev/null 2>&1 &
	prep=$!
	wait_file "$T/slow.pid"
	slow=$(cat "$T/slow.pid")
	journalled "$slow"
}

# crash MODE: check, a hanging prepare, SIGKILL exitd, restart it.
crash() {
	echo "containment $1" >"$EXITPT_CONFIG"
	rm -f "$T/order" "$T/slow.pid"
	start_exitd
	hang_prepare
	kill_exitd
	wait $prep
}

for mode in subreaper cgroup cgroup-per-run; do
	crash $mode
	if [ $mode != subreaper ] && ! cgroups_in_use; then
		kill -KILL -- "-$slow" 2>/dev/null
		for i in 1 2 3 4 5 6 7; do ok 0 "# SKIP no cgroup v2 exitd may use here"; done
		continue
	fi
	alive "$slow"
	ok $? "$mode: the Prepare program outlives the SIGKILLed exitd"
	start_exitd
	ok $? "$mode: a new exitd starts"
	gone "$slow"
	ok $? "${mode}_recovered_exitd_ends_the_old_prepare_program_before_anything_else"
	like "$(tail -n 20 "$EXITPT_STATE_DIR/journal")" '"event":"stale-ended".*"how":"ended by SIGTERM' \
	    "$mode: the journal records how it was ended"
	run "$EXITCTL" cancel
	is "$status" 2 "$mode: cancel after the restart"
	is "$(tr '\n' ' ' <"$T/order")" "prepare-running prepare-ended-by-SIGTERM cancel " \
	    "${mode}_cancel_reaches_the_program_only_after_its_prepare_ended"
	like "$(cat "$exitd_log")" "prepare program 10 $T/slow, started by the previous exitd: ended by SIGTERM" \
	    "$mode: exitd logs it"
	stop_exitd
done

# A program whose start took a while (strace delays its exec by 50 ms, as
# a cold disk or a busy machine would, and exitd's clone returns only once
# the child has exec'd): the start time the kernel gave it, at the clone,
# is still within what the journal says, so the next exitd ends it.  (It
# used to journal the tick after the clone returned, give or take one,
# and took the program for a reused pid.)
if strace -qq -o /dev/null -e trace=execve -e inject=execve:delay_enter=1000 \
    true 2>/dev/null; then
	real_exitd=$EXITD
	EXITD=$T/exitd-slow-exec
	printf '#!/bin/sh\nexec strace -f -qq -o /dev/null -e trace=execve,execveat -e inject=execveat:delay_enter=50000 "%s" "$@"\n' \
	    "$real_exitd" >"$EXITD"
	chmod 755 "$EXITD"
	tracer=
	stop_tracer() { [ -n "$tracer" ] && kill "$tracer" 2>/dev/null; return 0; }
	at_exit stop_tracer
	echo "containment subreaper" >"$EXITPT_CONFIG"
	rm -f "$T/order" "$T/slow.pid"
	start_exitd
	tracer=$exitd_pid
	hang_prepare
	# strace stays until the end: it still traces the program.
	kill -KILL "$(pgrep -P "$tracer" -x exitd)"
	wait $prep
	exitd_pid=
	EXITD=$real_exitd
	alive "$slow"
	ok $? "slow start: the Prepare program outlives the SIGKILLed exitd"
	start_exitd
	gone "$slow"
	ok $? "program_whose_exec_took_long_is_still_ended_after_a_restart"
	like "$(tail -n 20 "$EXITPT_STATE_DIR/journal")" '"event":"stale-ended".*"how":"ended by SIGTERM \(process group' \
	    "slow start: the journal says it was ended by SIGTERM"
	run "$EXITCTL" cancel
	is "$(tr '\n' ' ' <"$T/order")" "prepare-running prepare-ended-by-SIGTERM cancel " \
	    "slow start: cancel reaches the program only after its prepare ended"
	stop_exitd
	stop_tracer
	wait "$tracer" 2>/dev/null
	tracer=
else
	for i in 1 2 3 4; do ok 0 "# SKIP strace cannot delay a system call here"; done
fi

# A journalled pid that now names another process is left alone, even
# when that process leads a process group of the same session, as a
# reused pid would: its start time tells them apart.
crash subreaper
# (its whole process group: the sleep it started too)
kill -KILL -- "-$slow" 2>/dev/null
gone "$slow"
python3 -c 'import os; os.setpgid(0, 0); os.execvp("sleep", ["sleep", "300"])' &
other=$!
i=0
while [ "$(ps -o pgid= -p "$other" | tr -d ' ')" != "$other" ] && [ $i -lt 200 ]; do
	sleep 0.01
	i=$((i + 1))
done
is "$(ps -o pgid= -p "$other" | tr -d ' ')" "$other" "the other process leads its own process group"
python3 - "$EXITPT_STATE_DIR/journal" "$other" <<'PY'
import json, sys
path, pid = sys.argv[1], int(sys.argv[2])
lines = open(path).read().splitlines()
for i in range(len(lines) - 1, -1, -1):
    try:
        r = json.loads(lines[i])
    except ValueError:
        continue
    if r.get("event") == "process":
        r["process"]["pid"] = r["process"]["pgid"] = pid
        lines[i] = json.dumps(r, separators=(",", ":"))
        break
open(path, "w").write("\n".join(lines) + "\n")
PY
start_exitd
alive "$other"
ok $? "a_reused_pid_is_never_hit: the process now holding the journalled pid lives"
like "$(tail -n 20 "$EXITPT_STATE_DIR/journal")" '"event":"stale-ended".*"how":"it had already ended \(pid [0-9]+ now names another process\)' \
    "and the journal says the program had already ended"
kill "$other"
"$EXITCTL" cancel >/dev/null
stop_exitd
done_testing
