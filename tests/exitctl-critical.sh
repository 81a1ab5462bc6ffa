#!/bin/sh
# exitctl critical: hold a section while a command runs, list holders,
# the pending flag refusing and delaying new sections, a killed exitctl
# leaving no holder, and the errors with their exit codes.
. "$top_srcdir/tests/lib.sh"


run "$EXITCTL" critical list
is "$status" 0 "list with no holder exits 0"
is "$out" "" "and prints nothing"

run "$EXITCTL" critical payroll -- "$EXITCTL" critical list
is "$status" 0 "a held command exits with its status (0)"
like "$out" "^payroll +[0-9]+ +root +[0-9]{4}-" "the section is held while the command runs"

run "$EXITCTL" critical payroll -- "$EXITCTL" critical list --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["name"], d[0]["user"], type(d[0]["pid"]).__name__, type(d[0]["since"]).__name__)')" \
    "1 payroll root int str" "list --json names the holder, its pid and since"

run "$EXITCTL" critical payroll -- sh -c 'exit 7'
is "$status" 7 "the command's exit status is passed on"
run "$EXITCTL" critical payroll -- sh -c 'kill -TERM $$'
is "$status" 143 "a command killed by a signal gives 128 + signal"
run "$EXITCTL" critical payroll -- "$TEST_TMP/nonexistent"
is "$status" 127 "a missing command gives 127"
run "$EXITCTL" critical list
is "$out" "" "no holder is left behind"

# The pending flag.
run as_user nobody "$EXITCTL" critical pending on
is "$status" 77 "a non-admin cannot raise the pending flag"
like "$err" "^exitctl: critical: setting the pending flag requires root" "and is told why"
printf 'admin-group nogroup\n' >"$EXITPT_CONFIG"
run as_user nobody "$EXITCTL" critical pending on
is "$status" 77 "nor can the admin group: the flag is root's file, exitd's"
like "$err" "^exitctl: critical: setting the pending flag requires root" \
    "and is told why, as exitctl(8) says"
: >"$EXITPT_CONFIG"
run "$EXITCTL" critical pending on 42
is "$status" 0 "pending on"
run "$EXITCTL" critical pending show
like "$out" "^pending: yes \(operation 0000000000000042, since [0-9]{4}-" \
    "pending show names the operation in hex, as everywhere"
run as_user nobody "$EXITCTL" --json critical pending show
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pending"], d["operation"])')" \
    "True 0000000000000042" "anyone may read the flag, also as JSON"
run "$EXITCTL" critical batch --fail-if-pending -- echo ran
is "$status" 3 "--fail-if-pending refuses while pending (exit 3)"
like "$err" "^exitctl: critical: batch: a suspend is pending|^exitctl: critical: batch: .*pending" "and says a suspend is pending"
is "$out" "" "the command did not run"
run "$EXITCTL" critical batch --wait 0.2 -- echo ran
is "$status" 3 "a wait that elapses while pending exits 3"
is "$out" "" "and the command did not run"

"$EXITCTL" critical batch --wait 20 -- echo ran >"$TEST_TMP/delayed" 2>&1 &
delayed=$!
# Until it blocks on the flag's futex (bounded: a kernel without wchan
# just makes the checks below weaker), then it must not have run.
i=0
while [ $i -lt 500 ] && ! grep -q futex "/proc/$delayed/wchan" 2>/dev/null; do
	sleep 0.01
	i=$((i + 1))
done
run "$EXITCTL" critical list
is "$out" "" "the delayed section is not held while pending"
is "$(cat "$TEST_TMP/delayed")" "" "the delayed command has not run"
run "$EXITCTL" critical pending off
is "$status" 0 "pending off"
wait $delayed
is "$?" 0 "the delayed section runs once the flag is lowered"
is "$(cat "$TEST_TMP/delayed")" "ran" "and its command ran"
run "$EXITCTL" critical pending show
is "$out" "pending: no" "pending show after off"

# exitctl killed while it waits to enter: its command never runs later.
"$EXITCTL" critical pending on 43
"$EXITCTL" critical late --wait 30 -- touch "$TEST_TMP/ran-late" &
waiting=$!
i=0
while [ $i -lt 500 ] && [ -z "$(pgrep -P $waiting)" ]; do
	sleep 0.01
	i=$((i + 1))
done
child=$(pgrep -P $waiting)
kill -9 $waiting
wait $waiting 2>/dev/null
# gone PID: no such process, or a zombie.
gone() { ! grep -qv ') Z' "/proc/$1/stat" 2>/dev/null; }
i=0
while [ -n "$child" ] && ! gone "$child" && [ $i -lt 200 ]; do
	sleep 0.01
	i=$((i + 1))
done
"$EXITCTL" critical pending off
ok "$(test -n "$child" && gone "$child"; echo $?)" \
    "exitctl_killed_while_waiting_takes_its_waiting_child_along"
ok "$(test ! -e "$TEST_TMP/ran-late"; echo $?)" "so the command never runs"

# The section lasts exactly as long as the command (flock(1)-like): the
# command's process holds it, so a SIGKILLed exitctl ends nothing early,
# and nothing holds it once the command has ended.
mkfifo "$TEST_TMP/ready"
"$EXITCTL" critical victim -- sh -c 'echo $$ >"$1"; exec sleep 30' sh "$TEST_TMP/ready" &
victim=$!
read sleeper <"$TEST_TMP/ready"
run "$EXITCTL" critical list
like "$out" "^victim +$sleeper " "the holder is the command's process"
kill -9 $victim
wait $victim 2>/dev/null
run "$EXITCTL" critical list
like "$out" "^victim +$sleeper " "exitctl_sigkilled_keeps_the_section_while_the_command_runs"
kill $sleeper
i=0
while [ -e /proc/$sleeper ] && ! grep -q ') Z' /proc/$sleeper/stat 2>/dev/null &&
    [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
run "$EXITCTL" critical list
is "$out" "" "the section ends when the command ends"

# Errors: one line on stderr each, with its exit code.
run "$EXITCTL" critical 'a/b' -- true
is "$status" 65 "a bad name exits 65"
is "$err" "exitctl: critical: 'a/b': invalid object name" "and says so in one line"
run "$EXITCTL" critical payroll
is "$status" 64 "no command exits 64"
run "$EXITCTL" critical payroll --wait soon -- true
is "$status" 64 "a bad wait time exits 64"
like "$err" "--wait takes seconds" "and says what a wait time is"
run "$EXITCTL" critical pending maybe
is "$status" 64 "a bad pending argument exits 64"
run "$EXITCTL" critical
is "$status" 64 "critical alone exits 64"

# The section is entered by the process that becomes the command: what it
# found wrong (which directory, and why) still reaches the message.  Root
# makes a runtime directory without the users' one, as no exitd would.
rt=$EXITPT_RUNTIME_DIR
EXITPT_RUNTIME_DIR="$TEST_TMP/run2"
"$EXITCTL" critical pending off
run as_user nobody "$EXITCTL" critical w -- true
like "$err" "run2/u: missing \(exitd creates it when it starts\)" \
    "critical names the directory that is missing, and why"
run as_user nobody "$EXITCTL" lock w '*EXCL' -- true
like "$err" "run2/u: missing \(exitd creates it when it starts\)" \
    "and so does lock"
EXITPT_RUNTIME_DIR=$rt

done_testing
