#!/bin/sh
# The D-Bus samples work as their comments say: samples/dbus-voter vetoes
# while its flag file exists and registers again when exitd comes back;
# samples/dbus-migrate.sh drives a migration with gdbus while a delay lock
# is held, and Prepare ends when the lock is closed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/dbus-lib.sh"

start_bus permissive
start_exitd
wait_log 1 'own org.exitpt.Exitd1'

# --- the C voter
"$top_builddir/samples/dbus-voter" --path /sample --wait 4 "$T/busy" \
    >"$T/sample.out" 2>"$T/sample.err" &
echo $! >"$T/sample.pid"
wait_line "$T/sample.out" '^registered :[0-9.]* /sample$'
ok $? "sample voter registers"
manager Check string:migration boolean:true
like "$out" 'uint32 4' "it allows with its wait time"
touch "$T/busy"
manager Check string:migration boolean:true
like "$err" "Vetoed.*voter sample-voter .*: busy: $T/busy exists" \
    "it vetoes while its flag file exists"
rm "$T/busy"
kill_exitd
start_exitd
wait_line "$T/sample.out" '^registered' 2
ok $? "it registers again when exitd comes back"
manager Check string:migration boolean:true
like "$out" 'uint32 4' "and takes part again"
like "$(cat "$T/sample.out")" 'check [0-9a-f]{16} migration: veto' \
    "it prints what it answered, with the 16-digit operation id"
stop_voter sample

# --- the shell sample (gdbus)
if ! command -v gdbus >/dev/null 2>&1; then
	echo "# gdbus is not installed (Debian: libglib2.0-bin): shell sample not run"
else
	t0=$(now_ms)
	run env EXITCTL="$EXITCTL" sh "$top_srcdir/samples/dbus-migrate.sh"
	t1=$(now_ms)
	is "$status" 0 "samples/dbus-migrate.sh runs"
	like "$out" "Check: +\(uint64 [0-9]+, 'allowed', uint32 10\)" \
	    "Check: allowed, the lock's 10 s as the window"
	like "$out" "Prepare: +\('prepared',\)" "Prepare: prepared"
	like "$out" "Complete: +\('completed',\)" "Complete: completed"
	like "$out" "State: +\(<'idle'>,\)" "State: idle"
	ok $([ $((t1 - t0)) -lt 8000 ]; echo $?) \
	    "Prepare ended when the lock closed, not after 10 s ($((t1 - t0)) ms)"
fi

stop_exitd
done_testing
