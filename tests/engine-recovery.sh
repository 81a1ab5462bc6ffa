#!/bin/sh
# SPEC section 2, rule 6: the journal lets a restarted exitd pick up an
# operation that a killed (SIGKILL) or stopped (SIGTERM) exitd left open:
# it knows the phase and who allowed, delivers the next Cancel or Complete
# exactly once per participant, and cancels by itself after the recovery
# timeout.  A torn last journal line is reported, never fatal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

mkfifo "$T/started"
# a: asks for a long window and hangs in the request $T/hang names
# (prepare or cancel); b: quick; r: resume program.
prog a "if [ \"\$EXITPT_PHASE\" = 1 ]; then echo EXITPT_WAIT_TIME=600; exit 0; fi
if [ -n \"\$EXITPT_REQUEST\" ] && [ \"\$EXITPT_REQUEST\" = \"\$(cat $T/hang 2>/dev/null)\" ]; then
	echo \$\$ >$T/a.pid; echo go >$T/started; exec sleep 300; fi
exit 0"
prog b 'exit 0'
prog r 'exit 0'
suspend 10 a
suspend 20 b
resume 10 r
echo "recovery-timeout 60" >"$EXITPT_CONFIG"

# kill_orphan: the hanging prepare program outlives a SIGKILLed exitd.
kill_orphan() { kill -KILL "$(cat "$T/a.pid")" 2>/dev/null; rm -f "$T/a.pid"; }

# crash_mid_prepare SIGNAL: start an operation, kill exitd with SIGNAL
# while Prepare runs, and start a new exitd.
crash_mid_prepare() {
	rm -f "$T"/*.calls
	echo prepare >"$T/hang"
	"$EXITCTL" check >/dev/null
	"$EXITCTL" prepare >/dev/null 2>&1 &
	prep=$!
	read -r _ <"$T/started"
	if [ "$1" = KILL ]; then kill_exitd; else stop_exitd; fi
	kill_orphan
	wait $prep
	rm -f "$T/hang"
	start_exitd
}

start_exitd
ok $? "exitd starts"

# --- SIGKILL mid-prepare, then cancel
crash_mid_prepare KILL
ok $? "a new exitd starts after the SIGKILL"
run "$EXITCTL" status
like "$out" "prepare recovered" "the operation is recovered in phase prepare"
like "$(cat "$exitd_log")" "recovered from the journal in phase prepare; 2 suspend" \
    "exitd logs the recovered operation and its participants"
run "$EXITCTL" cancel
is "$status" 2 "cancel after the restart"
is "$(calls a '^2 cancel')" 1 "exitd_killed_mid_prepare_then_cancel_delivered_once (a)"
is "$(calls b '^2 cancel')" 1 "exitd_killed_mid_prepare_then_cancel_delivered_once (b)"
run "$EXITCTL" cancel
is "$status" 65 "a second cancel finds no operation"
stop_exitd
start_exitd
run "$EXITCTL" cancel
is "$status" 65 "after another restart the operation stays over"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 11 "still exactly once each"

# --- SIGKILL mid-prepare, then complete
crash_mid_prepare KILL
run "$EXITCTL" complete
is "$status" 0 "complete after the restart"
is "$(calls r '^4')" 1 "exitd_killed_mid_prepare_then_complete_delivered_once"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 00 "and no cancel"
run "$EXITCTL" complete
is "$status" 65 "a second complete finds no operation"
is "$(calls r '^4')" 1 "complete still delivered once"

# --- SIGTERM mid-prepare: journalled, recovered, cancelled once
crash_mid_prepare TERM
like "$(cat "$exitd_log")" "left open in phase prepare" \
    "SIGTERM journals the open operation"
run "$EXITCTL" cancel
is "$status" 2 "cancel after a SIGTERM restart"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 11 \
    "cancel delivered exactly once after SIGTERM"

# --- SIGKILL mid-cancel: the next cancel goes to nobody twice
rm -f "$T"/*.calls
echo cancel >"$T/hang"
"$EXITCTL" check >/dev/null
"$EXITCTL" cancel >/dev/null 2>&1 &
canc=$!
read -r _ <"$T/started"
kill_exitd
kill_orphan
wait $canc
rm -f "$T/hang"
start_exitd
run "$EXITCTL" status
like "$out" "cancel recovered" "an operation killed mid-cancel is recovered in cancel"
run "$EXITCTL" cancel
is "$status" 2 "the driver's cancel finishes it"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 11 \
    "exitd_killed_mid_cancel: each program still got cancel exactly once"

# --- the recovery timeout cancels by itself
stop_exitd
echo "recovery-timeout 1" >"$EXITPT_CONFIG"
start_exitd
rm -f "$T"/*.calls
"$EXITCTL" check >/dev/null
t0=$(now_ms)
follow_status
t1=$(now_ms)
like "$out" "cancelled" "recovery_timeout_cancels_by_itself (no driver after check)"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 11 "each got cancel once"
[ $((t1 - t0)) -lt 5000 ]
ok $? "within about the configured 1 s ($((t1 - t0)) ms)"
crash_mid_prepare KILL
follow_status
like "$out" "cancelled" "a recovered operation with no driver is cancelled by itself"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 11 "each got cancel once"

# --- a torn last line
stop_exitd
printf '{"time":1,"op":"00000000000000ab","event":"operation-st' \
    >>"$EXITPT_STATE_DIR/journal"
start_exitd
ok $? "torn_journal_line_is_not_fatal: exitd starts"
like "$(cat "$exitd_log")" "torn record skipped" "the torn line is reported"
run "$EXITCTL" check --validate
is "$status" 0 "operations go on"
run "$EXITCTL" journal --json
is "$status" 0 "the journal reads back"
like "$(tail -n 1 "$EXITPT_STATE_DIR/journal")" '"event":"operation-end"' \
    "new records start on a line of their own"

# --- a hand-edited identity: a program whose run-as user is not a name
# is reported and not called (never as root by default)
stop_exitd
rm -f "$T"/*.calls
id=00000000000000ef
{
	echo "{\"time\":1,\"op\":\"$id\",\"event\":\"operation-start\",\"action\":1}"
	echo "{\"time\":1,\"op\":\"$id\",\"event\":\"phase-start\",\"phase\":\"check\"}"
	for u in 7 '"root"'; do
		d='""'
		[ "$u" = '"root"' ] && d='[]'
		echo "{\"time\":1,\"op\":\"$id\",\"event\":\"call\",\"phase\":\"check\",\"kind\":\"program\",\"key\":\"10 $T/b ${#u}\",\"point\":\"QIBM_QWC_SUSPEND\",\"id\":{\"number\":10,\"who\":\"$T/b\",\"user\":$u,\"data\":$d}}"
	done
} >>"$EXITPT_STATE_DIR/journal"
: >"$exitd_log"
start_exitd
is "$(grep -c 'program participant .* cannot be restored' "$exitd_log")" 2 \
    "journal_identity_of_the_wrong_type_is_reported (user 7, data [])"
run "$EXITCTL" cancel
is "$status" 2 "the operation is cancelled"
is "$(calls b '^2 cancel')" 0 "and the program is not called"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
