#!/bin/sh
# exitctl add / remove / list: results, error messages and exit codes,
# and refusal of unprivileged users.
. "$top_srcdir/tests/lib.sh"

make_prog "$TEST_TMP/check.sh"

run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 10 \
    --data 'hello world' --text 'sample check' --check-timeout 45
is "$status" 0 "add exits 0"
is "$out" "QIBM_QWC_SUSPEND 10 $TEST_TMP/check.sh" "add prints what it registered"

run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 10
is "$status" 65 "a duplicate number exits 65"
like "$err" "^exitctl: add: program number 10 on QIBM_QWC_SUSPEND \(use --replace\): program number already registered$" \
    "a duplicate number says so and suggests --replace"

run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 10 --replace --text replaced
is "$status" 0 "--replace replaces"

run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/missing" --number '*LOW'
is "$status" 0 "a program that does not exist yet may be registered"
like "$err" "warning: program $TEST_TMP/missing is missing" "but add warns that it is missing"
is "$out" "QIBM_QWC_SUSPEND 1 $TEST_TMP/missing" "*LOW picked 1"

nl=$(printf '%s/odd\nname' "$TEST_TMP")
run "$EXITCTL" add QIBM_QWC_SUSPEND "$nl" --number 5
is "$status" 64 "a path with a newline is refused (exit 64)"
like "$err" "holds a control character" "and add says why"

run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number '*HIGH'
is "$out" "QIBM_QWC_SUSPEND 2147483647 $TEST_TMP/check.sh" "*HIGH picked 2147483647"

run "$EXITCTL" add QIBM_QWC_RESUME "$TEST_TMP/check.sh" --number 3 --format RSMS0100
is "$status" 0 "resume program with its own format"

run "$EXITCTL" list
is "$status" 0 "list exits 0"
numbers=$(printf '%s\n' "$out" | awk '$1 == "QIBM_QWC_SUSPEND" { printf "%s ", $3 }')
is "$numbers" "1 10 2147483647 " "list shows ascending program numbers"
like "$out" "QIBM_QWC_SUSPEND SSPS0100 +1 root +30s missing" "list flags the missing program"
like "$out" "text: replaced" "list shows the description"

run "$EXITCTL" list QIBM_QWC_RESUME --json
is "$status" 0 "list --json exits 0"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["number"], d[0]["format"], d[0]["state"])')" \
    "1 3 RSMS0100 ok" "list --json of one exit point"
run "$EXITCTL" --json list QIBM_QWC_SUSPEND
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([e["number"] for e in d], repr(d[1]["data"]), d[1]["text"], d[1]["check_timeout_ms"])')" \
    "[1, 10, 2147483647] '' replaced 30000" "--json before the command; --replace wrote a whole new entry"

chmod 777 "$TEST_TMP/check.sh"
run "$EXITCTL" --json list QIBM_QWC_RESUME
like "$out" '"state": "unsafe"' "a program writable by everyone is flagged unsafe"
like "$out" "writable by everyone" "with the reason"
chmod 755 "$TEST_TMP/check.sh"
chmod 644 "$TEST_TMP/check.sh"
run "$EXITCTL" --json list QIBM_QWC_RESUME
like "$out" '"state": "not-executable"' "a program without execute bits is flagged"
chmod 755 "$TEST_TMP/check.sh"

# Errors: each one line on stderr, each with its exit code.
run "$EXITCTL" add QIBM_QWC_NOPE "$TEST_TMP/check.sh" --number 1
is "$status" 65 "unknown exit point exits 65"
like "$err" "unknown exit point 'QIBM_QWC_NOPE'" "and names it"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 1 --format RSMS0100
is "$status" 65 "mismatched format exits 65"
like "$err" "format 'RSMS0100' does not match exit point QIBM_QWC_SUSPEND \(which takes SSPS0100\)" \
    "and says which format the exit point takes"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 0
is "$status" 64 "number 0 is a usage error"
like "$err" "program number must be 1..2147483647, \*LOW or \*HIGH, not '0'" "with the range"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 2147483648
is "$status" 64 "number 2147483648 is a usage error"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh"
is "$status" 64 "--number is required"
data2048=$(head -c 2048 /dev/zero | tr '\0' x)
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 20 --data "$data2048"
is "$status" 0 "2048 bytes of data are accepted"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 21 --data "${data2048}y"
is "$status" 65 "2049 bytes of data are refused"
like "$err" "--data is 2049 bytes: program data longer than 2048 bytes" "with the length"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 22 --user no-such-user
is "$status" 65 "unknown run-as user exits 65"
like "$err" "run-as user 'no-such-user': unknown user or group" "and names the user"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 22 --check-timeout 0
is "$status" 64 "check timeout 0 is a usage error"
run "$EXITCTL" remove QIBM_QWC_SUSPEND 999
is "$status" 65 "removing an unregistered number exits 65"
like "$err" "program 999 on QIBM_QWC_SUSPEND: no exit program with that number" "and says so"
run "$EXITCTL" remove QIBM_QWC_SUSPEND 10
is "$status" 0 "remove exits 0"
run "$EXITCTL" list QIBM_QWC_SUSPEND
ok "$(printf '%s\n' "$out" | awk '$3 == 10' | wc -l)" "the removed program is gone"
run "$EXITCTL" frobnicate
is "$status" 64 "unknown command exits 64"
run "$EXITCTL" list QIBM_QWC_SUSPEND extra
is "$status" 64 "extra argument to list exits 64"
run "$EXITCTL" --config "$TEST_TMP/none.conf" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 30
is "$status" 78 "a missing --config file exits 78"
printf 'admin-gruop wheel\n' >"$TEST_TMP/bad.conf"
run "$EXITCTL" --config "$TEST_TMP/bad.conf" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 30
like "$err" "bad.conf:1: unknown setting 'admin-gruop'" "a bad configuration line is named with file:line"

# Unprivileged users.
if [ -n "$SETPRIV" ] && [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$TEST_TMP"
	run as_user nobody "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 40
	is "$status" 77 "a non-root user may not add (exit 77)"
	like "$err" "changing the registry requires root \(no admin-group is configured\)" "and is told why"
	run as_user nobody "$EXITCTL" remove QIBM_QWC_SUSPEND 1
	is "$status" 77 "a non-root user may not remove"
	run as_user nobody "$EXITCTL" list QIBM_QWC_SUSPEND
	is "$status" 0 "a non-root user may list"
	printf 'admin-group root\n' >"$EXITPT_CONFIG"
	run as_user nobody "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 40
	is "$status" 77 "a user outside the configured group is refused"
	like "$err" "requires root or membership of group 'root'" "and the error names the group"
	printf 'admin-group nogroup\n' >"$EXITPT_CONFIG"
	run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 41
	is "$status" 0 "root, changing the registry, opens it to the admin group"
	run as_user nobody "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/check.sh" --number 40
	is "$status" 0 "a member of the configured admin group may add"
	is "$(stat -c %G:%a "$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND")" "nogroup:2775" \
	    "the registry directories are opened to the admin group"
	run as_user nobody "$EXITCTL" remove QIBM_QWC_SUSPEND 40
	is "$status" 0 "and remove"
	: >"$EXITPT_CONFIG"
else
	echo "# skipping unprivileged-user checks (need root and setpriv)"
fi

done_testing
