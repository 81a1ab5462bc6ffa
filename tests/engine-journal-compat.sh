#!/bin/sh
# SPEC section 2, rule 6, across an upgrade: a journal written by the
# exitd of protocol 1 (participants named by number and path, no key, no
# identity) is still read.  The operation it left open is recovered, and
# Cancel or Complete reaches each program exactly once, Cancel only those
# that allowed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

J="$EXITPT_STATE_DIR/journal"
prog a 'exit 0'
prog b 'exit 0'
prog r1 'exit 0'
prog r2 'exit 0'
resume 10 r1
resume 20 r2
mkdir -p "$EXITPT_STATE_DIR"
echo "recovery-timeout 60" >"$EXITPT_CONFIG"

# old ID EVENT REST: one record as the exitd of protocol 1 wrote it.
old() { echo "{\"time\":1795966460486,\"op\":\"$1\",\"event\":\"$2\"$3}"; }
# oldcall ID EVENT PHASE NUMBER NAME [REST]: a call or answer record.
oldcall() {
	old "$1" "$2" ",\"phase\":\"$3\",\"kind\":\"program\",\"point\":\"$6\",\"number\":$4,\"who\":\"$T/$5\"$7"
}
given=',"user":"root","data":"","check_timeout":30,"complete_timeout":300,"given":{"action":1,"request":0,"window":0}'
S=QIBM_QWC_SUSPEND
R=QIBM_QWC_RESUME

# --- Check left open: a allowed, b vetoed, the critical sections vetoed
{
	old 00000000000000aa operation-start ',"action":1,"validate_only":false'
	old 00000000000000aa operation-end ',"outcome":"validated"'
	old 0fb2e4391c265e37 operation-start ',"action":1,"validate_only":false'
	old 0fb2e4391c265e37 phase-start ',"phase":"check","window":0,"participants":3'
	old 0fb2e4391c265e37 call ',"phase":"check","kind":"critical","point":"QIBM_QWC_SUSPEND","number":0,"who":"critical sections","user":"","data":"","check_timeout":0,"complete_timeout":0,"given":{"action":1,"request":0,"window":0}'
	oldcall 0fb2e4391c265e37 call check 10 a $S "$given"
	oldcall 0fb2e4391c265e37 call check 20 b $S "$given"
	old 0fb2e4391c265e37 answer ',"phase":"check","kind":"critical","point":"QIBM_QWC_SUSPEND","number":0,"who":"critical sections","status":0,"wait":0,"effective":"veto","end":"answered","code":0,"reason":"critical section held: x","duration_ms":0'
	oldcall 0fb2e4391c265e37 answer check 10 a $S ',"status":1,"wait":7,"effective":"allow","end":"exited","code":0,"reason":"","duration_ms":6'
	oldcall 0fb2e4391c265e37 answer check 20 b $S ',"status":0,"wait":0,"effective":"veto","end":"exited","code":0,"reason":"","duration_ms":4'
} >"$J"
start_exitd
ok $? "exitd starts on a journal of protocol 1"
like "$(cat "$exitd_log")" "operation 0fb2e4391c265e37 recovered from the journal in phase check" \
    "it recovers the operation left open"
run "$EXITCTL" cancel
is "$status" 2 "the driver's cancel"
is "$(calls a '^2 cancel')$(calls b '^2 cancel')" 10 \
    "old_journal_cancel_only_to_those_that_allowed"
like "$(grep '"event":"call","phase":"cancel"' "$J")" \
    "\"kind\":\"program\",\"key\":\"10 $T/a\"" \
    "the new records key the program as the old ones named it"
run "$EXITCTL" cancel
is "$status" 65 "and only once"
stop_exitd

# --- Complete left half done: r1 got it, r2 did not
{
	old 1fb2e4391c265e37 operation-start ',"action":2,"validate_only":false'
	old 1fb2e4391c265e37 phase-start ',"phase":"check","window":0,"participants":1'
	oldcall 1fb2e4391c265e37 call check 10 a $S "$given"
	oldcall 1fb2e4391c265e37 answer check 10 a $S ',"status":1,"wait":1,"effective":"allow","end":"exited","code":0,"reason":"","duration_ms":6'
	old 1fb2e4391c265e37 phase-end ',"phase":"check","window":1,"outcome":"allowed"'
	old 1fb2e4391c265e37 phase-start ',"phase":"prepare","window":1,"participants":1'
	oldcall 1fb2e4391c265e37 call prepare 10 a $S "$given"
	oldcall 1fb2e4391c265e37 answer prepare 10 a $S ',"end":"exited","code":0,"reason":"","duration_ms":6'
	old 1fb2e4391c265e37 phase-end ',"phase":"prepare","window":1,"outcome":"prepared"'
	old 1fb2e4391c265e37 phase-start ',"phase":"complete","window":1,"system_state":0,"participants":2'
	oldcall 1fb2e4391c265e37 call complete 10 r1 $R "$given"
} >>"$J"
rm -f "$T"/*.calls
start_exitd
like "$(cat "$exitd_log")" "operation 1fb2e4391c265e37 recovered from the journal in phase complete" \
    "a half-done Complete is recovered"
run "$EXITCTL" complete
is "$status" 0 "the driver's complete"
is "$(calls r1 '^4')$(calls r2 '^4')" 01 \
    "old_journal_complete_exactly_once: r1 had it before the restart"
is "$(calls a '^2 cancel')" 0 "and nobody gets cancel"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
