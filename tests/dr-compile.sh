#!/bin/sh
# The porting user's build line compiles unchanged AIX source:
#   cc $(pkg-config --cflags exitpt-dr) prog.c $(pkg-config --libs exitpt-dr)
# here with -Wall -Werror, in C and as C++; the programs then run (TAP).
# In `make check` it uses the build tree's exitpt-dr (its -uninstalled.pc);
# `make installcheck` runs it with DR_INSTALLED=1 against the installed
# module, PKG_CONFIG_PATH and LD_LIBRARY_PATH set by the Makefile.
. "$top_srcdir/tests/lib.sh"

if [ -z "${DR_INSTALLED:-}" ]; then
	PKG_CONFIG_PATH="$top_builddir/libexitpt${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	LD_LIBRARY_PATH="$top_builddir/libexitpt/.libs"
fi
export PKG_CONFIG_PATH LD_LIBRARY_PATH
pc=${PKG_CONFIG:-pkg-config}
if ! command -v "$pc" >/dev/null 2>&1; then
	echo "1..0 # SKIP no pkg-config"
	exit 0
fi
# No exitd in this test: the library must find nothing to register with.
export EXITPT_SOCKET="$TEST_TMP/none/exitd.sock"
cflags=$("$pc" --cflags exitpt-dr)
libs=$("$pc" --libs exitpt-dr)
like "$cflags" "exitpt/compat" \
    "pkg-config --cflags exitpt-dr names the compat directory"
like "$libs" "-lexitpt-dr" "pkg-config --libs exitpt-dr links -lexitpt-dr"

# build OUT SRC [CC]: the user's line, plus the build's own CFLAGS and
# LDFLAGS so that a sanitizer build links.
build() {
	# shellcheck disable=SC2086
	${3:-${CC:-cc}} $CFLAGS $cflags -Wall -Werror -I"$top_srcdir/tests" \
	    "$2" -o "$TEST_TMP/$1" $LDFLAGS $libs 2>"$TEST_TMP/cc.err"
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/#   /' "$TEST_TMP/cc.err"
	return $rc
}

build members "$top_srcdir/tests/dr-members.c"
ok $? "every dr_info_t member and case SIGRECONFIG compile with -Wall -Werror"
build signal-only "$top_srcdir/tests/dr-signal-only.c"
ok $? "SIGRECONFIG from <signal.h> alone compiles with -Wall -Werror"
if command -v "${CXX:-c++}" >/dev/null 2>&1; then
	cp "$top_srcdir/tests/dr-members.c" "$TEST_TMP/members.cc"
	build members-cxx "$TEST_TMP/members.cc" "${CXX:-c++} -x c++"
	ok $? "<sys/dr.h> compiles as C++"
fi

run "$TEST_TMP/members"
ok $status "the AIX-style program runs: $(printf '%s' "$out" |
    grep -c '^ok') checks passed, $(printf '%s' "$out" |
    grep -c '^not ok') failed"
printf '%s\n' "$out" | grep '^not ok' | sed 's/^/#   /'
run "$TEST_TMP/signal-only"
ok $status "the <signal.h>-only program runs"
done_testing
