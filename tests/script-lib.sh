# Helpers for the tests of the scripted participant kind
# (tests/part-script.c): source after tests/exitd-lib.sh.  exitd is then
# tests/exitd-script, a real exitd with that kind in its table; the
# participants are the lines of $EXITPT_STATE_DIR/script, and every call
# they get is counted in $EXITPT_STATE_DIR/script.calls.

EXITD="$top_builddir/tests/exitd-script"
J="$EXITPT_STATE_DIR/journal"
mkdir -p "$EXITPT_STATE_DIR"

# script LINE...: the scripted participants, one per argument (see
# tests/part-script.c for the words of a line).
script() { printf '%s\n' "$@" >"$EXITPT_STATE_DIR/script"; }

# script_calls NAME PHASE [stop]: how many calls (or stops) NAME got in
# PHASE (check, prepare, cancel, complete) since the last forget_calls.
script_calls() {
	if [ -f "$EXITPT_STATE_DIR/script.calls" ]; then
		grep -c -x -- "$*" "$EXITPT_STATE_DIR/script.calls"
	else
		echo 0
	fi
}
forget_calls() { rm -f "$EXITPT_STATE_DIR/script.calls"; }

# last_op: the id of the last operation in the journal.
last_op() {
	sed -n 's/.*"op":"\([0-9a-f]*\)","event":"operation-start".*/\1/p' \
	    "$J" | tail -n 1
}

# jrec EVENT PHASE NAME: the journal records of the last operation with
# that event (call, answer, late-answer) and phase, for participant NAME.
jrec() {
	grep "\"op\":\"$(last_op)\"" "$J" | grep "\"event\":\"$1\"" |
	    grep "\"phase\":\"$2\"" | grep "\"kind\":\"script\",\"key\":\"$3\""
}

# jwindow: the prepare window the last operation's Check ended with.
jwindow() {
	grep "\"op\":\"$(last_op)\"" "$J" |
	    grep '"event":"phase-end","phase":"check"' |
	    sed 's/.*"window":\([0-9]*\).*/\1/'
}

# joutcome: the last operation's outcome, once it has ended.
joutcome() {
	grep "\"op\":\"$(last_op)\"" "$J" | grep '"event":"operation-end"' |
	    sed 's/.*"outcome":"\([a-z]*\)".*/\1/'
}

# wait_journal PATTERN: wait until the journal has a line matching
# PATTERN: a late answer comes after the phase that waited for it.
wait_journal() { wait_until grep -q -- "$1" "$J"; }

# called NAME PHASE: NAME was called in PHASE.
called() { [ "$(script_calls "$1" "$2")" -gt 0 ]; }

# wait_calls NAME PHASE: wait until NAME was called in PHASE.
wait_calls() { wait_until called "$1" "$2"; }
