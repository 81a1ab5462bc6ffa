#!/bin/sh
# An operation that cannot be journalled does not start: on a full file
# system Check fails with an error naming the journal and the system
# error, and no program runs.  Space for an operation's records is
# reserved when it starts, so the disk filling up later loses nothing of
# it; a phase whose records still cannot all be written (Complete, whose
# participants are only known then) runs, and the driver and the log are
# told.  Uses a small tmpfs as the state directory's file system.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to mount a small tmpfs"
	exit 77
fi
mkdir "$T/small"
if ! why=$(mount -t tmpfs -o size=1m,mode=755 exitpt-test "$T/small" 2>&1); then
	echo "1..0 # SKIP cannot mount a tmpfs: $why"
	exit 77
fi
unmount_small() { umount -l "$T/small" 2>/dev/null; return 0; }
at_exit unmount_small
export EXITPT_STATE_DIR="$T/small/state"

prog p 'exit 0'
suspend 10 p
i=1
while [ $i -le 60 ]; do
	resume $i p
	i=$((i + 1))
done

# fill: use up the file system's free space.
fill() { dd if=/dev/zero of="$T/small/fill" bs=4k >/dev/null 2>&1; sync; }

start_exitd
fill
run "$EXITCTL" check
is "$status" 74 "check_refused_when_the_journal_cannot_take_the_operation (exit 74)"
like "$err" "journal $T/small/state/journal: No space left on device" \
    "the error names the journal and the system error"
like "$err" "exitd cannot journal the operation" "and says the operation was not started"
is "$(calls p '^1')" 0 "no program ran"
like "$(cat "$exitd_log")" "journal $T/small/state/journal: No space left on device" "exitd logs it"
run "$EXITCTL" cancel
is "$status" 65 "there is no operation to cancel"

rm -f "$T/small/fill"
run "$EXITCTL" check
is "$status" 0 "with space again, check runs"
fill
run "$EXITCTL" prepare
is "$status" 0 "the disk filling up after check does not stop prepare"
like "$(tail -n 3 "$EXITPT_STATE_DIR/journal")" '"event":"phase-end".*"phase":"prepare"' \
    "prepare_is_journalled_in_the_space_reserved_at_check"

run "$EXITCTL" complete
is "$status" 74 "complete runs, and exitctl fails with the journal's trouble"
is "$(calls p '^4')" 60 "every resume program got complete (the system has resumed)"
like "$err" "warning: journal $T/small/state/journal: No space left on device; [0-9]+ records of this operation could not be written" \
    "journal_write_failure_mid_operation_is_reported_to_the_driver"
like "$(cat "$exitd_log")" "records of this operation could not be written" "and to the log"

# The record that hit the full disk was cut short: it must not swallow the
# next one.  With space again, an operation starts, exitd dies, and the
# next exitd still finds that operation in the journal.
rm -f "$T/small/fill"
run "$EXITCTL" check
is "$status" 0 "with space again, the next operation starts"
bad=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        json.loads(line)
    except ValueError:
        n += 1
print(n)' "$EXITPT_STATE_DIR/journal")
is "$bad" 0 "a_record_cut_by_a_full_disk_leaves_no_torn_line_in_the_journal"
kill_exitd
start_exitd
run "$EXITCTL" cancel
is "$status" 2 "the_operation_after_a_cut_record_is_recovered_after_a_crash"
stop_exitd
done_testing
