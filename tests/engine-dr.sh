#!/bin/sh
# exitd and dr_reconfig() processes (issue 10): each shape of AIX program
# (handler, sigwait thread, worker thread with EVENT_FAIL as its
# acknowledgement, HTX's EVENT_FAIL then DONE) goes through check, pre and
# post; a veto reaches exitctl and hmcsim naming the process; a process
# that never acknowledges holds nothing beyond dr-timeout; one without a
# handler, or that executed another program, is never signalled and
# survives; DR_QUERY says ENXIO when idle and after its phase; posterror
# only after Prepare; hibernation and --force show; non-root vetoes need
# dr-veto; a process registers again when exitd restarts.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dr-lib.sh"

# --- configuration: bad dr settings are refused with the reason
for bad in "dr-timeout 0" "dr-timeout 901" "dr-timeout soon" \
    "dr-veto user no-such-user-x" "dr-veto group no-such-group-x" \
    "dr-veto someone root"; do
	echo "$bad" >"$T/bad.conf"
	run "$EXITD" -f --config "$T/bad.conf"
	ok $(( status != 0 ? 0 : 1 )) "exitd refuses '$bad'"
	like "$err" "bad.conf:1: (dr-timeout must be 1\.\.900 seconds|unknown (user|group)|dr-veto takes)" \
	    "and says why: $(printf '%s' "$err" | head -1)"
done

# Long enough for a loaded machine; the silent process gets a shorter one.
echo "dr-timeout 10" >"$EXITPT_CONFIG"
start_exitd -v
ok $? "exitd starts"

# --- the four shapes of AIX program, and one without a handler
dr hnd handler
dr sw sigwait
dr wrk worker
dr htx htx
dr none nohandler
is "$(out hnd)" "query rc -1 errno 6" \
    "dr_query_when_idle_gives_ENXIO (registered, no operation)"

run "$EXITCTL" migrate
is "$status" 0 "a migration with four dr processes completes"
for p in hnd sw wrk htx; do
	like "$out" "pid $(pid $p) dr-proc \\($DRPROC\\)" \
	    "$p: named by pid, command and executable in the report"
done
unlike "$out" "pid $(pid none) " \
    "linked_without_handler_is_not_a_participant"
like "$out" "window 10 s" "a process that allows asks for dr-timeout as its wait"
for p in hnd sw wrk htx; do
	wait_out $p 1 '^ack post'
done
for p in hnd sw; do
	is "$(grep -v '^query' "$T/$p.out")" "check migrate 1 hibernate 0 force 0 partition 1 gen 1
ack check DR_RECONFIG_DONE rc 0 errno 0
pre migrate 1 hibernate 0 force 0 partition 1 gen 2
ack pre DR_RECONFIG_DONE rc 0 errno 0
post migrate 1 hibernate 0 force 0 partition 1 gen 3
ack post DR_RECONFIG_DONE rc 0 errno 0" \
	    "$p: check, pre, post, each queried and acknowledged"
done
is "$(grep '^ack' "$T/wrk.out")" "ack check DR_RECONFIG_DONE rc 0 errno 0
ack pre DR_EVENT_FAIL rc 0 errno 0
ack post DR_EVENT_FAIL rc 0 errno 0" \
    "worker_thread_after_handler_returned_acknowledges_a_copy_with_EVENT_FAIL"
is "$(grep '^ack post' "$T/htx.out")" "ack post DR_EVENT_FAIL rc 0 errno 0
ack post DR_RECONFIG_DONE rc 0 errno 0" \
    "htx_event_fail_then_done_in_post: both return 0"
kill -0 "$(pid none)"
ok $? "the process without a handler survives the migration"
is "$(out none)" "query rc -1 errno 6" "and was never signalled"
like "$(grep '"kind":"dr"' "$EXITPT_STATE_DIR/journal" | grep '"event":"answer"' | head -1)" \
    '"end":"answered"' "dr answers are journalled like a program's"
grep 'memfd:exitpt-dr' "/proc/$(pid hnd)/maps" | grep -q ' r--s '
ok $? "the process maps its page read-only"
stop sw
stop wrk
stop htx
stop none

# --- hibernation and force
run "$EXITCTL" hibernate --force
is "$status" 0 "a forced hibernation completes"
wait_out hnd 1 '^ack post.*'
like "$(grep '^check' "$T/hnd.out" | tail -1)" \
    "check migrate 0 hibernate 1 force 1" "hibernation_sets_hibernate (and force)"
like "$(grep '^post' "$T/hnd.out" | tail -1)" "hibernate 1 force 1" \
    "in every phase"

# --- posterror only after Prepare
run "$EXITCTL" check
n=$(grep -c '^posterror' "$T/hnd.out")
run "$EXITCTL" cancel
is "$status" 2 "cancel after check"
is "$(grep -c '^posterror' "$T/hnd.out")" "$n" \
    "cancel_after_check_only_sends_nothing"
run "$EXITCTL" check
run "$EXITCTL" prepare
run "$EXITCTL" cancel
is "$status" 2 "cancel after prepare"
like "$out" "pid $(pid hnd) dr-proc" "the process takes part in the Cancel"
wait_out hnd 1 '^ack posterror'
ok $? "posterror_after_cancel_after_prepare, acknowledged"

# --- a veto reaches exitctl and hmcsim, naming the process
dr veto handler -v
run "$EXITCTL" check
is "$status" 1 "a DR_EVENT_FAIL in check vetoes"
like "$out" "vetoed by pid $(pid veto) dr-proc \\($DRPROC\\): DR_EVENT_FAIL in check" \
    "veto_reaches_exitctl_naming_pid_command_and_executable"
run "$top_builddir/exitd/hmcsim/hmcsim" migrate
is "$status" 1 "hmcsim: vetoed"
like "$out" "pid $(pid veto) dr-proc \\($DRPROC\\).*DR_EVENT_FAIL in check" \
    "veto_reaches_hmcsim_naming_the_process"
wait_out veto 2 '^ack check DR_EVENT_FAIL rc 0'
ok $? "root may veto: DR_EVENT_FAIL returns 0"
stop veto

# --- a process that never acknowledges (dr-timeout 2, reloaded)
echo "dr-timeout 2" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 1 "configuration reloaded"
dr quiet silent
t0=$(now_ms)
run "$EXITCTL" check
t1=$(now_ms)
is "$status" 0 "a silent process does not veto"
like "$out" "pid $(pid quiet) dr-proc.*did not acknowledge check in time" \
    "process_that_never_acknowledges_is_an_abnormal_end"
ok $(( t1 - t0 < 2000 + 2500 ? 0 : 1 )) \
    "and holds Check no longer than dr-timeout ($((t1 - t0)) ms)"
kill -USR1 "$(pid quiet)"
wait_out quiet 2 '^query rc -1 errno 6'
ok $? "a DR_QUERY after its phase ended says ENXIO"
run "$EXITCTL" cancel
stop quiet
echo "dr-timeout 10" >"$EXITPT_CONFIG"
kill -HUP "$exitd_pid"
wait_log 2 "configuration reloaded"

# --- a thread in sigwait() for other signals does not take SIGRECONFIG:
# the kernel shows the signals a thread awaits as unblocked, and
# SIGRECONFIG, neither caught nor blocked, would end the process
dr other waitother
run "$EXITCTL" check --validate
is "$status" 0 "a validation with a process that waits for other signals"
unlike "$out" "pid $(pid other) " \
    "sigwait_for_other_signals_is_not_waiting_for_SIGRECONFIG"
alive "$(pid other)"
ok $? "and the process survives"
stop other

# --- a process's name is its user's choice: a command name with a
# terminal escape (from a symbolic link's name) reaches no listing raw
esc=$(printf '\033')
ln -s "$DRPROC" "$T/dr${esc}[2Jproc"
rm -f "$T/esc.ready"
mkfifo "$T/esc.ready"
"$T/dr${esc}[2Jproc" handler >"$T/esc.out" 3>"$T/esc.ready" &
read -r _ p <"$T/esc.ready"
echo "$p" >"$T/esc.dpid"
run "$EXITCTL" participants
like "$out" "pid $(pid esc) dr \[2Jproc" "the process is listed"
unlike "$out" "$esc" "dr_participant_names_lose_their_control_characters"
run "$EXITCTL" participants --json
unlike "$out" "u001[bB]" "in --json too"
printf '%s\n' "$out" >"$T/participants.json"
is "$(python3 "$top_srcdir/tests/json-conventions.py" "$T/participants.json" doc 2>&1)" "" \
    "participants --json with dr processes follows exitctl's output conventions"
stop esc

# --- nor can a process's name pass for its signal masks: /proc's status
# starts with "Name:", and a name "SigCgt:0" once read as the process's
# caught signals (it was left out though it catches SIGRECONFIG)
ln -s "$DRPROC" "$T/SigCgt:0"
DRPROG="$T/SigCgt:0"
dr nm handler
DRPROG=
run "$EXITCTL" check --validate
like "$out" "pid $(pid nm) SigCgt:0 .*: allow" \
    "dr_signal_masks_are_read_at_a_line_start_not_in_the_name"
wait_out nm 1 '^ack check'
ok $? "and the process got check"
stop nm

# --- exec: no longer signalled (checked when sending)
dr ex exec
run "$EXITCTL" check
wait_out ex 1 '^ack check'
# The process executes sleep, keeping its registration's descriptor.
i=0
while [ "$(cat "/proc/$(pid ex)/comm" 2>/dev/null)" != sleep ] && [ $i -lt 200 ]; do
	i=$((i + 1)); sleep 0.05
done
is "$(cat "/proc/$(pid ex)/comm")" sleep "the process executed sleep"
run "$EXITCTL" prepare
like "$out" "pid $(pid ex) .*not signalled: it does not catch SIGRECONFIG" \
    "exec_after_registering_is_not_signalled (checked at send time)"
run "$EXITCTL" complete
kill -0 "$(pid ex)"
ok $? "and survives the migration"
stop ex

# --- non-root: EPERM unless dr-veto names the user
if [ "$(id -u)" -eq 0 ] && [ -n "$SETPRIV" ] && id nobody >/dev/null 2>&1 &&
    as_user nobody test -x "$DRPROC"; then
	rm -f "$T/nob.ready"; mkfifo "$T/nob.ready"; chmod 666 "$T/nob.ready"
	: >"$T/nob.out"; chmod 666 "$T/nob.out"
	as_user nobody env EXITPT_SOCKET="$EXITPT_SOCKET" sh -c \
	    "exec '$DRPROC' handler -v >'$T/nob.out' 3>'$T/nob.ready'" &
	read -r _ nob <"$T/nob.ready"
	echo "$nob" >"$T/nob.dpid"
	run "$EXITCTL" check
	is "$status" 0 "a non-root DR_EVENT_FAIL does not veto"
	like "$out" "DR_EVENT_FAIL refused \\(EPERM\\): uid $(id -u nobody) may not veto" \
	    "non_root_event_fail_is_refused_with_EPERM, as the report says"
	wait_out nob 1 '^ack check DR_EVENT_FAIL rc -1 errno 1'
	ok $? "the process gets EPERM"
	run "$EXITCTL" cancel
	echo "dr-veto user nobody" >>"$EXITPT_CONFIG"
	kill -HUP "$exitd_pid"
	wait_log 3 "configuration reloaded"
	run "$EXITCTL" check
	is "$status" 1 "with dr-veto user nobody, it vetoes"
	like "$out" "vetoed by pid $nob dr-proc" "naming the process"
	stop nob
else
	ok 0 "# SKIP non-root veto: needs root, setpriv and a user nobody who can run the tests"
fi

# --- a forked child registers on its own and takes part
dr par fork
wait_out par 1 '^child '
child=$(sed -n 's/^child //p' "$T/par.out")
wait_log 1 "dr: pid $child (dr-proc) uid [0-9]* registered"
ok $? "a forked child registers on its own"
run "$top_builddir/exitd/hmcsim/hmcsim" migrate --force
is "$status" 0 "hmcsim migrate --force with parent and child"
like "$out" "pid $(pid par) dr-proc" "the parent takes part"
like "$out" "pid $child dr-proc" "the child takes part"
wait_out par 2 '^ack post'
like "$(grep '^check' "$T/par.out")" "force 1" "hmcsim --force sets force"
echo "$child" >"$T/child.dpid"
stop child
stop par

# --- the sample: a ported AIX program that vetoes while busy
"$top_builddir/samples/aix-dlpar" -b "$T/busy" >"$T/sample.out" &
sample=$!
echo "$sample" >"$T/sample.dpid"
wait_out sample 1 '^ready'
wait_log 1 "dr: pid $sample (aix-dlpar) uid [0-9]* registered"
run "$EXITCTL" migrate
is "$status" 0 "the sample allows a migration while idle"
if wait_out sample 1 '^post: acknowledged'; then
	ok 0 "and prints and acknowledges check, pre and post"
else
	ok 1 "and prints and acknowledges check, pre and post"
	sed 's/^/#   /' "$T/sample.out"; printf '%s\n' "$out" | sed 's/^/#   /'
fi
touch "$T/busy"
run "$EXITCTL" check
is "$status" 1 "the sample vetoes while busy"
like "$out" "vetoed by pid $sample aix-dlpar .*DR_EVENT_FAIL in check" \
    "naming itself"
stop sample

# --- exitd restarts mid-operation: the process registers again by itself
# and gets the recovered operation's post, once
reg="dr: pid $(pid hnd) (dr-proc) uid [0-9]* registered"
n=$(grep -c -- "$reg" "$exitd_log")
run "$EXITCTL" check
run "$EXITCTL" prepare
is "$status" 0 "prepared before the restart"
npost=$(grep -c '^ack post' "$T/hnd.out")
stop_exitd
start_exitd -v
ok $? "exitd restarts with the operation open"
wait_log $((n + 1)) "$reg"
ok $? "the process registered again without being told"
run "$EXITCTL" complete
is "$status" 0 "the recovered operation completes"
like "$out" "pid $(pid hnd) dr-proc" "with the process that took part in its check"
wait_out hnd $((npost + 1)) '^ack post'
ok $? "which gets post"
n=$(grep -c '^ack post' "$T/hnd.out")
run "$EXITCTL" migrate
is "$status" 0 "a migration after the restart"
wait_out hnd $((n + 1)) '^ack post'
ok $? "the process took part again"
stop hnd
stop_exitd
done_testing
