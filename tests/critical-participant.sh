#!/bin/sh
# A participant of the pending operation is granted its critical section
# (issue 9): an exit program that, in its own Prepare, takes the
# application's section (as the application does everywhere else) gets
# it at once instead of waiting for the operation it is part of; anyone
# else is still refused or made to wait; the section lasts as long as the
# program's command.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

# Prepare: flush under the application's section, waiting without limit
# as the application would; record how long it took and the exit status.
prog p "case \$EXITPT_PHASE in
1) echo EXITPT_STATUS=1; echo EXITPT_WAIT_TIME=30 ;;
2) [ \"\$EXITPT_REQUEST\" = prepare ] || exit 0
   \"$EXITCTL\" critical app --fail-if-pending -- true
   echo \"refused=\$?\" >$T/prepare.out
   s=\$(date +%s%N)
   \"$EXITCTL\" critical app -- sh -c 'echo \$\$ >$T/flush.pid; \"$EXITCTL\" critical list >$T/flush.list'
   echo \"rc=\$? took_ms=\$(((\$(date +%s%N) - s) / 1000000))\" >>$T/prepare.out ;;
esac"
prog r 'exit 0'
suspend 10 p
resume 10 r
start_exitd
ok $? "exitd starts"

run "$EXITCTL" check
is "$status" 0 "check allows"
run "$EXITCTL" critical other --fail-if-pending -- true
is "$status" 3 "a process of no operation is refused while pending"
run env EXITPT_OPERATION_ID=00000000deadbeef "$EXITCTL" critical other \
    --fail-if-pending -- true
is "$status" 3 "so is a participant of another operation"
run "$EXITCTL" prepare
is "$status" 0 "prepare"
# --fail-if-pending exits 3 when the section would have to wait for the
# operation: a participant is let in. The unbounded take would wait until
# the 30 s window killed the program; it ends long before that.
is "$(sed -n 1p "$T/prepare.out")" "refused=0" \
    "participant_of_the_pending_operation_is_granted_its_section_at_once"
like "$(sed -n 2p "$T/prepare.out")" '^rc=0 took_ms=[0-9]+$' \
    "and an unbounded take of it returns"
ok "$([ "$(sed -n 's/.*took_ms=//p' "$T/prepare.out")" -lt 10000 ]; echo $?)" \
    "without waiting for the operation ($(sed -n 's/.*took_ms=//p' "$T/prepare.out") ms)"
like "$(cat "$T/flush.list")" "^app +$(cat "$T/flush.pid") .*\\(participant of [0-9a-f]{16}\\)" \
    "held by the flushing command, listed as a participant"
run "$EXITCTL" critical list
is "$out" "" "and released when that command ended"
run "$EXITCTL" complete
is "$status" 0 "complete"
stop_exitd

done_testing
