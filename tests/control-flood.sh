#!/bin/sh
# A user flooding the control socket with connections beyond the limit
# cannot flood the log: refusals are logged a few at a time and the rest
# are counted and summed up in one line.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

need_root_nobody
chmod 755 "$T"
start_exitd
# 200 connections from nobody, held open: 16 are accepted, 184 refused.
runuser -u nobody -- python3 -c '
import socket, sys, time
held = []
for i in range(200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(1)
' "$EXITPT_SOCKET"
is $? 0 "nobody opened 200 connections"
refusals=$(grep -c "refused: too many connections" "$exitd_log")
ok "$([ "$refusals" -ge 1 ] && [ "$refusals" -le 5 ]; echo $?)" \
    "refused_connections_are_rate_limited_in_the_log ($refusals lines)"
i=0
while ! grep -q "more refusals in the last 10 s were not logged" "$exitd_log"; do
	i=$((i + 1))
	[ $i -gt 300 ] && break
	sleep 0.05
done
like "$(cat "$exitd_log")" "control: [0-9]+ more refusals in the last 10 s were not logged \(the last: uid $(id -u nobody) " \
    "and the rest are summed up in one line"
run "$EXITCTL" status
is "$status" 0 "exitd still answers"
stop_exitd
done_testing
