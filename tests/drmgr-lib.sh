# Helpers for tests of the drmgr hook: source after tests/lib.sh and
# tests/exitd-lib.sh.  drmgr runs hooks with an empty environment, so the
# hook under test (tests/drmgr-hook) has its paths compiled in, under the
# symbolic link tests/drmgr-root; this test points that link at its own
# directory, whose paths lead to the test's exitd socket, configuration
# and state directory.  A lock keeps drmgr tests from sharing the link.

DRMGR_RUN="$top_builddir/tests/drmgr-run"
DRMGR_ROOT_LINK="$top_builddir/tests/drmgr-root"
HOOKS="$T/drmgr.d"

exec 9>"$top_builddir/tests/drmgr-root.lock"
flock 9 || exit 99
mkdir -p "$T/root/etc/exitpt" "$T/root/run" "$T/root/var/lib" \
    "$HOOKS/pmig" || exit 99
ln -s "$EXITPT_CONFIG" "$T/root/etc/exitpt/exitd.conf"
ln -s "$EXITPT_SOCKET" "$T/root/run/exitd.sock"
ln -s "$EXITPT_STATE_DIR" "$T/root/var/lib/exitpt"
ln -sfn "$T/root" "$DRMGR_ROOT_LINK" || exit 99
drmgr_cleanup() { rm -f "$DRMGR_ROOT_LINK"; }
at_exit drmgr_cleanup

# The hook, installed as drmgr's pmig hook directory would hold it.
cp "$top_builddir/tests/drmgr-hook" "$HOOKS/pmig/exitpt" || exit 99

# drmgr PHASE...: run the hooks as drmgr does; output in $out/$err,
# exit status in $status.
drmgr() { run "$DRMGR_RUN" "$HOOKS" "$@"; }

# hook NAME [BODY]: another drmgr hook that records "PHASE" in
# $T/NAME.calls, then runs BODY.
hook() {
	make_prog "$HOOKS/pmig/$1" "echo \"\$PHASE\" >>$T/$1.calls
${2:-exit 0}"
}

# identity TEXT: the machine identity the hook reads.
identity() { printf '%s\n' "$1" >"$T/system-id"; }
identity machine-A
echo "drmgr-identity-file $T/system-id" >>"$EXITPT_CONFIG"
