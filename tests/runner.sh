#!/bin/sh
# exitd's runner (SPEC section 4): how an exit program is started, what it
# sees, how its answers are read back, and how it is stopped, killed and
# refused.  tests/runner-harness runs programs through runner.c and prints
# one result line per program; the programs' output is logged on stderr.
. "$top_srcdir/tests/lib.sh"

H="$top_builddir/tests/runner-harness"
T=$TEST_TMP

# result NUMBER KEY: a field of a program's result line (reason: the rest).
result() {
	line=$(printf '%s\n' "$out" | grep "^number=$1 ")
	if [ "$2" = reason ]; then
		printf '%s\n' "$line" | sed 's/.* reason=//'
	else
		printf '%s\n' "$line" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
	fi
}

# logged TEXT: the lines a program printed, as the runner logged them.
logged() { printf '%s\n' "$err" | sed -n 's/^exitd: program [0-9]* ([^)]*): //p'; }

# --- what the program sees

make_prog "$T/probe.sh" '
echo "argv=$0 $1 $2 $#"
echo "cwd=$(pwd)"
echo "stdin=$(readlink /proc/self/fd/0)"
read -r _ _ _ _ pgrp _ </proc/$$/stat
[ "$pgrp" = $$ ] && echo "pgrp=own" || echo "pgrp=$pgrp pid=$$"
echo "env=$(tr "\0" "\n" </proc/$$/environ | sort | tr "\n" " ")"
fds=; for fd in 4 5 6 7 8 9; do [ -e /proc/$$/fd/$fd ] && fds="$fds $fd"; done
echo "extra_fds=$fds"
echo "fd3=$(od -An -td4 -v <&3 | tr -s " " | sed "s/^ //")"
echo "ids=$(id -u):$(id -g):$(id -G | tr " " ,)"'

# The minimal environment: the runner adds EXITPT_RUNTIME_DIR only when
# exitd itself was given one (checked at the end).
rundir=$EXITPT_RUNTIME_DIR
unset EXITPT_RUNTIME_DIR
run "$H" -n 7 -d 'hello data' "$T/probe.sh"
is "$status" 0 "the harness ran one program"
is "$(result 7 end)" exited "a probe that exits 0 ends as exited"
is "$(result 7 code)" 0 "with code 0"
log=$(logged)
like "$log" "^argv=/dev/fd/4 BMGF0100 1 2$" \
    "a script gets FORMAT and PHASE, and reads itself from the checked descriptor, fd 4"
like "$log" "^cwd=/$" "cwd is /"
like "$log" "^stdin=/dev/null$" "stdin is /dev/null"
like "$log" "^pgrp=own$" "the program leads a fresh process group"
like "$log" "^env=EXITPT_ACTION=migration EXITPT_EXIT_POINT=QIBM_QWC_SUSPEND EXITPT_FORMAT=BMGF0100 EXITPT_OPERATION_ID=000000001234abcd EXITPT_PHASE=1 EXITPT_PROGRAM_DATA=hello data EXITPT_PROGRAM_NUMBER=7 PATH=[^ ]* $" \
    "the Check environment is exactly the minimal one"
like "$log" "^extra_fds= 4$" "a script holds only its own fd 4 above fd 3"
like "$log" "^fd3=16 1 -1 0$" "fd 3 holds BMGF0100 prefilled with status -1, wait 0"
like "$log" "^ids=$(id -u):$(id -g):$(id -G | tr ' ' ,)$" \
    "run as the run-as user (here exitd's own), with its groups"

run "$H" "$top_builddir/tests/probe-exec"
like "$(logged)" "^argv=$top_builddir/tests/probe-exec BMGF0100 1$" \
    "a binary's argv is {program, FORMAT, PHASE}"
like "$(logged)" "^extra_fds=$" "no descriptor above 3 leaks into a binary"

run "$H" -f BMGF0200 -p 2 -r 2 -W 120 -a 2 "$T/probe.sh"
log=$(logged)
like "$log" "^argv=/dev/fd/4 BMGF0200 2 2$" "Cancel gets BMGF0200 and phase 2"
like "$log" "EXITPT_ACTION=hibernation .*EXITPT_REQUEST=cancel EXITPT_WAIT_TIME=120 " \
    "Cancel's environment names the action, the request and the window"
like "$log" "^fd3=16 2 2 120$" "fd 3 holds BMGF0200 with request and window"

run "$H" -f AMGF0100 -p 4 -s 1 "$T/probe.sh"
log=$(logged)
like "$log" "EXITPT_EXIT_POINT=QIBM_QWC_RESUME .*EXITPT_SYSTEM_STATE=1 " \
    "Complete's environment has the resume point and the system state"
like "$log" "^fd3=12 1 1$" "fd 3 holds exactly the 12 bytes of AMGF0100"

if [ "$(id -u)" = 0 ]; then
	run "$H" -u nobody "$T/probe.sh"
	is "$(result 1 end) $(result 1 code)" "exited 0" "a program run as nobody runs"
	like "$(logged)" "^ids=65534:65534:65534$" "run as nobody, with nobody's groups"
else
	ok 0 "a program run as nobody runs # SKIP needs root"
	ok 0 "run as nobody, with nobody's groups # SKIP needs root"
fi

# --- answers: fd 3 and stdout keys

# put OFFSET VALUE: write a native (little-endian) int32 into fd 3.
cat >"$T/put.sh" <<'EOF'
put() {
	v=$2; [ "$v" -lt 0 ] && v=$((v + 4294967296))
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) \
	    $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)))" |
	    dd of=/proc/self/fd/3 bs=1 seek="$1" conv=notrunc status=none
}
EOF

make_prog "$T/fd3.sh" ". $T/put.sh; put 8 0; put 12 77"
run "$H" "$T/fd3.sh"
is "$(result 1 info)" "16,1,0,77" "answers written in place on fd 3 are read back"

make_prog "$T/resize.sh" ". $T/put.sh; put 8 0
put 16 5 2>/dev/null; truncate -s 0 /proc/self/fd/3 2>/dev/null
echo size=\$(stat -L -c %s /proc/self/fd/3)"
run "$H" "$T/resize.sh"
is "$(logged)" "size=16" "a Check program can write fd 3 but neither grow nor shrink it"
is "$(result 1 info)" "16,1,0,0" "and what it wrote in place is still read back"

make_prog "$T/keys.sh" ". $T/put.sh; put 8 1; put 12 5
echo EXITPT_STATUS=0
echo EXITPT_WAIT_TIME=300
echo EXITPT_REASON=database backup running
echo an ordinary line"
run "$H" "$T/keys.sh"
is "$(result 1 info)" "16,1,0,300" "stdout keys win over fd 3"
is "$(result 1 reason)" "database backup running" "EXITPT_REASON is the reason"
is "$(logged)" "an ordinary line" "other lines go to the log, keys do not"

make_prog "$T/ctl.sh" 'printf "EXITPT_REASON=tab\there \033[31mred\r\n"'
run "$H" "$T/ctl.sh"
is "$(result 1 reason)" "tab here  [31mred" \
    "control characters in the reason become spaces (a trailing CR ends the line)"

make_prog "$T/last.sh" "echo EXITPT_STATUS=0; echo EXITPT_STATUS=7; echo EXITPT_WAIT_TIME=-3"
run "$H" "$T/last.sh"
is "$(result 1 info)" "16,1,7,-3" \
    "the last key wins; out-of-range values pass through for the phase engine to judge"

make_prog "$T/garbage.sh" 'echo EXITPT_STATUS=abc
echo EXITPT_WAIT_TIME=12x
echo EXITPT_STATUS=
echo EXITPT_FOO=1
printf "\001\002 binary \377\n"
printf "no newline at the end"'
run "$H" "$T/garbage.sh"
is "$(result 1 end) $(result 1 info)" "exited 16,1,-1,0" "malformed keys are ignored"
like "$(result 1 reason)" "^malformed EXITPT_" "and noted in the reason"
like "$err" "malformed EXITPT_STATUS value 'abc' ignored" "and warned about in the log"
like "$(logged)" "^EXITPT_FOO=1$" "an unknown EXITPT_ key is an ordinary line"
like "$(logged)" "^no newline at the end$" "a last line without newline is logged"

make_prog "$T/prep.sh" "echo EXITPT_STATUS=0; echo EXITPT_WAIT_TIME=9; echo EXITPT_REASON=partly done"
run "$H" -f BMGF0200 -p 2 -r 1 -W 120 "$T/prep.sh"
is "$(result 1 info)" "16,1,1,120" "outside Check the keys cannot overwrite request and window"
is "$(result 1 reason)" "partly done" "but the reason is kept"

make_prog "$T/rdonly.sh" 'echo x >&3 2>/dev/null && echo wrote-fd3
printf xxxx | dd of=/proc/self/fd/3 conv=notrunc status=none 2>/dev/null && echo wrote-proc
echo "fd3=$(od -An -td4 -v <&3 | tr -s " " | sed "s/^ //")"'
run "$H" -f AMGF0100 -p 4 "$T/rdonly.sh"
is "$(logged)" "fd3=12 1 0" "a resume program can neither write fd 3 nor reopen it for writing"
is "$(result 1 info)" "12,1,0" "and exitd's copy is unchanged"

# --- bounded output

make_prog "$T/chatty.sh" 'yes "a line of chatter from a busy exit program" | head -c 30000000
echo
echo EXITPT_STATUS=0'
run "$H" -m "$T/chatty.sh"
is "$(result 1 end) $(result 1 code)" "exited 0" "a program printing 30 MB runs to its end"
kept=$(result 1 kept); dropped=$(result 1 dropped)
ok "$([ "$kept" -le 65536 ] && [ "$kept" -gt 60000 ]; echo $?)" "only the first 64 KiB are kept ($kept)"
ok "$([ $((kept + dropped)) -ge 30000000 ]; echo $?)" "the rest is counted as dropped ($dropped)"
growth=$(printf '%s\n' "$out" | sed -n 's/^maxrss_growth_kb=//p')
ok "$([ "$growth" -lt 2048 ]; echo $?)" "the runner's memory does not grow with the output (${growth} KiB)"
is "$(result 1 info)" "16,1,0,0" "a key after the limit is still honoured"
ok "$([ "$(printf '%s\n' "$err" | wc -c)" -lt 200000 ]; echo $?)" "the log holds only the kept part"

# --- ends: exit codes, signals, timeouts, stop

make_prog "$T/exit3.sh" 'exit 3'
make_prog "$T/segv.sh" 'kill -SEGV $$'
run "$H" "$T/exit3.sh" "$T/segv.sh"
is "$(result 1 end) $(result 1 code)" "exited 3" "a non-zero exit is reported with its code"
is "$(result 2 end) $(result 2 code)" "signaled 11" "a crash by SIGSEGV is reported as signaled"
like "$(result 2 reason)" "killed by signal 11" "with a reason"

make_prog "$T/stubborn.sh" "trap '' TERM
sleep 1000 &
echo \$! >$T/stubborn.child
wait"
run "$H" -t 1 "$T/stubborn.sh"
is "$(result 1 end)" timedout "a program past its timeout is timed out"
ms=$(result 1 duration_ms)
ok "$([ "$ms" -ge 5900 ] && [ "$ms" -lt 9000 ]; echo $?)" "SIGTERM ignored: SIGKILL came after the 5 s grace ($ms ms)"
like "$err" "timed out, sending SIGTERM" "SIGTERM was sent first"
like "$err" "sending SIGKILL" "then SIGKILL"
gone "$(cat "$T/stubborn.child")"
ok $? "its forked child in the same group is dead too"

make_prog "$T/sleeper.sh" "sleep 1000 & echo \$! >$T/sleeper.child; wait"
run "$H" -k 200 "$T/sleeper.sh"
is "$(result 1 end)" timedout "runner_stop ends a program as timed out"
ms=$(result 1 duration_ms)
ok "$([ "$ms" -lt 4000 ]; echo $?)" "a program that obeys SIGTERM ends without the grace ($ms ms)"
like "$(result 1 reason)" "ended on SIGTERM" "and the reason says how it ended"
gone "$(cat "$T/sleeper.child")"
ok $? "its child is dead too"

make_prog "$T/leaver.sh" "sleep 1000 & echo \$! >$T/leaver.child; echo bye"
start=$(date +%s)
run "$H" "$T/leaver.sh"
is "$(result 1 end) $(result 1 code)" "exited 0" "a program whose child keeps stdout open ends when it exits"
ok "$([ $(($(date +%s) - start)) -lt 5 ]; echo $?)" "without waiting for the child"
like "$(logged)" "^bye$" "its output up to its exit is logged"
gone "$(cat "$T/leaver.child")"
ok $? "and the rest of its process group is killed"

# --- refusals

make_prog "$T/ok.sh" 'exit 0'
make_prog "$T/noexec.sh" 'exit 0'; chmod 644 "$T/noexec.sh"
make_prog "$T/open.sh" 'exit 0'; chmod 777 "$T/open.sh"
printf '#!/nonexistent/interpreter\n' >"$T/badinterp.sh"; chmod 755 "$T/badinterp.sh"
run "$H" "$T/missing.sh" "$T/noexec.sh" "$T/open.sh" "$T/badinterp.sh" "$T/ok.sh"
is "$status" 0 "every program, refused or not, is reported exactly once"
is "$(result 1 end)" refused "a missing program is refused"
like "$(result 1 reason)" "is missing" "because it is missing"
is "$(result 2 end)" refused "a program without execute bits is refused"
like "$(result 2 reason)" "is not executable" "because it is not executable"
is "$(result 3 end)" refused "a program writable by everyone is refused"
like "$(result 3 reason)" "writable by everyone" "because it is writable by everyone"
is "$(result 4 end)" refused "a program whose interpreter is missing is refused"
like "$(result 4 reason)" "interpreter /nonexistent/interpreter is missing" \
    "because its interpreter is missing"
is "$(result 5 end) $(result 5 code)" "exited 0" "a safe program beside them runs"
like "$out" "started number=1 pid=-1" "a refused program has no pid"

if [ "$(id -u)" = 0 ]; then
	make_prog "$T/grp.sh" 'exit 0'; chgrp 65534 "$T/grp.sh"; chmod 775 "$T/grp.sh"
	mkdir "$T/opendir"; chmod 777 "$T/opendir"; make_prog "$T/opendir/p.sh" 'exit 0'
	run "$H" "$T/grp.sh" "$T/opendir/p.sh"
	is "$(result 1 end)" refused "a program writable by a group other than root's is refused"
	like "$(result 1 reason)" "writable by group 65534" "naming the group"
	is "$(result 2 end)" refused "a program in a directory writable by everyone is refused"
	like "$(result 2 reason)" "directory $T/opendir is writable by everyone" "naming the directory"
fi

run "$H" -u no-such-user-exitpt "$T/ok.sh"
is "$(result 1 end)" refused "a run-as user that no longer exists is refused"
like "$(result 1 reason)" "run-as user 'no-such-user-exitpt' no longer exists" "with the user named"

# --- many at once, each reported once

progs=
i=0
while [ $i -lt 40 ]; do
	make_prog "$T/n$i.sh" "echo EXITPT_WAIT_TIME=$((i + 1))"
	progs="$progs $T/n$i.sh"
	i=$((i + 1))
done
run "$H" $progs
is "$(printf '%s\n' "$out" | sed -n 's/^reports=//p')" 40 "40 programs at once: 40 reports"
is "$(printf '%s\n' "$out" | grep -c '^number=.* end=exited code=0 ')" 40 "each exited 0"
is "$(result 40 info)" "16,1,-1,40" "and each answer reaches its own job"

# A private IPC runtime directory of exitd's is its programs' too, so that
# they reach the same critical sections, queues and areas.
EXITPT_RUNTIME_DIR=$rundir run "$H" -n 7 "$T/probe.sh"
like "$(logged)" "^env=.* EXITPT_RUNTIME_DIR=$rundir " \
    "exitd's own EXITPT_RUNTIME_DIR is passed on"

done_testing
