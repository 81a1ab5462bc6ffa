#!/bin/sh
# exitd runs exactly the file it checked, and refuses a program that
# anyone but root or its run-as user could change: through a POSIX ACL on
# the program or a directory above it, through a symbolic link another
# user owns, or through a script's interpreter.  The check opens the
# program once and exitd executes that descriptor, so swapping a link
# between the check and the start runs nothing else.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

need_root_nobody
nob=$(id -u nobody)
ngrp=$(id -g nobody)
: >"$T/acl-probe"
if ! command -v setfacl >/dev/null || ! setfacl -m u:nobody:r "$T/acl-probe" 2>/dev/null; then
	echo "1..0 # SKIP needs setfacl (package acl) and POSIX ACLs on $T"
	exit 0
fi
rm -f "$T/acl-probe"

# state NUMBER: the registry state of a suspend program, as listed.
state() { "$EXITCTL" list QIBM_QWC_SUSPEND | awk -v n="$1" '$3 == n { print $NF }'; }
# answer NUMBER: the end a program's check call reports.
answer() { printf '%s\n' "$out" | grep -E "^ +#$1 " ; }

# --- an ACL that lets nobody rewrite a root-owned program
prog acl 'exit 0'
setfacl -m "u:nobody:rwx" "$T/acl"
runuser -u nobody -- sh -c "echo '# rewritten by nobody' >>$T/acl"
is $? 0 "the ACL really lets nobody rewrite the program"
suspend 1 acl
run "$EXITCTL" list QIBM_QWC_SUSPEND
like "$out" "unsafe" "acl_write_for_another_user_listed_unsafe"
like "$out" "writable by user $nob through its ACL" "the listing names the user and the ACL"

# --- an ACL on a directory above the program
mkdir "$T/acldir"
prog acldir/p 'exit 0'
setfacl -m "u:nobody:rwx" "$T/acldir"
suspend 2 acldir/p
like "$("$EXITCTL" list QIBM_QWC_SUSPEND)" "directory $T/acldir is writable by user $nob through its ACL" \
    "acl_on_a_directory_above_is_refused"

# --- a group ACL entry
prog aclgrp 'exit 0'
setfacl -m "g:$ngrp:w" "$T/aclgrp"
suspend 3 aclgrp
like "$("$EXITCTL" list QIBM_QWC_SUSPEND)" "aclgrp is writable by group $ngrp through its ACL" \
    "acl_write_for_another_group_is_refused"

# --- an ACL that grants only read and execute is fine
prog aclro 'exit 0'
setfacl -m "u:nobody:rx" "$T/aclro"
suspend 4 aclro

# --- a symbolic link owned by nobody on the path
prog target 'exit 0'
ln -s target "$T/nlink"
chown -h nobody "$T/nlink"
suspend 5 nlink

# --- a script whose interpreter nobody owns
mkdir "$T/interp"
cp /bin/sh "$T/interp/sh"
chown nobody "$T/interp/sh"
printf '#!%s\nexit 0\n' "$T/interp/sh" >"$T/interp-user"
chmod 755 "$T/interp-user"
suspend 6 interp-user

start_exitd
run "$EXITCTL" check
is "$status" 0 "check runs"
like "$(answer 1)" "refused" "the program nobody can rewrite through an ACL is refused"
is "$(calls acl '^1')" 0 "and it did not run"
like "$(answer 2)" "refused" "a program below a directory with a write ACL is refused"
like "$(answer 3)" "refused" "a program with a group write ACL is refused"
like "$(answer 4)" "exited 0" "read and execute ACL entries are harmless"
like "$(answer 5)" "refused" "symlink_owned_by_another_user_is_refused"
like "$(cat "$exitd_log")" "symbolic link $T/nlink is owned by uid $nob" "naming the link and its owner"
like "$(answer 6)" "refused" "script_with_an_interpreter_another_user_owns_is_refused"
like "$(cat "$exitd_log")" "interpreter $T/interp/sh is owned by uid $nob" "naming the interpreter"
is "$(calls target '^1')" 0 "nothing ran through the refused link"
"$EXITCTL" cancel >/dev/null
stop_exitd
for n in 1 2 3 4 5 6; do "$EXITCTL" remove QIBM_QWC_SUSPEND $n; done

# --- a directory made writable by others between two starts of a batch:
# the second program of the same directory is checked again, not
# trusted from the first one's walk.
echo "exit-point QIBM_QWC_SUSPEND order serial" >"$EXITPT_CONFIG"
mkdir "$T/same"
prog same/first "chmod 777 $T/same; exit 0"
prog same/second 'exit 0'
suspend 1 same/first
suspend 2 same/second
start_exitd
run "$EXITCTL" check
like "$(answer 1)" "exited 0" "the first program runs"
like "$(answer 2)" "refused" "directory_made_world_writable_mid_phase_refuses_the_next_program"
is "$(calls same/second '^1')" 0 "which did not run"
"$EXITCTL" cancel >/dev/null
stop_exitd
chmod 755 "$T/same"
"$EXITCTL" remove QIBM_QWC_SUSPEND 1
"$EXITCTL" remove QIBM_QWC_SUSPEND 2
: >"$EXITPT_CONFIG"

# --- a symlink swap loop: nobody's program, nobody's link, swapped as
# fast as nobody can between a safe program and one anyone may write.
# Whatever the timing, only a file that passed the check runs.
mkdir "$T/swap"
chown nobody "$T/swap"
make_prog "$T/good" "[ \"\$EXITPT_PHASE\" = 1 ] && echo good >>$T/swap/ran; exit 0"
make_prog "$T/bad" "echo bad >>$T/swap/ran"
chmod 777 "$T/bad"
runuser -u nobody -- ln -s "$T/good" "$T/swap/link"
"$EXITCTL" add QIBM_QWC_SUSPEND "$T/swap/link" --number 1 --user nobody >/dev/null
runuser -u nobody -- sh -c "echo \$\$ >$T/swap/loop.pid
    while :; do ln -sfn $T/bad $T/swap/l.tmp && mv -T $T/swap/l.tmp $T/swap/link;
    ln -sfn $T/good $T/swap/l.tmp && mv -T $T/swap/l.tmp $T/swap/link; done" >/dev/null 2>&1 &
swapper=$!
wait_file "$T/swap/loop.pid"
stop_swapper() {
	[ -s "$T/swap/loop.pid" ] && kill "$(cat "$T/swap/loop.pid")" 2>/dev/null
	kill "$swapper" 2>/dev/null
	wait "$swapper" 2>/dev/null
	return 0
}
at_exit stop_swapper
start_exitd
allowed=0; refused=0; i=0
while [ $i -lt 40 ]; do
	run "$EXITCTL" check
	case $(answer 1) in
	*refused*) refused=$((refused + 1)) ;;
	*exited*) allowed=$((allowed + 1)) ;;
	esac
	"$EXITCTL" cancel >/dev/null 2>&1
	i=$((i + 1))
done
stop_swapper
stop_exitd
ok "$([ $((allowed + refused)) -ge 40 ]; echo $?)" "40 checks while the link is swapped ($allowed ran, $refused refused)"
is "$(cat "$T/swap/ran" 2>/dev/null | grep -c bad)" 0 "symlink_swap_loop_never_runs_the_unchecked_program"
is "$(cat "$T/swap/ran" 2>/dev/null | grep -c good)" "$allowed" \
    "each start allowed by the check ran the program checked"
"$EXITCTL" remove QIBM_QWC_SUSPEND 1

# --- what is not a regular file is refused without being opened: root
# opening a device node can act by itself (a watchdog starts, a tape
# rewinds).  A FIFO stands in for the device, reached through a link of
# the run-as user's; a writer waiting in open(2) on it tells whether
# anything opened it.
mkdir "$T/dev" "$T/nob"
mkfifo "$T/dev/node"
chown nobody "$T/nob"
runuser -u nobody -- ln -s "$T/dev/node" "$T/nob/prog"
"$EXITCTL" add QIBM_QWC_SUSPEND "$T/nob/prog" --number 1 --user nobody >/dev/null 2>&1
"$EXITCTL" add QIBM_QWC_SUSPEND "$T/dev/node" --number 2 >/dev/null 2>&1
sh -c 'exec 3>"$1"; echo opened >"$2"' sh "$T/dev/node" "$T/node-opened" &
writer=$!
stop_writer() { kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null; return 0; }
at_exit stop_writer
waits_for_reader() { [ "$(cat "/proc/$writer/wchan" 2>/dev/null)" = wait_for_partner ]; }
wait_until waits_for_reader
start_exitd
run "$EXITCTL" check --validate
like "$(answer 1)" "refused" "a link to a special file is refused"
like "$(answer 2)" "refused" "a special file registered as a program is refused"
run "$EXITCTL" list QIBM_QWC_SUSPEND
like "$out" "not a regular file" "the listing says it is not a regular file"
stop_exitd
ok "$([ ! -e "$T/node-opened" ]; echo $?)" "special_file_named_as_a_program_is_never_opened"
stop_writer

done_testing
