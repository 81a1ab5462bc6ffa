#!/bin/sh
# exitpt demo: register the sample exit programs in a temporary state
# directory, start exitd on a private socket, let hmcsim drive a migration
# (and then a validation while the application is busy), print the
# timelines, and clean everything up.
#
#   sh samples/demo.sh [BUILDDIR [SRCDIR]]     (or: make demo-migrate)
set -u

builddir=$(cd "${1:-.}" && pwd) || exit 1
srcdir=$(cd "${2:-$(dirname "$0")/..}" && pwd) || exit 1
for p in exitd/exitd exitd/exitctl/exitctl exitd/hmcsim/hmcsim samples/app-exit \
    samples/app-resume; do
	if [ ! -x "$builddir/$p" ]; then
		echo "demo: $builddir/$p is missing; build first (make)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/exitpt-demo.XXXXXX") || exit 1
chmod 755 "$tmp"
exitd_pid=
cleanup() {
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
echo "+ hmcsim migrate --suspend-seconds 2"
"$builddir/exitd/hmcsim/hmcsim" migrate --suspend-seconds 2
migrate=$?

echo
echo "+ touch app/busy; hmcsim validate     (the C sample now vetoes)"
touch "$tmp/app/busy"
"$builddir/exitd/hmcsim/hmcsim" validate
validate=$?

echo
echo "exitd's log of the exit programs' own output:"
sed -n 's/^exitd: \(program [0-9]* (.*)\)/  \1/p' "$tmp/exitd.log"

echo
if [ "$migrate" -eq 0 ] && [ "$validate" -eq 1 ]; then
	echo "demo: migration completed (exit 0); validation vetoed (exit 1)"
	exit 0
fi
echo "demo: unexpected outcome: migrate exit $migrate, validate exit $validate" >&2
exit 1
