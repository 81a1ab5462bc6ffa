#!/bin/sh
# The driver helper's sequence (driver_run, which exitctl migrate, hmcsim
# and the adapters run): when the suspension fails, or Prepare's reply is
# lost with its connection, Cancel goes to those that allowed, once, over a
# new connection when needed, and Complete does not; stop_after leaves the
# operation open.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

HARNESS="$top_builddir/tests/driver-harness"
prog a 'echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=1'
prog r 'exit 0'
suspend 10 a
resume 10 r
start_exitd
ok $? "exitd starts"

run "$HARNESS" suspend-fails
is "$status" 2 "a_failed_suspension_cancels: exit 2 (cancelled)"
like "$out" "result status=2 error=-5 phase=none cancelled_on_failure=1 left_open=0 outcome=cancelled" \
    "the result says the suspension failed and Cancel followed"
is "$(calls a '^2 prepare')$(calls a '^2 cancel')" 11 "the program got Prepare, then Cancel once"
is "$(calls r '^4')" 0 "and no Complete went out"
like "$out" "prepare cancelled|cancel cancelled" "the Cancel's report was shown"
rm -f "$T"/*.calls

run "$HARNESS" prepare-lost
is "$status" 2 "a_lost_prepare_cancels_over_a_new_connection: exit 2"
like "$out" "result status=2 error=-32 phase=prepare cancelled_on_failure=1 left_open=0 outcome=cancelled" \
    "the result names the lost Prepare"
is "$(calls a '^2 cancel')" 1 "Cancel reached the program once"
is "$(calls r '^4')" 0 "no Complete"
rm -f "$T"/*.calls

run "$HARNESS" stop-after-check
is "$status" 4 "stop_after_check_leaves_the_operation_open: exit 4"
like "$out" "left_open=1 outcome=allowed" "the result says so"
run "$EXITCTL" check
is "$status" 3 "the operation is still open (busy)"
run "$EXITCTL" cancel
is "$status" 2 "until cancelled"

stop_exitd
ok $? "exitd stops cleanly"
done_testing
