#!/bin/sh
# Programs of a phase start in ascending program number, all at once; an
# exit point configured "order serial" runs them one at a time in that
# order, each starting after the previous one ended.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

for n in 30 10 20; do
	prog p$n "[ \"\$EXITPT_PHASE\" = 1 ] && echo EXITPT_WAIT_TIME=30
echo start $n >>$T/order; sleep 0.4; echo end $n >>$T/order"
	suspend $n p$n
done

start_exitd
ok $? "exitd starts (parallel order)"
run "$EXITCTL" check --validate
is "$status" 0 "check allowed"
is "$(head -n 3 "$T/order" | cut -d' ' -f1 | sort -u)" start \
    "parallel: all three start before any ends"
stop_exitd

rm -f "$T/order"
echo "exit-point QIBM_QWC_SUSPEND order serial" >"$EXITPT_CONFIG"
start_exitd
ok $? "exitd starts (serial order)"
run "$EXITCTL" check --validate
is "$status" 0 "check allowed"
is "$(tr '\n' ' ' <"$T/order")" \
    "start 10 end 10 start 20 end 20 start 30 end 30 " \
    "serial_order_runs_one_at_a_time_in_ascending_number (check)"
rm -f "$T/order"
"$EXITCTL" check >/dev/null
rm -f "$T/order"
run "$EXITCTL" prepare
is "$(tr '\n' ' ' <"$T/order")" \
    "start 10 end 10 start 20 end 20 start 30 end 30 " \
    "serial_order_runs_one_at_a_time_in_ascending_number (prepare)"
rm -f "$T/order"
run "$EXITCTL" cancel
is "$(tr '\n' ' ' <"$T/order")" \
    "start 10 end 10 start 20 end 20 start 30 end 30 " \
    "serial_order_runs_one_at_a_time_in_ascending_number (cancel)"
stop_exitd
ok $? "exitd stops cleanly"
done_testing
