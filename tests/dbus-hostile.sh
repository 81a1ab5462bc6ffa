#!/bin/sh
# SPEC section 7 and the quality bar, against what any user may send:
# texts of any length and any bytes in arguments and answers get a clear
# D-Bus error or go through as valid UTF-8, and exitd keeps running.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

# crowd N NAME: N processes (one process group, its leader's pid in
# $T/NAME.pid) holding up to 20000 descriptors each, ready when it returns.
crowd() {
	python3 -c 'import os, resource, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 20000 if hard == resource.RLIM_INFINITY else min(hard, 20000)
resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
os.setpgid(0, 0)
fd = os.open("/dev/null", os.O_RDONLY)
try:
    while True:
        os.dup(fd)
except OSError:
    pass
for _ in range(int(sys.argv[1]) - 1):
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
print("ready", flush=True)
time.sleep(600)' "$1" >"$T/$2.out" &
	echo $! >"$T/$2.pid"
	wait_line "$T/$2.out" '^ready'
}
# (a test that fails on the way leaves none behind)
crowd_cleanup() {
	for f in "$T/fds.pid" "$T/crowd.pid"; do
		[ -f "$f" ] && kill -KILL -- "-$(cat "$f")" 2>/dev/null
	done
	return 0
}
at_exit crowd_cleanup

# eacute N: N times U+00E9 (two bytes each in UTF-8).
eacute() { printf '\303\251%.0s' $(seq "$1"); }

# first_reason: the reason of the first answer in the JSON report in $out.
first_reason() {
	printf '%s' "$out" | python3 -c 'import json, sys
sys.stdout.buffer.write(json.load(sys.stdin)["answers"][0]["reason"].encode())'
}

# --- an error that echoes a long multibyte argument, cut to fit
run "$VOTER" --inhibit "who,why,x$(eacute 3000)"
like "$err" "InvalidArgs: mode: 'block' or 'delay', not 'x$(eacute 10)" \
    "error_message_echoing_a_long_argument_is_cut_on_a_character"
kill -0 "$exitd_pid"
ok $? "exitd survives an error message cut to fit"

# --- who, why and a voter's name reach the log and operators' terminals
# as they are: one line each, no control characters.  (Accepted, they
# would hold the lock or stay registered: timeout ends them then.)
run timeout 10 "$VOTER" --inhibit "$(printf 'evil\033[2J'),why,block"
like "$err" 'InvalidArgs: who: control character 0x1b at byte 4' \
    "who_with_a_control_character_is_refused"
run timeout 10 "$VOTER" --inhibit "who,$(printf 'a\nFAKE log line'),block"
like "$err" 'InvalidArgs: why: control character 0x0a at byte 1' \
    "why_with_a_newline_is_refused"
run timeout 10 "$VOTER" --name "$(printf 'v\nFAKE log line')" --path /forged
like "$err" 'InvalidArgs: name: control character 0x0a at byte 1' \
    "voter_name_with_a_newline_is_refused"
unlike "$(cat "$exitd_log")" '^FAKE' "nothing of them reached the log"
# A voter's object path is bounded by the bus only by a message's size:
# megabytes each, kept, listed, logged, and too long to be called.
run timeout 10 "$VOTER" --name deep --path "$(printf '/abcdefg%.0s' $(seq 200))"
like "$err" 'InvalidArgs: path: 1600 bytes, at most 1024' \
    "voter_path_longer_than_1024_bytes_is_refused"
run "$EXITCTL" participants
is "$out" "no participants" "nor the participants"

# --- a holder's process name is any bytes it chose (here the name it was
# run by): shown printable, and the lock is listed with all its details
odd="$T/$(printf 'h\033[2J\377')"
ln -s "$VOTER" "$odd"
HOLDER=$odd
hold odd --inhibit 'named,odd holder,block'
HOLDER=
run "$EXITCTL" participants --json
like "$out" "\"holders\": \"pid $(cat "$T/odd.pid") \\(h\\?\\[2J\\?\\)\"" \
    "holder_named_with_odd_bytes_is_listed_printable"
run "$EXITCTL" participants
unlike "$out" "$(printf '\033')" "no escape sequence reaches the terminal"
stop_voter odd

# --- a veto whose reason was cut to the engine's length: on a character
start_voter cut --answer "0,0,$(eacute 200)"
manager Check string:migration boolean:true
like "$err" "^Error org.exitpt.Exitd1.Error.Vetoed: .*vetoed by voter cut \\(.*\\): $(eacute 127)\$" \
    "veto_with_a_reason_cut_to_fit_is_sent, cut on a character"
kill -0 "$exitd_pid"
ok $? "exitd survives a veto whose reason was cut"
run "$EXITCTL" check --validate --json
is "$(first_reason)" "$(eacute 127)" \
    "reason_cut_on_a_character_stays_readable_in_json"
stop_voter cut
# A block lock's reason is its why (here 255 bytes) and whose lock it is:
# the why is cut to 96 bytes (on a character) to leave room for that,
# and for its holders, whose listing says so when it was cut short.
hold wide --inhibit "wide,x$(eacute 127),block"
run "$EXITCTL" check --validate --json
like "$(first_reason)" "^x$(eacute 47)\\.\\.\\. \\(block lock of pid $(cat "$T/wide.pid"), uid [0-9]+, since " \
    "a_long_why_leaves_room_for_the_holders_pid, cut on a character"
like "$(first_reason)" "; held by pid $(cat "$T/wide.pid") \\(dbus-voter\\)\\)$" \
    "and for its holders"
stop_voter wide

# --- a veto whose reason is not UTF-8 at all (an exit program's bytes)
prog latin "printf 'EXITPT_STATUS=0\nEXITPT_REASON=caf\351 busy\n'"
suspend 10 latin
manager Check string:migration boolean:true
like "$err" "^Error org.exitpt.Exitd1.Error.Vetoed: .*caf\? busy" \
    "veto_reason_that_is_not_utf8_shows_question_marks"
kill -0 "$exitd_pid"
ok $? "exitd survives a veto reason that is not UTF-8"
"$EXITCTL" remove QIBM_QWC_SUSPEND 10 >/dev/null

# --- the holders of every lock are looked up in one walk of /proc, at
# most once a second: a user with many locks and many descriptors who
# asks for listing after listing does not stall exitd.  (k, not i: the
# helpers' loops use i.)
why=$(printf 'one of many locks%.0s' $(seq 10))
k=0
while [ $k -lt 30 ]; do
	"$VOTER" --inhibit "many$k,$why,block" >"$T/many$k.out" \
	    2>>"$T/many.err" &
	echo $! >"$T/many$k.pid"
	k=$((k + 1))
done
k=0
while [ $k -lt 30 ]; do
	wait_line "$T/many$k.out" '^inhibited' || break
	k=$((k + 1))
done
crowd 1 fds
lists=
t0=$(now_ms)
k=0
while [ $k -lt 10 ]; do
	"$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --dest=org.exitpt.Exitd1 \
	    /org/exitpt/Exitd1 org.exitpt.Exitd1.Manager.ListParticipants \
	    >/dev/null 2>&1 &
	lists="$lists $!"
	k=$((k + 1))
done
wait $lists
run "$EXITCTL" status
t1=$(now_ms)
ok $([ "$status" -eq 0 ] && [ $((t1 - t0)) -lt 5000 ]; echo $?) \
    "listings_of_many_locks_do_not_stall_exitd (10 listings and a status in $((t1 - t0)) ms)"
# 30 vetoes of some 250 bytes each: more than a short message holds
manager Check string:migration boolean:true
is "$(printf '%s\n' "$err" | grep -o 'inhibitor many[0-9]* ' | sort -u | wc -l)" 30 \
    "vetoed_error_names_every_vetoing_participant (30 locks)"
kill -- "-$(cat "$T/fds.pid")"; rm -f "$T/fds.pid"
k=0
while [ $k -lt 30 ]; do
	stop_voter "many$k"
	k=$((k + 1))
done

# Descriptors by the hundred thousand (30 processes of 20000 each; a full
# walk of /proc would read a link for each, over a second): the walk that
# names a lock's holders stops after its budget and says so, naming the
# process that took the lock first; listings and Checks stay prompt.
hold walker --inhibit "walker,under a crowd of descriptors $(printf 'x%.0s' $(seq 170)),block"
crowd 30 crowd
t0=$(now_ms)
k=0
while [ $k -lt 5 ]; do
	run "$EXITCTL" participants --json
	[ "$status" -eq 0 ] || break
	"$EXITCTL" status >/dev/null
	sleep 0.3
	k=$((k + 1))
done
t1=$(now_ms)
like "$out" "\"holders\": \"pid $(cat "$T/walker.pid") \\(dbus-voter\\), maybe others \\(listing cut short after 25 ms\\)\"" \
    "holders_walk_under_a_crowd_of_descriptors_is_cut_short_and_says_so"
ok $([ "$k" -eq 5 ] && [ $((t1 - t0)) -lt 5000 ]; echo $?) \
    "and names the lock's taker first; 5 listings and statuses took $((t1 - t0)) ms"
manager Check string:migration boolean:true
like "$err" "under a crowd of descriptors .*; held by pid $(cat "$T/walker.pid") \\(dbus-voter\\)" \
    "a Check's veto still names the holder"
like "$err" "maybe others \\(listing cut short after 25 ms\\)\\)" \
    "and, its why however long, says the listing was cut short"
# Taking and releasing locks asks for a new walk each time: all the walks
# of a second share one budget, so exitd's loop stays mostly idle (it was
# busy 95% of the time, walk after walk).
hz=$(getconf CLK_TCK)
cpu0=$(awk '{ print $14 + $15 }' "/proc/$exitd_pid/stat")
t0=$(now_ms)
while [ $(($(now_ms) - t0)) -lt 3000 ]; do
	"$EXITCTL" inhibit --who churn --why churn -- true >/dev/null 2>&1
	"$EXITCTL" participants >/dev/null 2>&1
done
t1=$(now_ms)
cpu=$(( ($(awk '{ print $14 + $15 }' "/proc/$exitd_pid/stat") - cpu0) * 1000 / hz ))
ok $([ $((cpu * 2)) -lt $((t1 - t0)) ]; echo $?) \
    "locks_taken_and_released_in_a_loop_do_not_keep_exitd_walking (${cpu} ms of CPU in $((t1 - t0)) ms)"
kill -- "-$(cat "$T/crowd.pid")"; rm -f "$T/crowd.pid"
stop_voter walker

# Past 64 KiB the message says how many more vetoed: 14 programs whose
# paths are 3000 bytes long (each named by its path and its key).
deep=$T
while [ ${#deep} -lt 3000 ]; do
	deep="$deep/$(printf 'd%.0s' $(seq 200))"
done
mkdir -p "$deep"
k=1
while [ $k -le 14 ]; do
	make_prog "$deep/veto$k" "echo EXITPT_STATUS=0; echo EXITPT_REASON=no $k"
	"$EXITCTL" add QIBM_QWC_SUSPEND "$deep/veto$k" --number $((100 + k)) >/dev/null
	k=$((k + 1))
done
manager Check string:migration boolean:true
like "$err" '; and [1-9][0-9]* more \(exitctl journal names them all\)$' \
    "a_vetoed_error_past_64_KiB_says_how_many_more_vetoed"
k=1
while [ $k -le 14 ]; do
	"$EXITCTL" remove QIBM_QWC_SUSPEND $((100 + k)) >/dev/null
	k=$((k + 1))
done

manager ListParticipants
is "$status" 0 "exitd answers afterwards"
stop_exitd
is "$?" 0 "exitd stops cleanly"
done_testing
