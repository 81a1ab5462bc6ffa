#!/bin/sh
# Prepare runs once per operation: a driver that asks again (drmgr repeats
# its pre phase on a retry) waits for the Prepare that runs, or gets the
# report of the one that ended at once; nobody is prepared twice.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

start_exitd
ok $? "exitd starts"
mkfifo "$T/started" "$T/release"
prog a "if [ \"\$EXITPT_REQUEST\" = prepare ]; then echo go >$T/started
	read -r _ <$T/release; fi
exit 0"
suspend 10 a

"$EXITCTL" check >/dev/null
"$EXITCTL" prepare >"$T/first.out" 2>&1 &
first=$!
read -r _ <"$T/started"
"$EXITCTL" prepare >"$T/second.out" 2>&1 &
second=$!
wait_log 1 "Prepare again from .*(exitctl): not run twice"
ok $? "a_prepare_while_prepare_runs_waits_for_it"
echo >"$T/release"
wait $first
is "$?" 0 "the first prepare ends prepared"
wait $second
is "$?" 0 "so does the second, with the same Prepare"
like "$(cat "$T/second.out")" "prepare prepared" "its report is that Prepare's"

t0=$(now_ms)
run "$EXITCTL" prepare
t1=$(now_ms)
is "$status" 0 "a_prepare_after_prepare_answers_at_once"
like "$out" "prepare prepared, 1 participant" "with the report of the Prepare that ran"
[ $((t1 - t0)) -lt 2000 ]
ok $? "at once ($((t1 - t0)) ms)"
is "$(calls a '^2 prepare')" 1 "prepare_runs_once_per_operation"
run "$EXITCTL" complete
is "$status" 0 "Complete follows as usual"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
