#!/bin/sh
# One operation at a time: a second operation, while one runs or waits
# between phases, is refused as busy with the running operation's id and
# phase; and only root (or the admin group) may drive phases, while anyone
# may read the status and the journal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

mkfifo "$T/started" "$T/release"
prog hold "if [ \"\$EXITPT_PHASE\" = 1 ] && [ ! -e $T/released ]; then
	echo go >$T/started; read -r _ <$T/release; fi
exit 0"
suspend 10 hold
start_exitd
ok $? "exitd starts"

"$EXITCTL" check >"$T/first.out" 2>&1 &
first=$!
read -r _ <"$T/started"
run "$EXITCTL" status --json
id=$(printf '%s\n' "$out" | sed -n 's/.*"operation": "\([0-9a-f]*\)".*/\1/p')
run "$EXITCTL" check
is "$status" 3 "second_operation_while_one_runs_is_busy (exit status 3)"
like "$err" "busy: operation $id is in phase check" \
    "the busy error names the running operation and its phase"
run "$EXITCTL" hibernate
is "$status" 3 "a whole sequence is refused as busy too"
run "$EXITCTL" prepare
is "$status" 65 "prepare while check runs is refused"

# --- the unprivileged
run as_user nobody "$EXITCTL" --socket "$EXITPT_SOCKET" cancel
is "$status" 77 "unprivileged_client_cannot_drive_phases (exit 77)"
like "$err" "not authorized" "with a clear message"
run as_user nobody "$EXITCTL" --socket "$EXITPT_SOCKET" status
is "$status" 0 "an unprivileged client may read the status"
like "$out" "$id .*check running" "and sees the running check"
run as_user nobody "$EXITCTL" --socket "$EXITPT_SOCKET" journal
is "$status" 0 "an unprivileged client may read the journal"
like "$out" "operation-start" "and sees the operation start"

touch "$T/released"
echo >"$T/release"
wait $first
is "$?" 0 "the first check completes once released"

run "$EXITCTL" check
is "$status" 3 "busy between phases too (the operation waits for prepare)"
like "$err" "busy: operation $id is in phase check \(allowed\)" \
    "naming its id and the phase it reached"
run as_user nobody "$EXITCTL" --socket "$EXITPT_SOCKET" cancel
is "$status" 77 "the unprivileged cannot cancel it"
run "$EXITCTL" cancel
is "$status" 2 "root can"
run "$EXITCTL" check --validate
is "$status" 0 "a new operation may start once the last one ended"
like "$(grep -c "may not drive" "$exitd_log")" "^2$" \
    "exitd logs each refused driver"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
