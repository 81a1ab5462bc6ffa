#!/bin/sh
# SPEC section 7, voters: called in Check, Prepare, Cancel and Complete
# with their own timeouts; rules 1 to 3 hold for them as for programs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

# --- a voter listed by exitctl participants, by its output conventions
start_voter listed --answer 1,5,
run "$EXITCTL" participants --json
printf '%s\n' "$out" >"$T/participants.json"
is "$(python3 "$top_srcdir/tests/json-conventions.py" "$T/participants.json" doc 2>&1)" "" \
    "participants_json_with_a_voter_follows_the_conventions"
like "$out" '"since": "[0-9-]+T[0-9:]+\.[0-9]{3}' "(since has milliseconds)"
run "$EXITCTL" participants
like "$out" 'since: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' \
    "participants_text_shows_times_as_the_conventions_say"
like "$out" 'check_timeout: 30 s' "and durations with their unit"
stop_voter listed
# Its last answer, cut to fit the listing, is cut on a character.
start_voter wordy --answer "1,5,x$(printf '\303\251%.0s' $(seq 100))"
manager Check string:migration boolean:true
run "$EXITCTL" participants --json
like "$out" '"last_answer": "check: status 1, wait 5: x\\u00E9' \
    "a_long_last_answer_is_listed_cut_on_a_character"
like "$out" '"path": "/test/wordy"' "(with every detail of the voter)"
stop_voter wordy

# --- a veto with its reason; Cancel only to those that allowed, once
start_voter yes --answer 1,5,
start_voter no --answer '0,0,nightly backup running'
manager Check string:migration boolean:false
like "$err" '^Error org.exitpt.Exitd1.Error.Vetoed' "voter_veto: the Vetoed error"
like "$err" 'vetoed by voter no \(:[0-9.]+ /test/no\): nightly backup running' \
    "voter_veto_names_the_voter_and_its_reason"
is "$(voter_calls yes check)" 1 "check_calls_every_voter: yes"
is "$(voter_calls no check)" 1 "check_calls_every_voter: no"
is "$(voter_calls yes cancel)" 1 "cancel_only_to_voters_that_allowed: yes"
is "$(voter_calls no cancel)" 0 "cancel_only_to_voters_that_allowed: not no"
manager Cancel uint64:0
like "$err" 'WrongPhase|NoOperation' "a second Cancel is refused"
is "$(voter_calls yes cancel)" 1 "cancel_at_most_once per voter"
run "$EXITCTL" participants --json
printf '%s\n' "$out" >"$T/participants.json"
is "$(python3 "$top_srcdir/tests/json-conventions.py" "$T/participants.json" doc 2>&1)" "" \
    "participants --json with voters follows the output conventions"
stop_voter no

# --- wait times fold into the window: the maximum, never the sum
start_voter seven --answer 1,7,
manager Check string:migration boolean:true
like "$out" 'string "validated"' "a validation with two allowing voters"
like "$out" 'uint32 7' "voter_waits_fold_to_the_maximum (5, 7: 7, not 12)"
stop_voter seven
stop_voter yes
start_voter big --answer 1,901,
manager Check string:hibernation boolean:true
like "$out" 'uint32 1$' "voter_wait_901_counts_as_1"
start_voter huge --answer 1,4294967295,
manager Check string:hibernation boolean:true
like "$out" 'uint32 1$' "a wait of 2^32-1 counts as 1 too"
stop_voter big
stop_voter huge

# --- a voter that hangs is an abnormal end within its own timeout
start_voter hang --hang check --opt check_timeout=1 --opt cancel_timeout=1
t0=$(now_ms)
manager Check string:migration boolean:true
t1=$(now_ms)
like "$out" 'string "validated"' "hanging_voter_counts_as_allow (check-failure allow)"
ok $([ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 4000 ]; echo $?) \
    "per_voter_check_timeout_from_options: ended after $((t1 - t0)) ms (1 s)"
like "$(grep '"event":"answer"' "$EXITPT_STATE_DIR/journal" | tail -n 1)" \
    '"end":"timed-out"' "the journal records it timed out"
run "$EXITCTL" status
like "$out" 'hang: allow: abnormal end \(timed out\) \(check-failure allow\)' \
    "exitctl status shows the abnormal end"
unlike "$out" 'veto was not counted' \
    "voter_that_never_answered_is_not_said_to_have_vetoed"
stop_voter hang

# --- an error answer is an abnormal end too
start_voter err --error check
manager Check string:migration boolean:true
like "$out" 'string "validated"' "voter_error_counts_as_allow"
stop_voter err

# --- a voter killed mid-Prepare: gone, and Prepare does not wait for it
start_voter slow --answer 1,30, --die prepare
start_voter fine --answer 1,2,
manager Check string:migration boolean:false
like "$out" 'string "allowed"' "Check allowed (window 30)"
op=$(printf '%s\n' "$out" | sed -n 's/^ *uint64 \([0-9]*\)$/\1/p')
t0=$(now_ms)
manager Prepare uint64:"$op"
t1=$(now_ms)
like "$out" 'string "prepared"' "voter_killed_mid_prepare: Prepare ends"
ok $([ $((t1 - t0)) -lt 10000 ]; echo $?) \
    "voter_killed_mid_prepare: without waiting for the window ($((t1 - t0)) ms)"
like "$(grep '"event":"answer"' "$EXITPT_STATE_DIR/journal" | grep '"phase":"prepare"' | grep slow)" \
    '"end":"gone"' "voter_killed_mid_prepare: journalled as gone"
is "$(voter_calls fine prepare)" 1 "the other voter is prepared"
manager Complete uint64:"$op" uint32:0
like "$out" 'string "completed"' "Complete"
is "$(voter_calls fine complete)" 1 "complete_calls_every_registered_voter"
like "$(tail -n 1 "$T/fine.log")" "^complete .* migration 0" \
    "Complete carries the action and the system state"
stop_voter fine

# --- per-voter complete timeout
start_voter late --hang complete --opt complete_timeout=1
manager Check string:migration boolean:false
op=$(printf '%s\n' "$out" | sed -n 's/^ *uint64 \([0-9]*\)$/\1/p')
manager Prepare uint64:"$op"
t0=$(now_ms)
manager Complete uint64:"$op" uint32:1
t1=$(now_ms)
like "$out" 'string "completed"' "complete_timeout: Complete ends"
ok $([ $((t1 - t0)) -lt 4000 ]; echo $?) \
    "per_voter_complete_timeout_from_options ($((t1 - t0)) ms)"
stop_voter late

# --- unregister
start_voter gone --answer '0,0,still registered'
manager UnregisterVoter objpath:/test/gone
like "$err" 'InvalidArgs.*no voter of this connection' \
    "UnregisterVoter only for the caller's own voters"
manager Check string:migration boolean:true
like "$err" 'still registered' "a voter that another connection names stays"
stop_voter gone
manager Check string:migration boolean:true
like "$out" 'validated' "a voter that left the bus is not called"
is "$(voter_calls gone check)" 1 "(it was called while registered)"

stop_exitd
is "$?" 0 "exitd stops cleanly"
done_testing
