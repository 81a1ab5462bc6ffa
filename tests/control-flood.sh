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

# dr_reconfig() registrations come over the same socket: 40 refused ones
# (another protocol ABI) and 40 that send garbage once registered.
version=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    "$top_srcdir/libexitpt/protocol.h")
runuser -u nobody -- python3 -c '
import socket, struct, sys
version = int(sys.argv[2])
with open("/proc/self/stat") as f:
    start = int(f.read().rsplit(")", 1)[1].split()[19])
for abi, junk in ((99, False), (1, True)):
    for i in range(40):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        s.sendall(struct.pack("=IIII", version, 110, 16, 1) +
            struct.pack("=IiQ", abi, 58, start))
        s.recv(64)
        if junk:
            s.sendall(b"\xff" * 24)
            s.recv(64)
        s.close()
' "$EXITPT_SOCKET" "$version"
is $? 0 "nobody sent 80 dr registrations, refused or broken"
run "$EXITCTL" status
is "$status" 0 "exitd still answers"
n=$(grep -Ec "registration .*refused|unexpected (dr )?message" "$exitd_log")
ok "$([ "$n" -le 5 ]; echo $?)" \
    "refused_dr_registrations_and_their_garbage_are_rate_limited_in_the_log ($n lines)"
stop_exitd
done_testing
