#!/bin/sh
# exitpt demo: register the sample exit programs in a temporary state
# directory, start exitd on a private socket and IPC runtime directory,
# let hmcsim drive a validation while the batch sample runs a critical
# step (vetoed), a migration once it is done (its exit program takes the
# batch's section in Prepare, as a participant, to checkpoint), and a
# validation while the C sample's application is busy (vetoed); print the
# timelines and the batch's progress queue, and clean up.
#
#   sh samples/demo.sh [BUILDDIR [SRCDIR]]     (or: make demo-migrate)
set -u

builddir=$(cd "${1:-.}" && pwd) || exit 1
srcdir=$(cd "${2:-$(dirname "$0")/..}" && pwd) || exit 1
for p in exitd/exitd exitd/exitctl/exitctl exitd/hmcsim/hmcsim samples/app-exit \
    samples/app-resume samples/batch-app samples/batch-exit; do
	if [ ! -x "$builddir/$p" ]; then
		echo "demo: $builddir/$p is missing; build first (make)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/exitpt-demo.XXXXXX") || exit 1
chmod 755 "$tmp"
exitd_pid=
batch_pid=
cleanup() {
	if [ -n "$batch_pid" ]; then
		kill "$batch_pid" 2>/dev/null
		wait "$batch_pid" 2>/dev/null
	fi
	if [ -n "$exitd_pid" ]; then
		kill "$exitd_pid" 2>/dev/null
		wait "$exitd_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export EXITPT_STATE_DIR="$tmp/state" EXITPT_CONFIG="$tmp/exitd.conf"
export EXITPT_SOCKET="$tmp/exitd.sock"
# Critical sections and queues of this demo only; exitd hands the
# directory on to the exit programs it runs.
export EXITPT_RUNTIME_DIR="$tmp/run"
: >"$EXITPT_CONFIG"
mkdir "$tmp/app"
# The shell sample is copied so that its mode is exitd's to judge, not the
# checkout's (a source tree may be group-writable).
install -m 755 "$srcdir/samples/shell-exit.sh" "$tmp/shell-exit.sh"

ctl() { echo "+ exitctl $*"; "$builddir/exitd/exitctl/exitctl" "$@" || exit 1; }
ctl add QIBM_QWC_SUSPEND "$builddir/samples/app-exit" --number 10 \
    --data "$tmp/app" --text 'C sample: vetoes while the app is busy'
ctl add QIBM_QWC_SUSPEND "$tmp/shell-exit.sh" --number 20 --data 45 \
    --text 'shell sample: answers with stdout keys'
ctl add QIBM_QWC_SUSPEND "$builddir/samples/batch-exit" --number 30 \
    --data progress --text 'batch sample: reports progress, checkpoints'
ctl add QIBM_QWC_RESUME "$builddir/samples/app-resume" --number 10 \
    --data "$tmp/app" --text 'C sample: takes work again after resume'
ctl list

echo "+ exitd -f --socket $EXITPT_SOCKET (log: exitd.log)"
mkfifo "$tmp/ready"
"$builddir/exitd/exitd" -f --socket "$EXITPT_SOCKET" \
    --state-dir "$EXITPT_STATE_DIR" --ready-fd 3 3>"$tmp/ready" \
    2>"$tmp/exitd.log" &
exitd_pid=$!
if ! read -r _ <"$tmp/ready"; then
	echo "demo: exitd did not start:" >&2
	cat "$tmp/exitd.log" >&2
	exit 1
fi

echo
echo "+ batch-app progress 3 1500 &         (each step is a critical section)"
"$builddir/samples/batch-app" progress 3 1500 >"$tmp/batch.out" 2>&1 &
batch_pid=$!
i=0
until "$builddir/exitd/exitctl/exitctl" dtaq peek progress --last 2>/dev/null |
    grep -q 'step 1/3 started'; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: the batch sample did not start:" >&2
		cat "$tmp/batch.out" >&2
		exit 1
	fi
	sleep 0.05
done
echo "+ hmcsim validate                     (vetoed: step 1 holds 'batch')"
"$builddir/exitd/hmcsim/hmcsim" validate
batch=$?
wait "$batch_pid"
batch_pid=
echo
echo "+ hmcsim migrate --suspend-seconds 2  (batch-exit checkpoints in Prepare)"
"$builddir/exitd/hmcsim/hmcsim" migrate --suspend-seconds 2
migrate=$?

echo
echo "+ exitctl dtaq peek progress --all    (the batch's progress queue)"
"$builddir/exitd/exitctl/exitctl" dtaq peek progress --all

echo
echo "+ touch app/busy; hmcsim validate     (the C sample now vetoes)"
touch "$tmp/app/busy"
"$builddir/exitd/hmcsim/hmcsim" validate
validate=$?

echo
echo "exitd's log of the exit programs' own output:"
sed -n 's/^exitd: \(program [0-9]* (.*)\)/  \1/p' "$tmp/exitd.log"

echo
if [ "$migrate" -eq 0 ] && [ "$batch" -eq 1 ] && [ "$validate" -eq 1 ]; then
	echo "demo: migration completed (exit 0); validation vetoed by the" \
	    "batch's critical section (exit 1) and by the busy application" \
	    "(exit 1)"
	exit 0
fi
echo "demo: unexpected outcome: migrate exit $migrate, batch validate exit" \
    "$batch, busy validate exit $validate" >&2
exit 1
