#!/bin/sh
# A runtime directory whose file system another user (nobody) has filled:
# root's first critical section, object lock, data queue and data area
# each fail with "No space left on device", never SIGBUS (objects used to
# be sparse files, whose pages a mapping touched first when there was no
# room left).  Needs root, user nobody, and a tmpfs of 1 MiB to fill.
. "$top_srcdir/tests/lib.sh"

need_root_nobody
mkdir "$TEST_TMP/small"
if ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$TEST_TMP/small" \
    2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs here"
	exit 0
fi
small_umount() { umount "$TEST_TMP/small"; }
at_exit small_umount
export EXITPT_RUNTIME_DIR="$TEST_TMP/small/run"

# Root makes the runtime directory (as exitd would), then nobody fills it.
"$EXITCTL" critical first -- true && rm -r "$EXITPT_RUNTIME_DIR/u/0"
run as_user nobody sh -c '"$1" critical warm -- true &&
    dd if=/dev/zero of="$2/u/65534/fill" bs=4k' sh "$EXITCTL" \
    "$EXITPT_RUNTIME_DIR"
like "$err" "No space left on device" "nobody fills the runtime directory"

# Each of root's first uses makes a new object of some pages.
for cmd in "critical payroll -- true" "lock LEDGER *EXCL -- true" \
    "dtaq create q --capacity 100" "dtaara create a --type char"; do
	# shellcheck disable=SC2086
	run "$EXITCTL" $cmd
	ok "$([ "$status" -ne 0 ] && [ "$status" -lt 128 ]; echo $?)" \
	    "$cmd: fails without a fault (exit $status)"
	like "$err" "No space left on device" "and says why"
done

done_testing
