#!/bin/sh
# Sample shell exit program for QIBM_QWC_SUSPEND: it answers with stdout
# keys instead of writing fd 3.  The program data is the wait time to ask
# for in Check (default 30 s); "veto" instead vetoes, for trying things out.
#
#   exitctl add QIBM_QWC_SUSPEND /path/shell-exit.sh --number '*LOW' --data 45

case "$EXITPT_PHASE" in
1)
	if [ "$EXITPT_PROGRAM_DATA" = veto ]; then
		echo EXITPT_STATUS=0
		echo "EXITPT_REASON=shell sample asked to veto"
		exit 0
	fi
	echo EXITPT_STATUS=1
	echo "EXITPT_WAIT_TIME=${EXITPT_PROGRAM_DATA:-30}"
	;;
2)
	if [ "$EXITPT_REQUEST" = cancel ]; then
		echo "cancel of operation $EXITPT_OPERATION_ID: nothing was changed yet"
	else
		echo "prepare: flushing within the ${EXITPT_WAIT_TIME} s window"
		sync
	fi
	;;
*)
	echo "unexpected phase $EXITPT_PHASE" >&2
	exit 1
	;;
esac
exit 0
