#!/bin/sh
# A leftover that never holds still cannot outlive its call either: an
# exit program run as nobody leaves a process that forks, lets its parent
# exit and calls setsid in the child, thousands of generations a second,
# each re-parented to exitd (the subreaper) in a session of its own.  A
# sweep that lists processes first and signals them after hits only pids
# that are already gone; exitd must signal each one as it finds it and
# sweep again until nothing is left.  After Check, Prepare, Cancel and
# Complete alike, nothing of it is alive (its heartbeat stops, no process
# runs its program); a hopper that ignores SIGTERM gets SIGKILL after the
# grace.  Cgroup containment ends such a hopper with cgroup.kill; this
# test runs exitd as the child subreaper.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

need_root_nobody
echo "containment subreaper" >"$EXITPT_CONFIG"

# The hoppers write their heartbeats into $T/hb and stop when it goes
# (with the test's directory, whatever exitd did).
mkdir "$T/hb" && chown nobody "$T/hb" || exit 99
# hop: forks a hopper; once it is 100 generations on, exits.  The hopper
# appends its generation count to $T/hb/beat.<phase> every 10 ms and
# ignores SIGTERM when $T/hb/stubborn.<phase> exists.
cat >"$T/hop" <<EOF
#!/usr/bin/python3
import os, signal, sys, time
ph = os.environ.get("EXITPT_PHASE", "")
if os.environ.get("EXITPT_REQUEST"):
    ph += "-" + os.environ["EXITPT_REQUEST"]
hb = "$T/hb"
if os.path.exists(hb + "/stubborn." + ph):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
r, w = os.pipe()
if os.fork() == 0:
    os.closerange(0, w)
    os.closerange(w + 1, 1024)
    n = last = 0
    while os.path.isdir(hb):
        if os.fork() != 0:
            os._exit(0)
        os.setsid()
        n += 1
        if n == 100 or time.monotonic() - last >= 0.01:
            last = time.monotonic()
            with open(hb + "/beat." + ph, "a") as f:
                f.write("%d\n" % n)
        if n == 100:
            os.write(w, b"x")
            os.close(w)
    os._exit(0)
os.close(w)
os.read(r, 1)
sys.exit(0)
EOF
chmod 755 "$T/hop"
suspend 10 hop --user nobody
resume 10 hop --user nobody

start_exitd
ok $? "exitd starts"

# still PHASE TEXT: after a phase answered, its hopper had hopped and
# nothing of it runs: its heartbeat has stopped and no process runs hop.
still() {
	b="$T/hb/beat.$1"
	n=$(tail -n 1 "$b" 2>/dev/null)
	ok "$([ "${n:-0}" -ge 100 ]; echo $?)" \
	    "$2: the program left a hopper (${n:-0} generations seen)"
	s1=$(wc -c <"$b" 2>/dev/null)
	sleep 0.5
	s2=$(wc -c <"$b" 2>/dev/null)
	ok "$([ -n "$s1" ] && [ "$s1" = "$s2" ]; echo $?)" \
	    "${2}_hopper_heartbeat_stopped_when_the_phase_answered ($s1 -> $s2 bytes)"
	left=$(pgrep -f "^/usr/bin/python3 $T/hop" | tr '\n' ' ')
	is "$left" "" "${2}_no_process_of_the_hopper_left"
}

run "$EXITCTL" check
is "$status" 0 "check allowed"
still 1 check
run "$EXITCTL" prepare
is "$status" 0 "prepare ran"
still 2-prepare prepare
run "$EXITCTL" complete
is "$status" 0 "complete ran"
still 4 complete
"$EXITCTL" check >/dev/null
run "$EXITCTL" cancel
is "$status" 2 "cancel ran"
still 2-cancel cancel
unlike "$(cat "$exitd_log")" "survives SIGKILL" \
    "no_leftover_survives_exitd_s_sweeps"

# A hopper that ignores SIGTERM: SIGKILL after the grace, and Prepare
# answers once nothing of it is left.
rm -f "$T"/hb/beat.*
touch "$T/hb/stubborn.2-prepare"
"$EXITCTL" check >/dev/null
t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
is "$status" 0 "prepare with a hopper ignoring SIGTERM ran"
still 2-prepare "prepare, SIGTERM ignored"
ok "$([ $((t1 - t0)) -ge 4900 ] && [ $((t1 - t0)) -lt 15000 ]; echo $?)" \
    "SIGKILL came after the 5 s grace ($((t1 - t0)) ms)"
like "$(cat "$exitd_log")" "still there 5 s after SIGTERM, sending SIGKILL" \
    "exitd logs the SIGKILL"
unlike "$(cat "$exitd_log")" "survives SIGKILL" \
    "no_hopper_ignoring_sigterm_survives_sigkill"
"$EXITCTL" cancel >/dev/null

stop_exitd
is $? 0 "exitd stops cleanly"
done_testing
