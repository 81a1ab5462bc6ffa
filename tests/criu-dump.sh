#!/bin/sh
# A real checkpoint and restore with the action script attached: criu dump
# of a small process runs Check and Prepare, criu restore runs Complete,
# and the process runs on.  Needs root and a kernel that criu supports
# (`criu check`); otherwise the whole test is skipped, saying why.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
CRIU=$(command -v criu) ||
    skip_all "criu is not installed (Debian package criu)"
[ "$(id -u)" -eq 0 ] || skip_all "criu dump and restore need root"
if ! "$CRIU" check >"$T/criu-check" 2>&1; then
	why=$(grep '^Error' "$T/criu-check" | grep -v 'exited, status' | head -n 1 | sed 's/^Error ([^)]*): //')
	skip_all "criu check fails on this kernel ($(uname -r)), so criu cannot dump here: ${why:-see criu check}"
fi

SCRIPT="$top_builddir/adapters/criu/criu-action"
start_exitd
ok $? "exitd starts"
prog a
prog r
suspend 10 a
resume 10 r

# The process: a loop in a session of its own that counts in a file.
setsid sh -c "i=0; while :; do i=\$((i + 1)); echo \$i >$T/counter;
    sleep 0.1; done" </dev/null >/dev/null 2>&1 &
pid=$!
proc_cleanup() { kill -KILL "$pid" 2>/dev/null; }
at_exit proc_cleanup
wait_file "$T/counter"

mkdir "$T/img"
run "$CRIU" dump -t "$pid" -D "$T/img" -o dump.log \
    --action-script "$SCRIPT"
is "$status" 0 "criu_dump_with_the_action_script_succeeds"
[ "$status" -eq 0 ] || sed 's/^/# /' "$T/img/dump.log" | tail -20
wait "$pid" 2>/dev/null
is "$(calls a '^1')$(calls a '^2 prepare')" 11 \
    "the_dump_ran_check_then_prepare"
run "$EXITCTL" status
like "$out" "prepare prepared" "the operation waits for the restore"

run "$CRIU" restore -D "$T/img" -o restore.log -d \
    --action-script "$SCRIPT"
is "$status" 0 "criu restore with the action script succeeds"
[ "$status" -eq 0 ] || sed 's/^/# /' "$T/img/restore.log" | tail -20
is "$(calls r '^4 - 0')" 1 "the_restore_ran_complete"
run "$EXITCTL" status
like "$out" "complete completed" "the operation completed"
n=$(cat "$T/counter")
i=0
while [ "$(cat "$T/counter")" = "$n" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ "$(cat "$T/counter")" != "$n" ]
ok $? "the restored process runs on"
kill -KILL "$pid" 2>/dev/null

stop_exitd
ok $? "exitd stops cleanly"
done_testing
