#!/bin/sh
# Sample: drive a whole migration over D-Bus with gdbus, while an
# application holds a delay inhibitor lock through `exitctl inhibit`.
#
#	samples/dbus-migrate.sh
#
# The application needs up to 10 s to get ready and says it is ready by
# closing its lock (here, after 2 s): Prepare then ends at once, not at
# the end of the 10 s window.  A block lock would have vetoed Check,
# naming who holds it and why.  Driving needs root or exitd's admin
# group; the bus is the system bus ($DBUS_SYSTEM_BUS_ADDRESS).
# Environment: EXITCTL (default: exitctl on PATH).
set -e
EXITCTL=${EXITCTL:-exitctl}

# manager METHOD ARGS...: call org.exitpt.Exitd1.Manager.METHOD.
manager() {
	m=$1; shift
	gdbus call --system --dest org.exitpt.Exitd1 \
	    --object-path /org/exitpt/Exitd1 \
	    --method "org.exitpt.Exitd1.Manager.$m" "$@"
}

# The application: a delay lock held while it flushes its caches.
"$EXITCTL" inhibit --who "cache flusher" --why "flushing caches to disk" \
    --mode delay --wait-time 10 -- sleep 2 &
holder=$!
i=0
until "$EXITCTL" participants | grep -q 'cache flusher'; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "the lock did not appear" >&2; exit 1; }
	sleep 0.1
done

# Check: every participant is asked; the window is the largest wait.
r=$(manager Check "'migration'" false)
echo "Check:    $r"
op=$(echo "$r" | sed -n 's/^(uint64 \([0-9]*\), .*/\1/p')

# Prepare returns when everybody is ready or the window has elapsed.
echo "Prepare:  $(manager Prepare "uint64 $op")"

# ... the platform suspends the partition and resumes it here ...

echo "Complete: $(manager Complete "uint64 $op" "uint32 0")"
echo "State:    $(gdbus call --system --dest org.exitpt.Exitd1 \
    --object-path /org/exitpt/Exitd1 \
    --method org.freedesktop.DBus.Properties.Get \
    org.exitpt.Exitd1.Manager State)"
wait "$holder"
