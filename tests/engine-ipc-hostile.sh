#!/bin/sh
# exitd's Check against another user's critical section table (issue 9,
# cases 2 and 3): a slot forged as held by pid 1 does not veto, a dozen
# empty mode-000 tables cost Check no time, and a table marked "being
# written" and cut short while exitd reads it neither kills nor stalls
# exitd.  Needs root and user nobody.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and user nobody"
	exit 0
fi
NB=$(id -u nobody)

prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=5'
suspend 10 a
start_exitd
ok $? "exitd starts"

# slot I PID START STATE NAME: forge slot I of nobody's table as nobody
# could (object header 128 bytes, slots of 64: word, start, since, filled).
slot() {
	python3 -c 'import struct, sys, time
i, pid, start, state = (int(a) for a in sys.argv[2:6])
s = struct.pack("<QQqI", (77 << 32) | (pid << 2) | state, start,
    int(time.time()), 77) + sys.argv[6].encode().ljust(36, b"\0")
with open(sys.argv[1], "r+b") as f:
    f.seek(128 + i * 64); f.write(s)' "$tab" "$@"
}

as_user nobody "$EXITCTL" critical warm -- true
tab="$EXITPT_RUNTIME_DIR/u/$NB/critical"
ok "$(test -f "$tab"; echo $?)" "nobody has a critical section table"

# --- case 2: a forged holder
start1=$(sed 's/.*) //' /proc/1/stat | cut -d' ' -f20)
slot 3 1 "$start1" 2 systemd
run "$EXITCTL" check --validate
is "$status" 0 "check_allows_despite_a_slot_forged_as_pid_1"
unlike "$out" "systemd" "and names no forged holder"
slot 3 $$ "$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f20)" 2 rootshell
run "$EXITCTL" check --validate
is "$status" 0 "nor a slot naming a process of another user"

# --- case 3: mode-000 tables
i=0
while [ $i -lt 12 ]; do
	as_user nobody sh -c "mkdir -m 755 '$EXITPT_RUNTIME_DIR/u/$NB.zero$i' &&
	    : >'$EXITPT_RUNTIME_DIR/u/$NB.zero$i/critical' &&
	    chmod 000 '$EXITPT_RUNTIME_DIR/u/$NB.zero$i/critical'"
	i=$((i + 1))
done
t0=$(now_ms)
run "$EXITCTL" check --validate
t1=$(now_ms)
is "$status" 0 "a_dozen_mode_000_tables_veto_nothing"
ok "$([ $((t1 - t0)) -lt 3000 ]; echo $?)" \
    "and cost Check no waiting ($((t1 - t0)) ms; one second each before)"

# --- case 3: "being written", cut short and grown while exitd reads
as_user nobody sh -c 'echo $$ >"$1"; while [ -e "$2" ]; do
	truncate -s 600 "$2"; truncate -s 200000 "$2"; done' sh "$EXITPT_RUNTIME_DIR/u/$NB/cutter.pid" "$tab" &
cutjob=$!
wait_file "$EXITPT_RUNTIME_DIR/u/$NB/cutter.pid"
cutter=$(cat "$EXITPT_RUNTIME_DIR/u/$NB/cutter.pid")
stop_cutter() { kill "$cutter" 2>/dev/null; }
at_exit stop_cutter
bad=0
i=0
while [ $i -lt 40 ]; do
	"$EXITCTL" check --validate >/dev/null 2>&1
	rc=$?
	[ $rc -le 1 ] || bad=$((bad + 1))
	i=$((i + 1))
done
stop_cutter
wait "$cutjob" 2>/dev/null
is "$bad" 0 "forty_checks_answer_while_the_table_is_cut_and_grown"
ok "$(kill -0 "$exitd_pid"; echo $?)" "exitd_survives (no SIGBUS)"
unlike "$(cat "$exitd_log")" "SIGBUS|Bus error" "and logged no fault"
stop_exitd
is "$?" 0 "exitd stops cleanly"

done_testing
