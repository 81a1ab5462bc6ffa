#!/bin/sh
# A malformed registry entry (hand-edited, truncated, wrong types) is
# reported with its file and line and skipped; the others keep working.
. "$top_srcdir/tests/lib.sh"

make_prog "$TEST_TMP/p"
"$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/p" --number 1 >/dev/null
"$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/p" --number 2 >/dev/null
d="$EXITPT_STATE_DIR/registry/QIBM_QWC_SUSPEND"
good=$(cat "$d/0000000001.pgm")

# entry NUMBER CONTENT: write a hand-made entry file.
entry() { printf '%b' "$2" >"$d/$(printf '%010d' "$1").pgm"; }

entry 10 "format=SSPS0100\nprogram=/bin/true\nthis line has no equals sign\n"
entry 11 "format=SSPS0100\nprogram=/bin/true\ncheck-timeout=abc\n"
entry 12 "format=SSPS0100\nprogram=/bin/true\nuser=root"
entry 13 "format=RSMS0100\nprogram=/bin/true\n"
entry 14 "format=SSPS0100\nuser=root\n"
entry 15 "format=SSPS0100\nprogram=/bin/true\nprogram=/bin/false\n"
entry 16 "format=SSPS0100\nprogram=/bin/true\ndata=bad\\\\qescape\n"
entry 17 "format=SSPS0100\nprogram=/bin/true\ncolour=blue\n"
entry 18 "format=SSPS0100\nprogram=relative/path\n"
entry 19 "format=SSPS0100\nprogram=/bin/true\ncheck-timeout=99999\n"
entry 20 ""
printf 'format=SSPS0100\nprogram=/bin/true\ndata=a\000b\n' >"$d/0000000021.pgm"
head -c 70000 /dev/zero | tr '\0' '#' >"$d/0000000022.pgm"
echo "$good" >"$d/notanumber.pgm"
echo "$good" >"$d/0000000000.pgm"
echo "$good" >"$d/.tmp.123.0000000030.pgm"

run "$EXITCTL" list QIBM_QWC_SUSPEND
is "$status" 0 "list still succeeds with malformed entries"
numbers=$(printf '%s\n' "$out" | awk '$1 == "QIBM_QWC_SUSPEND" { printf "%s ", $3 }')
is "$numbers" "1 2 " "the well-formed entries keep working"

like "$err" "0000000010.pgm:3: not a key=value line; entry skipped" "a line without = is named with file:line"
like "$err" "0000000011.pgm:3: timeout must be 1..3600 seconds" "a wrong type is named with file:line"
like "$err" "0000000012.pgm: truncated \(no newline at end of file\)" "a truncated file is reported"
like "$err" "0000000013.pgm:1: format does not match the exit point" "a format of another exit point is reported"
like "$err" "0000000014.pgm: no program= line" "a missing program is reported"
like "$err" "0000000015.pgm:3: key given twice" "a repeated key is reported"
like "$err" "0000000016.pgm:3: bad escape" "a bad escape is reported"
like "$err" "0000000017.pgm:3: unknown key" "an unknown key is reported"
like "$err" "0000000018.pgm:2: program must be an absolute path" "a relative program is reported"
like "$err" "0000000019.pgm:3: timeout must be 1..3600" "an out-of-range timeout is reported"
like "$err" "0000000020.pgm: truncated" "an empty file is reported"
like "$err" "0000000021.pgm: file contains a NUL byte" "a NUL byte is reported"
like "$err" "0000000022.pgm: file larger than 64 KiB" "an oversized file is reported"
like "$err" "notanumber.pgm: not an entry file name" "a stray file is reported"
like "$err" "0000000000.pgm: not an entry file name" "program number 0 in a file name is reported"
is "$(printf '%s\n' "$err" | grep -c 'tmp.123')" 0 "temporaries of writers are not entries"
is "$(printf '%s\n' "$err" | wc -l)" 15 "one line per malformed entry"

run "$EXITCTL" --json list QIBM_QWC_SUSPEND
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 \
    "--json output stays valid JSON with only the good entries"

# The registry stays writable: *LOW skips numbers held by malformed files.
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/p" --number '*LOW'
is "$out" "QIBM_QWC_SUSPEND 3 $TEST_TMP/p" "*LOW still works"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/p" --number 10
is "$status" 65 "a malformed entry still holds its number (no silent overwrite)"
run "$EXITCTL" add QIBM_QWC_SUSPEND "$TEST_TMP/p" --number 10 --replace
is "$status" 0 "--replace repairs a malformed entry"
run "$EXITCTL" list QIBM_QWC_SUSPEND
numbers=$(printf '%s\n' "$out" | awk '$1 == "QIBM_QWC_SUSPEND" { printf "%s ", $3 }')
is "$numbers" "1 2 3 10 " "the repaired entry lists again"

done_testing
