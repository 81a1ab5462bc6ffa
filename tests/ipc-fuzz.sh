#!/bin/sh
# Fuzz (issue 9): while another user (nobody) damages every kind of IPC
# object it owns at random (bytes, sizes, truncation, lock words held),
# exitd runs Checks and root runs every exitctl IPC command on those
# objects.  Neither exitd nor any command may crash or hang: each command
# ends within its time with one of exitctl's exit statuses, and what it
# says of damage names the object.  EXITPT_FUZZ_SECONDS (default 4) bounds
# the run; EXITPT_FUZZ_SEED repeats one.  Needs root and user nobody.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and user nobody"
	exit 77
fi
secs=${EXITPT_FUZZ_SECONDS:-4}
seed=${EXITPT_FUZZ_SEED:-$$}
echo "# seed $seed, $secs s"
FUZZ="$top_builddir/tests/ipc-fuzz"
TARGET="$top_builddir/tests/jobitp-target"

prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=5'
suspend 10 a
start_exitd
ok $? "exitd starts"

# nobody's objects of every kind: tables, queues, areas, a mailbox.
nb() { as_user nobody "$EXITCTL" "$@" >/dev/null; }
nb critical warm -- true
nb lock FZ '*SHRRD' -- true
nb dtaq create qa --capacity 8 --max-length 32 --mode 0666 --sender-info
nb dtaq create kb --type keyed --key-length 4 --max-length 32 --mode 0644
nb dtaq send qa hello
nb dtaq send kb --key abcd keyed
nb dtaara create dd --type dec --length 9 --decimals 2 --value 1 --mode 0666
nb dtaara create cc --type char --length 16 --value x --mode 0644
mkfifo "$T/tin" "$T/tout"
as_user nobody "$TARGET" <"$T/tin" >"$T/tout" &
exec 7>"$T/tin" 8<"$T/tout"
read -r _ tpid <&8
ok "$([ -n "$tpid" ]; echo $?)" "nobody's job interrupt target runs (pid $tpid)"
stop_target() { exec 7>&- 8<&-; }
at_exit stop_target

# check CMD...: run one command with a time bound, and judge it.
bad=0
ran=0
damaged=0
check() {
	timeout 20 "$@" >"$T/o" 2>"$T/e"
	rc=$?
	ran=$((ran + 1))
	case $rc in
	0|1|2|3|64|65|69|70|74|77) ;;
	*)	bad=$((bad + 1))
		echo "# exit $rc: $*"
		sed 's/^/#   /' "$T/e" | head -5 ;;
	esac
	if grep -qv '^exitctl: ' "$T/e"; then
		bad=$((bad + 1))
		echo "# stray output: $*"
		grep -v '^exitctl: ' "$T/e" | sed 's/^/#   /' | head -5
	fi
	grep -q 'object is damaged\|skipped, damaged' "$T/e" &&
	    damaged=$((damaged + 1))
	return 0
}

as_user nobody "$FUZZ" "$secs" "$seed" >"$T/fuzz.out" &
fuzz=$!
end=$(($(date +%s) + secs))
while [ "$(date +%s)" -lt "$end" ]; do
	check "$EXITCTL" check --validate
	check "$EXITCTL" critical list
	check "$EXITCTL" lock list
	check "$EXITCTL" lock FZ '*EXCL' --wait 0 -- true
	check "$EXITCTL" dtaq list
	check "$EXITCTL" dtaq peek qa --all --hex
	check "$EXITCTL" dtaq send qa x --wait 0
	check "$EXITCTL" dtaq receive qa --wait 0 --hex
	check "$EXITCTL" dtaq peek kb --all
	check "$EXITCTL" dtaq clear kb
	check "$EXITCTL" dtaara list
	check "$EXITCTL" dtaara show cc
	check "$EXITCTL" dtaara change cc y --wait 0
	check "$EXITCTL" dtaara show dd --json
	check "$EXITCTL" dtaara change dd --add 1 --wait 0
	check "$EXITCTL" interrupt "$tpid" echo --data hi --wait 0.5
done
wait $fuzz
like "$(cat "$T/fuzz.out")" "^[1-9][0-9]* harms$" "the corrupter did harm ($(cat "$T/fuzz.out"))"
is "$bad" 0 "no_command_crashed_hung_or_said_anything_unclear ($ran run)"
ok "$([ "$damaged" -gt 0 ]; echo $?)" \
    "damage_was_reported_as_such ($damaged times)"
ok "$(kill -0 "$exitd_pid"; echo $?)" "exitd survived"
run "$EXITCTL" check --validate
ok "$([ "$status" -le 1 ]; echo $?)" "and still answers Check (exit $status)"
unlike "$(cat "$exitd_log")" "fatal|SIGBUS|Bus error|Segmentation" \
    "and logged no fault"
stop_exitd
is "$?" 0 "exitd stops cleanly"

done_testing
