#!/bin/sh
# The journal is synced (fdatasync) only where an OS crash could lose
# something that matters (exitd(8), durable in struct part_ops): the
# boundaries of an operation that calls exit programs are synced from the
# start of its first phase that calls one; an operation that calls only
# dr_reconfig() processes is written but not synced.  strace counts
# exitd's fdatasync calls phase by phase.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dr-lib.sh"

J="$EXITPT_STATE_DIR/journal"
trace_pid=
trace_n=0

# traced: strace has attached to exitd.
traced() {
	[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$exitd_pid/status")" \
	    = "$trace_pid" ]
}
# trace_start: count exitd's fdatasync calls from now on.
trace_start() {
	trace_n=$((trace_n + 1))
	strace -qq -p "$exitd_pid" -e trace=fdatasync -o "$T/sync.$trace_n" \
	    2>/dev/null &
	trace_pid=$!
	wait_until traced
}
# trace_stop: stop counting; syncs is how many fdatasync calls were seen.
trace_stop() {
	kill -TERM "$trace_pid" 2>/dev/null
	wait "$trace_pid" 2>/dev/null
	trace_pid=
	syncs=$(grep -c '^fdatasync(' "$T/sync.$trace_n")
}
trace_cleanup() {
	[ -n "$trace_pid" ] && kill -KILL "$trace_pid" 2>/dev/null
	return 0
}
at_exit trace_cleanup
# phase_syncs COMMAND...: run exitctl COMMAND, count the syncs meanwhile.
phase_syncs() {
	trace_start
	run "$EXITCTL" "$@"
	trace_stop
}

echo "dr-timeout 10" >"$EXITPT_CONFIG"
if ! command -v strace >/dev/null; then
	echo "1..0 # SKIP strace is not installed"
	exit 77
fi
start_exitd || { echo "Bail out! exitd does not start"; exit 99; }
if ! trace_start; then
	trace_cleanup
	stop_exitd
	echo "1..0 # SKIP strace cannot attach to exitd here"
	exit 77
fi
trace_stop
dr d handler

# --- a dr_reconfig() process only: written, never synced
phase_syncs check
is "$status" 0 "check with a dr process only"
is "$syncs" 0 "journal_skips_the_sync_of_check_without_durable_participants"
phase_syncs prepare
is "$status" 0 "prepare"
is "$syncs" 0 "nor of prepare"
phase_syncs complete
is "$status" 0 "complete"
is "$syncs" 0 "nor of complete"
is "$(grep -c '"event":"call".*"kind":"dr"' "$J")" 3 \
    "each call is in the journal all the same"
like "$(tail -n 1 "$J")" '"event":"operation-end","outcome":"completed"' \
    "and so is the operation's end"
wait_out d 1 '^ack post'

# --- exit programs beside it: every phase is synced
prog s
prog r
suspend 10 s
resume 20 r
phase_syncs check
is "$status" 0 "check with a dr process and an exit program"
ok $(( syncs >= 1 ? 0 : 1 )) "journal_syncs_check_with_an_exit_program ($syncs)"
phase_syncs prepare
is "$status" 0 "prepare"
ok $(( syncs >= 1 ? 0 : 1 )) "and prepare ($syncs)"
phase_syncs complete
is "$status" 0 "complete"
ok $(( syncs >= 1 ? 0 : 1 )) "and complete ($syncs)"
is "$(calls s '^1 ') $(calls s '^2 prepare') $(calls r '^4')" "1 1 1" \
    "the programs ran once per phase"

# --- a resume program only: synced from Complete on
"$EXITCTL" remove QIBM_QWC_SUSPEND 10
ok $? "the suspend program removed"
phase_syncs check
is "$status" 0 "check with a dr process, a resume program registered"
is "$syncs" 0 "journal_skips_check_when_only_complete_calls_a_program"
phase_syncs prepare
is "$syncs" 0 "and prepare"
phase_syncs complete
is "$status" 0 "complete"
ok $(( syncs >= 1 ? 0 : 1 )) "journal_syncs_the_phase_that_calls_a_program ($syncs)"
is "$(calls r '^4')" 2 "the resume program ran"

stop d
stop_exitd
done_testing
