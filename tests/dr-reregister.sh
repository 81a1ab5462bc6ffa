#!/bin/sh
# A dr_reconfig() process registers again by itself (issue 10: "re-registers
# when exitd restarts"), with nothing told to it:
# - exitd crashes (SIGKILL) in an operation's Prepare and starts again on
#   the same socket and state: meanwhile the process sees no event; then it
#   is a participant again, gets the recovered operation's post, and
#   SIGRECONFIG in the next Check;
# - the socket's directory goes with exitd and is made again for the next
#   one (a runtime directory): the library watches the new directory;
# - the process starts while exitd is alive but does not answer (stopped,
#   its listening queue full): waiting for the socket to be made anew
#   (inotify) would wait for ever, since nothing changes the socket's name
#   when exitd answers again.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dr-lib.sh"

# The socket in a directory of its own, which the second part removes.
mkdir "$T/sock"
export EXITPT_SOCKET="$T/sock/exitd.sock"
echo "dr-timeout 10" >"$EXITPT_CONFIG"

# registered NAME: the log line exitd writes when NAME registers.
registered() { echo "dr: pid $(pid "$1") (dr-proc) uid [0-9]* registered"; }
# listed NAME: exitctl participants lists NAME as a dr process.
listed() {
	run "$EXITCTL" participants
	printf '%s\n' "$out" | grep -Eq "^dr +$(pid "$1") +pid $(pid "$1") dr-proc"
}
# queried NAME RC ERRNO: a DR_QUERY out of the blue (SIGUSR1) answers
# "query rc RC errno ERRNO".
queried() {
	n=$(grep -c '^query ' "$T/$1.out")
	kill -USR1 "$(pid "$1")"
	wait_out "$1" $((n + 1)) '^query ' &&
	    [ "$(grep '^query ' "$T/$1.out" | tail -1)" = "query rc $2 errno $3" ]
}
# quick_over: the library's quick attempts after a change (50 ms doubled
# six times, 3.15 s) are over.  No event says so: wait as long as they take.
quick_over() { sleep 3.5; }

# --- exitd crashes in Prepare and starts again
start_exitd -v
ok $? "exitd starts"
dr hnd handler
log_has 1 "$(registered hnd)"
ok $? "the process registers when it starts"
listed hnd
ok $? "and is a participant"
run "$EXITCTL" check
is "$status" 0 "check"
run "$EXITCTL" prepare
is "$status" 0 "prepare"
wait_out hnd 1 '^ack pre DR_RECONFIG_DONE rc 0'
ok $? "the process acknowledged pre"
kill_exitd
queried hnd -1 6
ok $? "a_process_whose_exitd_crashed_sees_no_event (ENXIO)"
start_exitd -v
ok $? "exitd starts again on the same socket and state"
wait_log 2 "$(registered hnd)"
ok $? "a_process_registers_again_after_exitd_crashed"
listed hnd
ok $? "and is a participant again"
run "$EXITCTL" complete
is "$status" 0 "the recovered operation completes"
like "$out" "pid $(pid hnd) dr-proc" "with the process that took part before"
wait_out hnd 1 '^ack post DR_RECONFIG_DONE rc 0'
ok $? "which gets post"
n=$(grep -c '^check ' "$T/hnd.out")
run "$EXITCTL" check
is "$status" 0 "the next check"
wait_out hnd $((n + 1)) "^check migrate 1"
ok $? "signals_a_process_registered_again_in_the_next_check"
run "$EXITCTL" cancel
is "$status" 2 "which is cancelled"

# --- the socket's directory goes with exitd and comes back for the next
stop_exitd
ok $? "exitd stops"
rm -r "$T/sock"
quick_over
mkdir "$T/sock"
start_exitd -v
ok $? "exitd starts in the socket's directory made anew"
wait_log 3 "$(registered hnd)"
ok $? "a_process_registers_again_when_the_sockets_directory_is_made_anew"
stop hnd

# --- a process starts while exitd is alive but does not answer
kill -STOP "$exitd_pid"
rm -f "$T/held"
mkfifo "$T/held"
python3 -c '
import socket, sys
held = []
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
print(len(held), flush=True)
sys.stdin.read()
' "$EXITPT_SOCKET" <"$T/held" >"$T/held.out" &
filler=$!
exec 5>"$T/held"
wait_grep "$T/held.out" 1 '^[0-9]'
ok $? "exitd's listening queue is full ($(cat "$T/held.out") connections)"
# The connection fails at once (EAGAIN): the library does not wait for
# exitd before main runs.
dr busy handler
is "$(out busy)" "query rc -1 errno 6" "the process starts unregistered"
quick_over
# exitd answers again.
exec 5>&-
wait "$filler"
kill -CONT "$exitd_pid"
wait_log 1 "$(registered busy)"
ok $? "a_process_started_while_exitd_did_not_answer_registers_once_it_does"
listed busy
ok $? "and is a participant"
run "$EXITCTL" check
is "$status" 0 "a check"
wait_out busy 1 '^ack check DR_RECONFIG_DONE rc 0'
ok $? "in which it is signalled and acknowledges"
run "$EXITCTL" cancel
is "$status" 2 "which is cancelled"
stop busy
stop_exitd
done_testing
