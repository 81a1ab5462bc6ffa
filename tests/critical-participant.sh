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
   s=\$(date +%s)
   \"$EXITCTL\" critical app -- sh -c 'echo \$\$ >$T/flush.pid; \"$EXITCTL\" critical list >$T/flush.list'
   echo \"rc=\$? took=\$((\$(date +%s) - s))\" >$T/prepare.out ;;
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
is "$(cat "$T/prepare.out")" "rc=0 took=0" \
    "participant_of_the_pending_operation_is_granted_its_section_at_once"
like "$(cat "$T/flush.list")" "^app +$(cat "$T/flush.pid") .*\\(participant of [0-9a-f]{16}\\)" \
    "held by the flushing command, listed as a participant"
run "$EXITCTL" critical list
is "$out" "" "and released when that command ended"
run "$EXITCTL" complete
is "$status" 0 "complete"
stop_exitd

done_testing
