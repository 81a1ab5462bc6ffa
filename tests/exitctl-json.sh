#!/bin/sh
# exitctl's output conventions (exitctl(8), OUTPUT CONVENTIONS): every
# command that takes --json prints JSON that python3's json module parses;
# operation ids are the same 16 lower-case hex digits everywhere, in text
# too; times are ISO 8601 with milliseconds and a zone; durations are
# integer milliseconds under *_ms names.  The list of commands comes from
# exitctl's own usage, so a new --json command without a check here fails.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

CONV="$top_srcdir/tests/json-conventions.py"
TARGET="$top_builddir/tests/jobitp-target"
covered='|'

# conv NAME [lines]: $out parses and follows the conventions.
conv() {
	printf '%s\n' "$out" >"$T/json.out"
	why=$(python3 "$CONV" "$T/json.out" "${2:-doc}" 2>&1)
	is "$why" "" "$1 --json parses and follows the conventions"
	covered="$covered$1|"
}

# jq EXPR: evaluate a python expression on d, the JSON in $out.
jq() { printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# hexids TEXT: every "operation X" in text, X not 16 lower-case hex digits.
hexids() { printf '%s\n' "$1" | grep -Eo 'operation [^ ,)]+' | grep -Ev '^operation [0-9a-f]{16}$'; }

prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=2'
prog far 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=901'
prog r 'exit 0'
suspend 10 a --check-timeout 5
suspend 20 far
resume 10 r
start_exitd
ok $? "exitd starts"

# --- registry and the phase commands
run "$EXITCTL" list --json
conv list
is "$(jq 'd[0]["check_timeout_ms"], d[0]["complete_timeout_ms"]')" "5000 300000" \
    "registry timeouts are milliseconds"

run "$EXITCTL" check --json
is "$status" 0 "check allows"
conv check
op=$(jq 'd["operation"]')
is "$(jq 'd["window_ms"], d["answers"][1]["wait_ms"], d["answers"][1]["counted_wait_ms"]')" \
    "2000 901000 1000" "the window and the waits are milliseconds, as answered and as counted"
run "$EXITCTL" status
is "$(hexids "$out")" "" "status text shows the operation id in hex"
like "$out" "operation $op " "the same id as in the JSON"
run "$EXITCTL" prepare --json
conv prepare
is "$(jq 'd["operation"]')" "$op" "prepare names the same operation"
run "$EXITCTL" complete --json
conv complete
is "$(jq 'd["system_state"]')" 0 "complete gives the system state"

"$EXITCTL" check >/dev/null
run "$EXITCTL" cancel --json
conv cancel

run "$EXITCTL" migrate --json
is "$status" 0 "migrate completes"
conv migrate
is "$(jq '" ".join(r["phase"] for r in d)')" "check prepare complete" \
    "migrate --json is one array of the phases' reports"
run "$EXITCTL" hibernate --json
conv hibernate

# status: one snapshot, and following (one JSON object per line)
run "$EXITCTL" status --json
conv status
"$EXITCTL" check >/dev/null
mkfifo "$T/follow"
"$EXITCTL" status --follow --json >"$T/follow" 2>"$T/follow.err" &
follower=$!
exec 5<"$T/follow"
read -r first <&5
"$EXITCTL" cancel >/dev/null
rest=$(cat <&5)
exec 5<&-
wait $follower
is "$?" 0 "status --follow --json ends with the operation"
out=$(printf '%s\n%s\n' "$first" "$rest")
conv "status --follow" lines
like "$(printf '%s\n' "$rest" | tail -n 1)" '"outcome":"cancelled"' \
    "its last line is the cancelled operation"

# a vetoed check carries the Cancel that followed
prog no 'echo EXITPT_STATUS=0; echo EXITPT_REASON=busy'
suspend 30 no
run "$EXITCTL" check --validate --json
is "$status" 1 "check vetoed"
conv "check (vetoed)"
is "$(jq 'd["cancel"]["phase"], d["cancel"]["operation"] == d["operation"]')" "cancel True" \
    "the vetoed check's JSON holds the Cancel that followed"
"$EXITCTL" remove QIBM_QWC_SUSPEND 30 >/dev/null

run "$EXITCTL" journal --json
conv journal
is "$(jq 'len(d) > 10 and all(len(r["op"]) == 16 for r in d)')" True \
    "every journal record names its operation in hex"
run "$EXITCTL" journal
is "$(printf '%s\n' "$out" | awk '{ print $3 }' | grep -Ev '^[0-9a-f]{16}$' | head -n 3)" "" \
    "journal text shows every operation id in hex"
like "$out" " $op operation-start" "including the one the phase commands named"

# --- IPC objects
run "$EXITCTL" critical payroll -- "$EXITCTL" critical list --json
conv "critical list"
run "$EXITCTL" critical pending on "$op"
run "$EXITCTL" critical pending show --json
conv "critical pending"
is "$(jq 'd["operation"]')" "$op" "critical pending shows the id as the phase commands do"
run "$EXITCTL" critical pending show
is "$(hexids "$out")" "" "and in text"
like "$out" "operation $op" "the same id"
"$EXITCTL" critical pending off

run "$EXITCTL" critical payroll -- "$EXITCTL" participants --json
conv participants
is "$(jq '[p["kind"] for p in d]')" "['program', 'program', 'program', 'critical']" \
    "participants lists the programs and the section held"

run "$EXITCTL" lock ledger '*SHRRD' -- "$EXITCTL" lock list --json
conv "lock list"

"$EXITCTL" dtaq create q --sender-info >/dev/null
"$EXITCTL" dtaq send q one
"$EXITCTL" dtaq send q two
run "$EXITCTL" dtaq peek q --json
conv "dtaq peek"
run "$EXITCTL" dtaq receive q --json
conv "dtaq receive"
is "$(jq 'd["data"]')" one "receive takes the first entry"
run "$EXITCTL" dtaq list --json
conv "dtaq list"

"$EXITCTL" dtaara create count --type '*DEC' --length 5 --decimals 0 --value 7
run "$EXITCTL" dtaara show count --json
conv "dtaara show"
run "$EXITCTL" dtaara list --json
conv "dtaara list"

mkfifo "$T/tin" "$T/tout"
"$TARGET" <"$T/tin" >"$T/tout" &
tpid=$!
exec 3>"$T/tin" 4<"$T/tout"
read -r _ _ <&4
run "$EXITCTL" interrupt "$tpid" echo --data hi --json
conv interrupt
exec 3>&- 4<&-
wait "$tpid"

# --- every command whose usage offers --json was checked above
usage=$("$EXITCTL" --help | grep -e '--json' | sed 's/^ *\(usage: \)\{0,1\}exitctl //' |
    grep -v '^\[--state-dir' | awk '{ c = $1; if ($2 ~ /^[a-z-]+$/) c = c " " $2; print c }' |
    sort -u)
missing=$(printf '%s\n' "$usage" | while read -r c; do
	case "$covered" in *"|$c|"*|*"|$c "*) ;; *) echo "$c" ;; esac
done)
is "$missing" "" "every command with --json in exitctl's usage is checked"
ok "$([ "$(printf '%s\n' "$usage" | wc -l)" -ge 17 ]; echo $?)" \
    "the usage names them all ($(printf '%s\n' "$usage" | tr '\n' ',' ))"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
