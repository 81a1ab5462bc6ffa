#!/bin/sh
# SPEC section 2, rule 6, the record itself: the journal holds one record
# per operation and phase start and end and per participant call and
# answer: who, what it was given, what it answered, how it ended, how long.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

prog s 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=4; echo EXITPT_REASON=ready'
prog r 'exit 0'
suspend 10 s --data 'payroll db'
resume 20 r
start_exitd
ok $? "exitd starts"
run "$EXITCTL" migrate --system-state 1
is "$status" 0 "a whole migration"
J="$EXITPT_STATE_DIR/journal"
op=$(sed -n '1s/.*"op":"\([0-9a-f]*\)".*/\1/p' "$J")
events=$(sed 's/.*"event":"\([a-z-]*\)".*/\1/' "$J" | tr '\n' ' ')
is "$events" "operation-start phase-start call process answer phase-end phase-start call process answer phase-end phase-start call process answer phase-end operation-end " \
    "journal_has_a_record_per_phase_start_end_call_process_and_answer"
is "$(grep -c "\"op\":\"$op\"" "$J")" 17 "every record names the operation"
like "$(grep '"event":"process"' "$J" | head -n 1)" \
    '"phase":"check".*"call":[0-9]+,"process":\{"pid":[0-9]+,' \
    "a process record names the call's process, for a restarted exitd to end it"
like "$(grep '"event":"call"' "$J" | head -n 1)" \
    "\"phase\":\"check\".*\"number\":10,\"who\":\"$T/s\".*\"data\":\"payroll db\".*\"given\":\\{\"action\":1" \
    "a call records who and what it was given"
like "$(grep '"event":"call"' "$J" | sed -n 2p)" \
    '"phase":"prepare".*"given":\{"action":1,"request":1,"window":4\}' \
    "the prepare call records the request and the window"
like "$(grep '"event":"call"' "$J" | sed -n 3p)" \
    "\"phase\":\"complete\".*\"who\":\"$T/r\".*\"system_state\":1" \
    "the complete call records the system state"
like "$(grep '"event":"answer"' "$J" | head -n 1)" \
    '"status":1,"wait":4,"effective":"allow","end":"exited","code":0,"reason":"ready","duration_ms":[0-9]+' \
    "an answer records what was answered, how it ended and how long"
like "$(tail -n 1 "$J")" '"event":"operation-end","outcome":"completed"' \
    "the operation's end records its outcome"
run "$EXITCTL" journal
is "$status" 0 "exitctl journal reads it back"
like "$out" "$op answer phase=\"check\"" "as readable lines"
# The client reads the journal in 64 KiB chunks: records that straddle
# a chunk boundary must come back whole.
i=0
while [ "$(wc -c <"$J")" -lt 150000 ] && [ $i -lt 400 ]; do
	"$EXITCTL" check --validate >/dev/null
	i=$((i + 1))
done
run "$EXITCTL" journal --json
is "$status" 0 "a journal of $(wc -c <"$J") bytes reads back"
is "$(printf '%s\n' "$out" | grep -c '"event": ')" "$(wc -l <"$J" | tr -d ' ')" \
    "every record comes back whole across chunk boundaries"
is "$err" "" "with no torn record"

# --- a driver naming another operation
"$EXITCTL" check >/dev/null
run "$EXITCTL" cancel --operation 123abc
is "$status" 65 "a cancel naming another operation is refused"
like "$err" "no such operation" "as no such operation"
run "$EXITCTL" cancel --operation zz
is "$status" 64 "a malformed operation id is a usage error"
"$EXITCTL" cancel >/dev/null

stop_exitd
ok $? "exitd stops cleanly"
done_testing
