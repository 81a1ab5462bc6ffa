#!/bin/sh
# exitctl interrupt: a handler's reply and status reach the operator, and
# every error (not enabled, dead, timeout, unknown handler, another user's
# process, bad arguments) is one line on stderr with its own exit code.
. "$top_srcdir/tests/lib.sh"

TARGET="$top_builddir/tests/jobitp-target"
tpid=
tn=0

# start_target [--no-enable]: run a target whose stdin is fd 3 and stdout
# fd 4, and set tpid from its "ready PID" line.
start_target() {
	tn=$((tn + 1))
	mkfifo "$TEST_TMP/in$tn" "$TEST_TMP/out$tn"
	"$TARGET" "$@" <"$TEST_TMP/in$tn" >"$TEST_TMP/out$tn" &
	tpid=$!
	exec 3>"$TEST_TMP/in$tn" 4<"$TEST_TMP/out$tn"
	read -r ready pid <&4
	[ "$ready" = ready ] && [ "$pid" = "$tpid" ] || {
		echo "Bail out! target did not start"; exit 1; }
}

# stop_target: EOF on its stdin, then reap it.
stop_target() {
	exec 3>&- 4<&-
	wait "$tpid"
	tpid=
}

# Kill a target left running by a failing test.
kill_target() { [ -z "$tpid" ] || kill -9 "$tpid" 2>/dev/null; }
at_exit kill_target

start_target

run "$EXITCTL" interrupt "$tpid" echo --data 'hello, target'
is "$status" 0 "interrupt_round_trip exits 0"
is "$out" "hello, target" "interrupt prints the handler's reply"

run "$EXITCTL" interrupt "$tpid" where
is "$out" thread "the handler ran on a thread of the target"

run "$EXITCTL" --json interrupt "$tpid" echo --data 'a "quoted" reply' --wait 2.5
is "$status" 0 "--json exits 0"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pid"] == int(sys.argv[1]), d["handler"], d["status"], d["reply"])' "$tpid")" \
    'True echo 0 a "quoted" reply' "--json gives pid, handler, status and reply"

run "$EXITCTL" interrupt "$tpid" status --data 3
is "$status" 1 "a handler's non-zero status exits 1"
is "$err" "exitctl: interrupt: handler 'status' returned status 3" \
    "and says which status"
run "$EXITCTL" interrupt "$tpid" status --data 3 --json
like "$out" '"status": 3' "--json reports the status and exits 0"
is "$status" 0 "--json exits 0 whatever the status"

run "$EXITCTL" interrupt "$tpid" nosuch
is "$status" 65 "unknown handler exits 65"
is "$err" "exitctl: interrupt: process $tpid handler 'nosuch': no handler of that name" \
    "unknown handler says so"

run "$EXITCTL" interrupt "$tpid" slow --data 2000 --wait 0.2
is "$status" 3 "a handler slower than --wait exits 3 (an IPC wait elapsed)"
like "$err" "wait time elapsed$" "and says the wait elapsed"
read -r line <&4
is "$line" slow "the slow handler did start"
run "$EXITCTL" interrupt "$tpid" echo --data after --wait forever
is "$out" after "--wait forever waits for the slow handler, then gets its reply"

# Another user may not interrupt root's process.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	run as_user nobody \
	    "$EXITCTL" interrupt "$tpid" echo --data x
	is "$status" 77 "another_users_process_exits_77"
	like "$err" "not authorized$" "and says not authorized"
else
	ok 0 "# SKIP needs root and user nobody"
	ok 0 "# SKIP needs root and user nobody"
fi

run "$EXITCTL" interrupt "$tpid" crash
is "$status" 65 "a target killed mid-handler exits 65"
like "$err" "target process no longer exists$" "and says it no longer exists"
stop_target
ok "$(ls "$EXITPT_RUNTIME_DIR"/u/*/jobitp."$pid" >/dev/null 2>&1; [ $? -ne 0 ]; echo $?)" \
    "the dead target's mailbox is gone"

run "$EXITCTL" interrupt "$pid" echo
is "$status" 65 "an exited pid exits 65"
like "$err" "target process no longer exists$" "an exited pid is dead"

start_target --no-enable
run "$EXITCTL" interrupt "$tpid" echo
is "$status" 65 "a process that did not opt in exits 65"
like "$err" "target has not enabled job interrupts$" "and says so"
stop_target

# Bad arguments: usage errors (64) or data errors (65), nothing sent.
run "$EXITCTL" interrupt
is "$status" 64 "no arguments exit 64"
like "$err" "^exitctl: interrupt: expected PID and HANDLER$" "no arguments say what is expected"
run "$EXITCTL" interrupt abc echo
is "$status" 64 "a pid that is not a number exits 64"
like "$err" "PID must be a process id of 1\.\.[0-9]+, not 'abc'" "bad pid is named"
run "$EXITCTL" interrupt 0 echo
is "$status" 64 "pid 0 exits 64"
for w in 0 none x 1e9 100000 nan 0x10 ''; do
	run "$EXITCTL" interrupt 1 echo --wait "$w"
	is "$status" 64 "--wait '$w' exits 64"
done
like "$err" "--wait must be forever or 0 < seconds <= 99999" "bad --wait says what is allowed"
run "$EXITCTL" interrupt 1 'bad name'
is "$status" 65 "a bad handler name exits 65"
like "$err" "handler 'bad name' \(1\.\.32 of A-Z a-z 0-9 _ \. -\): invalid object name" \
    "bad handler name says what is allowed"
run "$EXITCTL" interrupt 1 echo --data "$(head -c 4097 /dev/zero | tr '\0' a)"
is "$status" 65 "data over 4096 bytes exits 65"
like "$err" "--data is 4097 bytes, at most 4096: value too long" "oversized data is refused"
run "$EXITCTL" interrupt 1 echo --bogus
is "$status" 64 "an unknown option exits 64"

done_testing
