#!/bin/sh
# exitctl status --follow with no operation running waits for the next one
# (like journalctl -f), shows it live and returns when it ends;
# --follow-all goes on with operation after operation until interrupted.
# Every wait is on exitd's status generation: the follower is told, not
# polling.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=2'
prog r 'exit 0'
suspend 10 a
resume 10 r
start_exitd
ok $? "exitd starts"
"$EXITCTL" check --validate >/dev/null

# Every follower runs under timeout(1): a test that fails must not hang.
FOLLOW="timeout 20 $EXITCTL status"

# read_until PATTERN: read the follower's lines from fd 5 until one
# matches; fails at the end of its output.
read_until() {
	while read -r line <&5; do
		printf '%s\n' "$line" >>"$T/seen"
		case "$line" in $1) return 0 ;; esac
	done
	return 1
}

# follow OPTION: start a follower whose output fd 5 reads, and wait until
# it says it waits for the next operation.
follow() {
	rm -f "$T/seen" "$T/fifo"
	mkfifo "$T/fifo"
	$FOLLOW "$1" >"$T/fifo" &
	follower=$!
	exec 5<"$T/fifo"
	read_until "no operation running; waiting for the next one"
}

# validate: run a validation; id is its operation.
validate() {
	run "$EXITCTL" check --validate
	id=$(printf '%s\n' "$out" | sed -n 's/^operation \([0-9a-f]*\) .*/\1/p')
}

# --- --follow with no operation running
follow --follow
ok $? "follow_with_no_operation_waits_for_the_next_one"
validate
rest=$(cat <&5)
exec 5<&-
wait $follower
is "$?" 0 "the follower returns once that operation has ended"
like "$rest" "operation $id \(migration\): check validated" \
    "it showed the operation driven from another exitctl"
unlike "$rest" "waiting for the next one" "and did not wait for another"
unlike "$rest" "none running" \
    "an_operation_before_its_first_phase_is_shown_as_starting, not as 'none running'"

# --- --follow-all: operation after operation, until interrupted
follow --follow-all
ok $? "follow_all waits for the first operation"
validate
id1=$id
read_until "no operation running; waiting for the next one"
ok $? "and for the next one after it ended"
run "$EXITCTL" migrate
id2=$(printf '%s\n' "$out" | sed -n '1s/^operation \([0-9a-f]*\) .*/\1/p')
read_until "operation $id2 (migration): complete completed*"
ok $? "it follows the migration to its Complete"
read_until "no operation running; waiting for the next one"
ok $? "and then waits again"
kill -TERM $follower
exec 5<&-
wait $follower 2>/dev/null
# A follower sees every change it is woken for, not necessarily every
# state: a fast phase may pass between two wake-ups.
like "$(tr '\n' ' ' <"$T/seen")" \
    "operation $id1 \(migration\): check validated.*operation $id2 \(migration\): " \
    "it showed both operations, in order"

# --- --json: one object per line; the waiting note goes to stderr
mkfifo "$T/f3" "$T/f3err"
$FOLLOW --follow --json >"$T/f3" 2>"$T/f3err" &
follower=$!
exec 6<"$T/f3" 5<"$T/f3err"
read -r note <&5
like "$note" "waiting for the next one" "with --json the waiting note is on stderr"
"$EXITCTL" check --validate >/dev/null
json=$(cat <&6)
exec 5<&- 6<&-
wait $follower
is "$?" 0 "the JSON follower returns too"
is "$(printf '%s\n' "$json" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(rows[-1]["outcome"], len({r["operation"] for r in rows}))')" "validated 1" \
    "its lines are JSON objects about that one operation"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
