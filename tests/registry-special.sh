#!/bin/sh
# Only regular files are registry entries (SPEC section 5): a FIFO named
# like an entry (which used to hang exitctl list and exitd's Check), a
# symbolic link or a directory is reported as malformed and skipped, at
# once; the other entries keep working.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

prog p 'exit 0'
suspend 1 p
d="$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND"
mkfifo "$d/0000000005.pgm"
ln -s "$d/0000000001.pgm" "$d/0000000006.pgm"
mkdir "$d/0000000007.pgm"

run timeout 10 "$EXITCTL" list QIBM_QWC_SUSPEND
is "$status" 0 "fifo_entry_does_not_hang_exitctl_list"
like "$out" "QIBM_QWC_SUSPEND +SSPS0100 +1 " "the regular entry is listed"
like "$err" "0000000005.pgm: a FIFO; entry skipped" "the FIFO is reported as malformed"
like "$err" "0000000006.pgm: a symbolic link, not a regular file; entry skipped" \
    "a symbolic link is not followed"
like "$err" "0000000007.pgm: a directory; entry skipped" "a directory is reported"

start_exitd
run timeout 10 "$EXITCTL" check
is "$status" 0 "fifo_entry_does_not_hang_check"
is "$(calls p '^1')" 1 "the regular entry's program ran"
like "$(cat "$exitd_log")" "0000000005.pgm: a FIFO; entry skipped" "exitd reports the FIFO too"
"$EXITCTL" cancel >/dev/null
stop_exitd
done_testing
