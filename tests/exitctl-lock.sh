#!/bin/sh
# exitctl lock: hold a lock state while a command runs, list who holds
# what, conflicts between exitctl processes, a killed holder, errors.
. "$top_srcdir/tests/lib.sh"


run "$EXITCTL" lock list
is "$status" 0 "list with no lock exits 0"
is "$out" "" "and prints nothing"

run "$EXITCTL" lock ORDERS '*EXCLRD' -- "$EXITCTL" lock list
is "$status" 0 "a locked command exits with its status (0)"
like "$out" "^ORDERS +\*EXCLRD +1 +[0-9]+ +root " "the lock is held while the command runs"

run "$EXITCTL" lock ORDERS shrupd -- "$EXITCTL" lock list --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["object"], d[0]["state"], d[0]["takes"], d[0]["user"])')" \
    "1 ORDERS *SHRUPD 1 root" "list --json shows object, state, takes and user"

run "$EXITCTL" lock ORDERS '*EXCL' -- sh -c 'exit 9'
is "$status" 9 "the command's exit status is passed on"

# Conflicts between two exitctl processes.
mkfifo "$TEST_TMP/ready"
"$EXITCTL" lock ORDERS '*SHRNUP' -- sh -c 'echo $$ >"$1"; exec sleep 30' sh "$TEST_TMP/ready" &
holder=$!
read sleeper <"$TEST_TMP/ready"
run "$EXITCTL" lock ORDERS '*SHRUPD' --wait none -- echo ran
is "$status" 3 "*SHRUPD is refused while another process holds *SHRNUP (exit 3)"
like "$err" "^exitctl: lock: ORDERS \*SHRUPD: " "and the error names object and state"
is "$out" "" "the command did not run"
run "$EXITCTL" lock ORDERS '*SHRRD' --wait none -- echo ran
is "$out" "ran" "*SHRRD is granted beside *SHRNUP"
"$EXITCTL" lock ORDERS '*EXCL' --wait 20 -- echo ran >"$TEST_TMP/waited" &
waiter=$!
kill -9 $holder
wait $holder 2>/dev/null
kill $sleeper
wait $waiter
is "$?" 0 "a waiter gets *EXCL once the holder is killed"
is "$(cat "$TEST_TMP/waited")" "ran" "and runs its command"
run "$EXITCTL" lock list
is "$out" "" "no lock is left behind"

# Errors.
run "$EXITCTL" lock ORDERS '*BIG' -- true
is "$status" 64 "an unknown state exits 64"
like "$err" "unknown lock state '\*BIG'" "and names it"
run "$EXITCTL" lock '.hidden' '*EXCL' -- true
is "$status" 65 "a bad object name exits 65"
is "$err" "exitctl: lock: '.hidden': invalid object name" "in one line"
run "$EXITCTL" lock ORDERS '*EXCL'
is "$status" 64 "no command exits 64"
run "$EXITCTL" lock ORDERS '*EXCL' --wait -3x -- true
is "$status" 64 "a bad wait exits 64"
run "$EXITCTL" lock
is "$status" 64 "lock alone exits 64"

# Another user's damaged table: skipped and named, never a crash.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	as_user nobody "$EXITCTL" lock NBOBJ '*SHRRD' -- true
	poke "$EXITPT_RUNTIME_DIR/u/$(id -u nobody)/locks" 128 '<I' 2147483647
	run "$EXITCTL" lock list
	is "$status" 0 "lock list survives a table claiming 2^31-1 entries"
	is "$err" "exitctl: lock: skipped, damaged: object lock table of uid $(id -u nobody): 2147483647 entries, more than 1024" \
	    "and names the damaged table"
	run "$EXITCTL" lock NBOBJ '*EXCL' --wait 0 -- echo ran
	is "$out" "ran" "locks still work beside it"
else
	ok 0 "# SKIP needs root and user nobody"
	ok 0 "# SKIP needs root and user nobody"
	ok 0 "# SKIP needs root and user nobody"
fi

done_testing
