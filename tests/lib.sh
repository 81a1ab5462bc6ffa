# Shell helpers for exitpt's TAP tests: source this file, call the checks,
# end with done_testing.  Every test runs in its own temporary directory,
# removed by an exit trap, with its own state directory and configuration.

tap_n=0
tap_fail=0

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/exitpt-test.XXXXXX") || exit 99
chmod 755 "$TEST_TMP"
export EXITPT_STATE_DIR="$TEST_TMP/state"
export EXITPT_CONFIG="$TEST_TMP/exitd.conf"
: >"$EXITPT_CONFIG"
# The IPC runtime directory (critical sections, locks, queues...) of this
# test only, made by root's first use; removed with the rest at exit.
export EXITPT_RUNTIME_DIR="$TEST_TMP/run"
unset EXITPT_IPC_PREFIX
tap_cleanup_hooks=
trap 'for h in $tap_cleanup_hooks; do $h; done; rm -rf "$TEST_TMP"' EXIT

# Register a function to run at exit, before the temporary dir goes.
at_exit() { tap_cleanup_hooks="$1 $tap_cleanup_hooks"; }

# ok COND_STATUS NAME: pass when the status is 0.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_fail=$((tap_fail + 1))
	fi
}

# is GOT WANT NAME: string equality.
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got '$1'"; echo "#   want '$2'"; fi
}

# like TEXT PATTERN NAME: grep -E pattern in text.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   '$1'"; echo "#   does not match '$2'"; fi
}

# unlike TEXT PATTERN NAME: pattern not in text.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 1 "$3"
		echo "#   '$1'"; echo "#   matches '$2'"; else ok 0 "$3"; fi
}

# run CMD...: run a command, keep its status, stdout and stderr.
run() {
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	out=$(cat "$TEST_TMP/out")
	err=$(cat "$TEST_TMP/err")
}

# as_user USER CMD...: run a command as an unprivileged user.
as_user() {
	u=$1; shift
	"$SETPRIV" --reuid="$u" --regid="$(id -g "$u")" --clear-groups \
	    --reset-env -- env EXITPT_STATE_DIR="$EXITPT_STATE_DIR" \
	    EXITPT_CONFIG="$EXITPT_CONFIG" \
	    EXITPT_RUNTIME_DIR="$EXITPT_RUNTIME_DIR" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
	    "$@"
}

# poke FILE OFFSET FORMAT VALUE: write VALUE packed by Python's struct
# FORMAT into FILE at OFFSET, as a hostile writer of an IPC object would.
poke() {
	python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(struct.pack(sys.argv[3], int(sys.argv[4])))' "$@"
}

# make_prog PATH [BODY]: an executable shell exit program.
make_prog() {
	printf '#!/bin/sh\n%s\n' "${2:-exit 0}" >"$1"
	chmod 755 "$1"
}

# gone PID: true once a process no longer exists (or is a zombie), within
# two seconds (signals are delivered asynchronously).
gone() {
	i=0
	while [ $i -lt 200 ]; do
		[ -e "/proc/$1" ] || return 0
		case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
		Z*|"") return 0 ;;
		esac
		i=$((i + 1))
		sleep 0.01
	done
	return 1
}

# alive PID: true while a process runs (not a zombie).
alive() {
	[ -e "/proc/$1" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z*|"") return 1 ;;
	esac
	return 0
}

# need_root_nobody: skip the whole test unless it runs as root and the
# user nobody exists (a second user is how these tests attack).
need_root_nobody() {
	if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
		echo "1..0 # SKIP needs root and user nobody"
		exit 0
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
}
