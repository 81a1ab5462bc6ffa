#!/bin/sh
# exitctl dtaara create / delete / show / change / list: values, substrings,
# --add, --json, the defaults of CRTDTAARA, and every error as one line on
# stderr with its exit code (usage 64, data 65, missing 69, permission 77).
. "$top_srcdir/tests/lib.sh"


# Delete whatever the test left behind.
cleanup_areas() {
	for n in $("$EXITCTL" --json dtaara list 2>/dev/null |
	    python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))' 2>/dev/null); do
		"$EXITCTL" dtaara delete "$n"
	done
}
at_exit cleanup_areas

# CRTDTAARA defaults: *CHAR 32 blanks, *DEC (15 5) 0, *LGL '0'.
run "$EXITCTL" dtaara create c --type '*CHAR'
is "$status" 0 "create *CHAR exits 0"
run "$EXITCTL" dtaara show c
is "$out" "                                " "a new *CHAR is 32 blanks"
run "$EXITCTL" dtaara create n --type dec
run "$EXITCTL" dtaara show n
is "$out" "0.00000" "a new *DEC is (15 5) zero"
run "$EXITCTL" dtaara create f --type '*lgl'
run "$EXITCTL" dtaara show f
is "$out" "0" "a new *LGL is 0"

run "$EXITCTL" dtaara create msg --type char --length 12 --value 'hello' --mode 0644
is "$status" 0 "create with length, value and mode"
run "$EXITCTL" dtaara show msg
is "$out" "hello       " "the value is padded with blanks"
run "$EXITCTL" dtaara change msg 'WORLD' --start 7 --length 5
is "$status" 0 "change a substring"
run "$EXITCTL" dtaara show msg
is "$out" "hello WORLD " "substring_change_leaves_the_rest"
run "$EXITCTL" dtaara show msg --start 7 --length 5
is "$out" "WORLD" "show a substring"
run "$EXITCTL" dtaara change msg 'X' --start 1 --length 5
run "$EXITCTL" dtaara show msg
is "$out" "X     WORLD " "a short substring value is padded to the substring"

run "$EXITCTL" dtaara create amt --type '*DEC' --length 7 --decimals 2 --value -12.5
run "$EXITCTL" dtaara show amt
is "$out" "-12.50" "*DEC keeps exactly its decimal positions"
run "$EXITCTL" dtaara change amt --add 100.01
is "$status" 0 "--add exits 0"
is "$out" "87.51" "--add prints the new value"
run "$EXITCTL" dtaara change amt -- -0.51
run "$EXITCTL" dtaara show amt
is "$out" "-0.51" "change takes a negative value after --"

run "$EXITCTL" --json dtaara show amt
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["name"], d["type"], d["length"], d["decimals"], d["value"], d["mode"], d["locked_by"], d["changes"])')" \
    "amt *DEC 7 2 -0.51 0600 0 2" "show --json describes the data area"
run "$EXITCTL" dtaara list
is "$status" 0 "list exits 0"
like "$out" "^NAME +TYPE +LENGTH +OWNER +MODE$" "list starts with a header"
like "$out" "^amt +\*DEC +7,2 $(id -un) +0600$" "list shows *DEC length and decimals"
like "$out" "^msg +\*CHAR +12 $(id -un) +0644$" "list shows *CHAR length, owner and mode"
run "$EXITCTL" dtaara list --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))')" \
    "amt c f msg n" "list --json, sorted by name"

# Errors: data (65).
run "$EXITCTL" dtaara create msg --type char
is "$status" 65 "create existing exits 65"
is "$err" "exitctl: dtaara create: data area 'msg' already exists" "and says so"
run "$EXITCTL" dtaara change amt 123456.7
is "$status" 65 "a *DEC overflow exits 65"
like "$err" "'123456.7' for \*DEC data area 'amt': invalid or overflowing decimal" "and names value and area"
run "$EXITCTL" dtaara change amt 1.005
is "$status" 65 "more decimals than the area exits 65 (nothing rounded away)"
run "$EXITCTL" dtaara show amt
is "$out" "-0.51" "a refused change loses nothing"
run "$EXITCTL" dtaara change amt --add -99999.49
is "$status" 65 "--add that overflows exits 65"
run "$EXITCTL" dtaara change msg 'thirteen char'
is "$status" 65 "a value longer than the area exits 65"
is "$err" "exitctl: dtaara change: 13 bytes for the value of 'msg': value too long" "and says how long"
run "$EXITCTL" dtaara change msg 'abc' --start 11 --length 3
is "$status" 65 "a substring past the end exits 65"
like "$err" "substring 11,3 of 'msg'" "and names the substring"
run "$EXITCTL" dtaara change f 2
is "$status" 65 "*LGL refuses 2"
like "$err" "\*LGL data area 'f' takes 0 or 1, not '2'" "and says what it takes"
run "$EXITCTL" dtaara change msg --add 1
is "$status" 65 "--add on *CHAR exits 65"
like "$err" "needs a \*DEC data area" "and says it needs *DEC"
run "$EXITCTL" dtaara create big --type char --length 3 --value abcd
is "$status" 65 "an initial value longer than the area exits 65"
run "$EXITCTL" dtaara create 'a/b' --type char
is "$status" 65 "a bad name exits 65"
like "$err" "'a/b' \(1\.\.32 of A-Z a-z 0-9 _ \. \\$ # @ -, not starting with \. or -\): invalid object name" \
    "a bad name says what is allowed"
run "$EXITCTL" dtaara show nosuch
is "$status" 69 "a missing data area exits 69"
is "$err" "exitctl: dtaara show: no data area 'nosuch'" "and says it is missing"

# Errors: usage (64).
run "$EXITCTL" dtaara create x
is "$status" 64 "create without --type exits 64"
run "$EXITCTL" dtaara create x --type float
is "$status" 64 "an unknown type exits 64"
like "$err" "--type must be \*CHAR, \*DEC or \*LGL, not 'float'" "and lists the types"
run "$EXITCTL" dtaara create x --type char --length 2001
is "$status" 64 "*CHAR longer than 2000 exits 64"
run "$EXITCTL" dtaara create x --type dec --length 25
is "$status" 64 "*DEC over 24 digits exits 64"
run "$EXITCTL" dtaara create x --type dec --length 9 --decimals 10
is "$status" 64 "*DEC over 9 decimals exits 64"
run "$EXITCTL" dtaara create x --type lgl --length 2
is "$status" 64 "*LGL of length 2 exits 64"
run "$EXITCTL" dtaara create x --type char --mode 0755
is "$status" 64 "an executable mode exits 64"
run "$EXITCTL" dtaara create x --type lgl --mode 0602
is "$status" 64 "a mode giving write without read exits 64"
like "$err" "--mode 0602 gives write without read" \
    "and says so (a *LGL area was told its value '(null)' was not 0 or 1)"
run "$EXITCTL" dtaara show msg --start 2
is "$status" 64 "--start without --length exits 64"
run "$EXITCTL" dtaara change msg x --wait soon
is "$status" 64 "a bad --wait exits 64"
run "$EXITCTL" dtaara frob
is "$status" 64 "an unknown subcommand exits 64"
run "$EXITCTL" dtaara show x y
is "$status" 64 "extra arguments exit 64"
run "$EXITCTL" dtaara list
ok "$(printf '%s\n' "$out" | grep -c '^x ' | grep -qx 0; echo $?)" "failed creates created nothing"

# Another user: mode 0644 lets it read but not change or delete; 0600 hides.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	run as_user nobody "$EXITCTL" dtaara show msg
	is "$out" "X     WORLD " "another user may read a 0644 data area"
	run as_user nobody "$EXITCTL" dtaara change msg y
	is "$status" 77 "permission_denied: another user may not change it (77)"
	like "$err" "^exitctl: dtaara change: data area 'msg': " "and says which data area"
	run as_user nobody "$EXITCTL" dtaara delete msg
	is "$status" 77 "permission_denied: nor delete it (77)"
	run as_user nobody "$EXITCTL" dtaara show amt
	is "$status" 77 "permission_denied: a 0600 data area cannot be read (77)"
	# nobody's value with terminal escapes, shown to root.
	run as_user nobody "$EXITCTL" dtaara create esc --type char \
	    --length 12 --mode 0644 --value "$(printf 'a\033]0;x\007\\b')"
	run "$EXITCTL" dtaara show esc
	is "$out" 'a\x1b]0;x\x07\\b   ' \
	    "another_users_value_is_shown_escaped (it drove root's terminal)"
	"$EXITCTL" dtaara delete esc
else
	for i in 1 2 3 4 5 6; do ok 0 "# SKIP needs root and user nobody"; done
fi

# Shell exit programs counting at once: --add is one atomic step.
run "$EXITCTL" dtaara create hits --type dec --length 9 --decimals 0
pids=
for p in 1 2 3 4; do
	( i=0; while [ $i -lt 25 ]; do
		"$EXITCTL" dtaara change hits --add 1 >/dev/null || exit 1
		i=$((i + 1)); done ) &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
is "$failed" 0 "four concurrent shell counters all succeeded"
run "$EXITCTL" dtaara show hits
is "$out" 100 "concurrent_add_from_shells_is_exact (4 x 25)"

# A damaged *DEC (its decimals field) is named, not a crash or a "*LGL".
"$EXITCTL" dtaara create cash --type dec --length 9 --decimals 2 --value 1.50
poke "$EXITPT_RUNTIME_DIR/obj/cash" $((128 + 8)) '<I' 40
run "$EXITCTL" dtaara show cash
is "$status" 65 "a damaged data area exits 65 (show)"
like "$err" "cash.*object is damaged: data area cash: type 2, length 9 and 40 decimals make no data area$" \
    "and says which object and what is wrong"
run "$EXITCTL" dtaara change cash --add 1
is "$status" 65 "change --add on it exits 65"
unlike "$err" "LGL|null" "never a type confusion"
"$EXITCTL" dtaara delete cash

run "$EXITCTL" dtaara delete msg
is "$status" 0 "delete exits 0"
run "$EXITCTL" dtaara show msg
is "$status" 69 "a deleted data area is gone"
run "$EXITCTL" dtaara delete msg
is "$status" 69 "deleting it again exits 69"

done_testing
