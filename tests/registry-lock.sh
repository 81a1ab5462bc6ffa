#!/bin/sh
# The registry's writers' lock cannot be taken by a user who may not
# change the registry (it used to be a world-readable file anyone could
# flock forever), and a writer waits for it a bounded time, then fails
# naming who holds it.
. "$top_srcdir/tests/lib.sh"

need_root_nobody
# hold_lock USER FILE: USER holds a flock on FILE (if it may open it)
# until release_lock.
mkdir -m 777 "$T/hold"
hold_lock() {
	rm -f "$T/hold/pid"
	runuser -u "$1" -- sh -c "echo \$\$ >$T/hold/pid; exec flock -o '$2' sleep 30" \
	    >/dev/null 2>&1 &
	while [ ! -s "$T/hold/pid" ]; do sleep 0.01; done
	holder=$(cat "$T/hold/pid")
	sleep 0.2
}
release_lock() {
	pkill -P "$holder" 2>/dev/null
	kill "$holder" 2>/dev/null
	wait 2>/dev/null
	return 0
}
at_exit release_lock

make_prog "$T/p"
"$EXITCTL" add QIBM_QWC_SUSPEND "$T/p" --number 1 >/dev/null
lock="$EXITPT_STATE_DIR/registry/.writers.lock"
is "$(stat -c %a "$lock")" 600 "the lock file is readable only by its owner"

run runuser -u nobody -- flock -n "$lock" true
ok "$([ "$status" -ne 0 ]; echo $?)" "nobody cannot open the lock file to flock it"
hold_lock nobody "$lock"
t0=$(date +%s%N)
run "$EXITCTL" add QIBM_QWC_SUSPEND "$T/p" --number 2
t1=$(date +%s%N)
is "$status" 0 "flock_attempt_by_nobody_does_not_block_root_add"
ok "$([ $(((t1 - t0) / 1000000)) -lt 2000 ]; echo $?)" "and root's add did not wait"
release_lock

# The old world-readable lock file is no longer what writers lock.
: >"$EXITPT_STATE_DIR/registry/.lock"
chmod 644 "$EXITPT_STATE_DIR/registry/.lock"
hold_lock nobody "$EXITPT_STATE_DIR/registry/.lock"
run "$EXITCTL" remove QIBM_QWC_SUSPEND 2
is "$status" 0 "nobody holding the old .lock blocks nothing"
release_lock

# A writer (here root itself) holding the lock: a bounded wait, then an
# error that names the holder and the setting.
echo "registry-lock-timeout 1" >"$EXITPT_CONFIG"
hold_lock root "$lock"
t0=$(date +%s%N)
run "$EXITCTL" add QIBM_QWC_SUSPEND "$T/p" --number 3
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
is "$status" 3 "registry_lock_wait_is_bounded (exit 3)"
ok "$([ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; echo $?)" "exitctl gave up after the 1 s timeout ($ms ms)"
like "$err" "locked by pid $holder \(flock\); gave up after 1 s \(registry-lock-timeout in exitd.conf\)" \
    "the error names the holder and the setting"
release_lock
run "$EXITCTL" add QIBM_QWC_SUSPEND "$T/p" --number 3
is "$status" 0 "once released, the add goes through"
done_testing
