#!/bin/sh
# SPEC section 7, inhibitor locks: Inhibit returns a descriptor; the lock
# lasts while any copy is open.  block vetoes Check naming who, why, the
# holder's pid and since when; delay allows with its own wait time and
# holds Prepare until every copy is closed or the window ends.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

# --- block: vetoes, naming the holder; released by SIGKILL of the holder
hold backup --inhibit 'backup,copying /srv to tape,block'
pid=$(cat "$T/backup.pid")
manager Check string:migration boolean:true
like "$err" 'Error org.exitpt.Exitd1.Error.Vetoed' "block_inhibitor_vetoes_check"
like "$err" "inhibitor backup \(inhibitor [0-9]+\): copying /srv to tape \(block lock of pid $pid, uid [0-9]+, since [0-9-]+T" \
    "the veto names who, why, the holder's pid and since when"
like "$err" "held by pid $pid \(dbus-voter\)" "and the processes that hold a copy"
run "$EXITCTL" participants --json
like "$out" '"kind": "inhibitor"' "exitctl participants lists the lock"
like "$out" '"mode": "block"' "with its mode"
stop_voter backup KILL
wait_log 1 'inhibitor [0-9]* (backup) released'
ok $? "block_inhibitor_released_by_sigkill_of_its_holder"
manager Check string:migration boolean:true
like "$out" 'validated' "after it, Check is allowed"

# --- released by closing: exitctl inhibit ends with its command
run "$EXITCTL" inhibit --who shell --why 'a command' -- sh -c 'echo running'
is "$status" 0 "exitctl inhibit runs the command and returns its status"
like "$out" '^running$' "the command ran"
wait_log 1 'inhibitor [0-9]* (shell) released'
ok $? "block_inhibitor_released_when_the_descriptor_is_closed"
run "$EXITCTL" inhibit --who shell --why 'fails' -- sh -c 'exit 3'
is "$status" 3 "exitctl inhibit exits with the command's status"

# --- a child that inherited nothing does not keep the lock
"$EXITCTL" inhibit --who parent --why 'has a child' -- sh -c \
    "sleep 1000 & echo \$! >$T/orphan.pid; wait" >/dev/null 2>&1 &
echo $! >"$T/parent.pid"
wait_log 1 'inhibitor [0-9]* (parent)'
wait_file "$T/orphan.pid"
manager Check string:migration boolean:true
like "$err" 'Vetoed.*has a child' "the parent's lock vetoes"
stop_voter parent KILL
wait_log 1 'inhibitor [0-9]* (parent) released'
ok $? "child_that_inherited_nothing_does_not_keep_the_lock"
kill -0 "$(cat "$T/orphan.pid")"
ok $? "(while that child still runs)"
kill "$(cat "$T/orphan.pid")"; rm -f "$T/orphan.pid"

# --- a copy handed to a child on purpose keeps it until the child ends
hold giver --inhibit 'giver,handed on,block' --pass
child=$(sed -n 's/^child //p' "$T/giver.out")
echo "$child" >"$T/child.pid"
stop_voter giver KILL
manager Check string:migration boolean:true
like "$err" 'Vetoed.*handed on' "a_copy_passed_on_purpose_keeps_the_lock"
like "$err" "held by pid $child \(sleep\)" "and the veto names the child that holds it"
kill "$child"
wait_log 1 'inhibitor [0-9]* (giver) released'
ok $? "released when the child ends too"

# --- delay: allows with its wait time; Prepare ends as soon as it closes
hold saver --inhibit 'saver,flushing caches,delay,20'
manager Check string:migration boolean:false
like "$out" 'string "allowed"' "delay_inhibitor_allows_check"
like "$out" 'uint32 20' "with its own wait time as the window"
op=$(printf '%s\n' "$out" | sed -n 's/^ *uint64 \([0-9]*\)$/\1/p')
"$DBUS_SEND" --bus="$BUS_ADDRESS" --print-reply --reply-timeout=60000 \
    --dest=org.exitpt.Exitd1 /org/exitpt/Exitd1 \
    org.exitpt.Exitd1.Manager.Prepare uint64:"$op" >"$T/prepare.out" 2>&1 &
prep=$!
wait_log 1 'prepare starts'
t0=$(now_ms)
stop_voter saver
wait "$prep"
t1=$(now_ms)
like "$(cat "$T/prepare.out")" 'string "prepared"' "Prepare ends"
ok $([ $((t1 - t0)) -lt 3000 ]; echo $?) \
    "delay_inhibitor_ends_prepare_as_soon_as_it_is_closed ($((t1 - t0)) ms of 20 s)"
manager Complete uint64:"$op" uint32:0

# --- delay: a lock still held at the end of the window is named
hold stuck --inhibit 'stuck,never lets go,delay,1'
manager Check string:migration boolean:false
op=$(printf '%s\n' "$out" | sed -n 's/^ *uint64 \([0-9]*\)$/\1/p')
manager Prepare uint64:"$op"
like "$out" 'string "prepared"' "Prepare goes on at the end of the window"
like "$(grep '"phase":"prepare"' "$EXITPT_STATE_DIR/journal" | grep '"event":"answer"' | tail -n 1)" \
    "delay lock still held by pid $(cat "$T/stuck.pid")" \
    "delay_lock_at_the_end_of_the_window_names_its_holder"
manager Complete uint64:"$op" uint32:0
stop_voter stuck

# --- wait_time clamped as rule 1
hold wild --inhibit 'wild,too long,delay,901'
manager Check string:migration boolean:true
like "$out" 'uint32 1$' "delay_wait_time_901_counts_as_1"
stop_voter wild

stop_exitd
is "$?" 0 "exitd stops cleanly"
done_testing
