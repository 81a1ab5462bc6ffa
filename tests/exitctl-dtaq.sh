#!/bin/sh
# exitctl dtaq create / delete / send / receive / peek / clear / list:
# results, text/hex/JSON forms, waits, error messages, exit codes and
# refusal of other users.
. "$top_srcdir/tests/lib.sh"

X=$EXITCTL
json() { printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

run "$X" dtaq create jobs --capacity 3 --max-length 16 --mode 0644
is "$status" 0 "create exits 0"
run "$X" dtaq create jobs
is "$status" 65 "creating it again exits 65"
like "$err" "^exitctl: create: data queue 'jobs' already exists$" "and says so"

run "$X" dtaq send jobs first
is "$status" 0 "send exits 0"
printf 'two\nlines\\' | "$X" dtaq send jobs
is "$?" 0 "send reads standard input without a data argument"
run "$X" dtaq send jobs --hex 00ff41c3a9
is "$status" 0 "send --hex"
run "$X" dtaq send jobs fourth
is "$status" 65 "send to a full queue exits 65"
like "$err" "object is full" "and says the queue is full"

run "$X" dtaq peek jobs
is "$out" 'first
two\nlines\\
\x00\xffAé' "peek shows every entry on one escaped line, in receive order"
run "$X" dtaq peek jobs --last --hex
is "$out" "00ff41c3a9" "peek --last --hex"
run "$X" dtaq list
like "$out" "^jobs +fifo +3 +3 +16 +0 +no +root +0644$" "list shows the entries left in place by peek"
run "$X" dtaq list --json
is "$(json 'd[0]["name"], d[0]["type"], d[0]["entries"], d[0]["capacity"], d[0]["mode"]')" \
    "jobs fifo 3 3 0644" "list --json"

run "$X" dtaq receive jobs
is "$out" "first" "receive takes the oldest entry"
run "$X" --json dtaq receive jobs
is "$(json 'repr(d["data"]), d["length"]')" "'two\\nlines\\\\' 10" "receive --json gives the raw text"
run "$X" dtaq receive jobs --json
is "$(json 'd["hex"]')" "00ff41c3a9" "bytes that are not text come back as hex in JSON"
run "$X" dtaq receive jobs
is "$status" 1 "receive on an empty queue exits 1 at once"
is "$err" "" "quietly, when it was told not to wait"
start=$(date +%s.%N)
run "$X" dtaq receive jobs --wait 0.3
end=$(date +%s.%N)
is "$status" 1 "receive --wait 0.3 times out with status 1"
like "$err" "no entry in data queue 'jobs' within the wait time" "and says so"
ok "$(python3 -c "print(0 if $end - $start >= 0.29 else 1)")" "after waiting the 0.3 s"

# A receive waiting forever is woken by a send from another process.
# (timeout only guards against a hang; the state checked is exitctl's.)
timeout 20 "$X" dtaq receive jobs --wait forever >"$TEST_TMP/woken" &
tpid=$!
n=0
rpid=
while [ -z "$rpid" ] && [ $n -lt 1000 ]; do
	rpid=$(pgrep -P $tpid); n=$((n + 1)); sleep 0.01
done
n=0
while [ "$(awk '{print $3}' /proc/$rpid/stat 2>/dev/null)" != S ] && [ $n -lt 1000 ]; do
	n=$((n + 1)); sleep 0.01
done
"$X" dtaq send jobs wake-up
wait $tpid
is "$?" 0 "a waiting receive is woken by a send"
is "$(cat "$TEST_TMP/woken")" "wake-up" "and gets its entry"

# Keyed queues: orders, peek by key, clear by key, sender information.
run "$X" dtaq create replies --type keyed --key-length 3 --sender-info
is "$status" 0 "create a keyed queue"
for k in 300 100 200 100; do "$X" dtaq send replies --key $k "data$k"; done
run "$X" dtaq peek replies --key 150 --order GT
is "$out" "data200
data300" "peek --key --order GT selects keys above, in key order"
run "$X" dtaq peek replies --first --key 100
is "$out" "data100" "peek --first --key defaults to EQ"
run "$X" --json dtaq peek replies --key 300
is "$(json 'd[0]["key"], d[0]["sender_uid"], d[0]["sender_pid"] > 0')" "300 0 True" \
    "peek --json shows the key and the sender"
run "$X" dtaq receive replies --key 150 --order LT
is "$out" "data100" "receive --order LT"
run "$X" dtaq clear replies --key 100 --order EQ
is "$out" "1" "clear by key removes the matching entries only"
run "$X" dtaq peek replies
is "$out" "data200
data300" "the others stay"
run "$X" dtaq send replies --key 12 short
is "$status" 65 "a key of the wrong length exits 65"
like "$err" "key '12' is 2 bytes, data queue 'replies' has 3-byte keys" "and names both lengths"
run "$X" dtaq send replies nokey
like "$err" "is keyed: --key is required" "a keyed queue needs --key"
run "$X" dtaq receive jobs --key abc
like "$err" "data queue 'jobs' is fifo, not keyed" "a FIFO queue takes no --key"
run "$X" dtaq peek replies --key 100 --order XX
is "$status" 64 "an unknown order is a usage error"
like "$err" "key order must be EQ, NE, LT, LE, GT or GE, not 'XX'" "naming the choices"
run "$X" dtaq clear replies
is "$out" "2" "clear without a key empties the queue"

# Entries too long, bad names, bad values, missing and wrong objects.
run "$X" dtaq send jobs 12345678901234567
is "$status" 65 "an entry longer than the maximum exits 65"
like "$err" "data queue 'jobs' takes at most 16 bytes: .*too long" "and gives the limit"
run "$X" dtaq peek jobs
is "$out" "" "the refused entry did not go in (the queue is empty)"
head -c 17 /dev/zero | "$X" dtaq send jobs
is "$?" 65 "too long on standard input is refused too"
for bad in ../etc/passwd .hidden -x 'a b' 123456789012345678901234567890123; do
	run "$X" dtaq create -- "$bad"
	ok "$([ "$status" -ne 0 ] && echo 0 || echo 1)" "bad name '$bad' refused"
done
run "$X" dtaq send ../x data
is "$status" 65 "a path as a name exits 65"
like "$err" "invalid object name" "with a clear message"
ok "$([ ! -e "$EXITPT_RUNTIME_DIR/x" ] && [ ! -e "$EXITPT_RUNTIME_DIR/obj/x" ] && echo 0 || echo 1)" "and created nothing"
run "$X" dtaq create big --max-length 64513
is "$status" 64 "max length over 64512 is a usage error"
run "$X" dtaq create k --type keyed
like "$err" "a keyed queue needs --key-length" "keyed without key length"
run "$X" dtaq create k --type ring
like "$err" "type must be fifo, lifo or keyed, not 'ring'" "unknown type"
run "$X" dtaq create k --mode 0777
like "$err" "mode must be octal within 0666" "mode with execute bits"
run "$X" dtaq create k --mode 0622
is "$status" 64 "a mode giving write without read is a usage error"
like "$err" "--mode 0622 gives write without read" "and says so, not 'value out of range'"
run "$X" dtaq receive jobs --wait soon
is "$status" 64 "a bad wait time is a usage error"
run "$X" dtaq send jobs --hex 0g
is "$status" 64 "bad hex is a usage error"
run "$X" dtaq receive nosuch
is "$status" 69 "a missing queue exits 69"
like "$err" "^exitctl: receive: data queue 'nosuch' does not exist$" "and says so"
run "$X" dtaq frob
is "$status" 64 "an unknown subcommand exits 64"

# Permissions: nobody may read a 0644 queue but not change it.
"$X" dtaq send jobs secret
run as_user nobody "$X" dtaq peek jobs
is "$out" "secret" "another user may peek at a 0644 queue"
run as_user nobody "$X" dtaq send jobs intruder
is "$status" 77 "but not send to it (exit 77)"
like "$err" "Permission denied" "permission_denied_to_other_users"
run as_user nobody "$X" dtaq receive jobs
is "$status" 77 "nor receive from it"
run as_user nobody "$X" dtaq delete jobs
is "$status" 77 "nor delete it"
run as_user nobody "$X" dtaq peek replies
is "$status" 77 "a 0600 queue is closed to other users"
run as_user nobody "$X" dtaq list
is "$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 }')" "jobs" "list shows another user only the queues it may open"
run "$X" dtaq peek jobs
is "$out" "secret" "and the owner's entry is untouched"

# A damaged queue (an entry longer than the maximum) is named, not a crash.
"$X" dtaq create hurt --max-length 8 --capacity 2
"$X" dtaq send hurt abc
# The entry's length: object header 128, queue header 64, then 20 bytes.
poke "$EXITPT_RUNTIME_DIR/obj/hurt" $((128 + 64 + 20)) '<I' 70000
run "$X" dtaq peek hurt --hex
is "$status" 65 "a damaged entry exits 65 (peek --hex)"
is "$err" "exitctl: peek: data queue 'hurt': object is damaged: data queue hurt: entry at position 0 is 70000 bytes, more than its maximum 8" \
    "and says which object and what is wrong"
run "$X" dtaq receive hurt
is "$status" 65 "receive of it exits 65 too"
"$X" dtaq delete hurt

run "$X" dtaq delete jobs
is "$status" 0 "delete exits 0"
run "$X" dtaq delete jobs
is "$status" 69 "deleting it again exits 69"
"$X" dtaq delete replies
run "$X" dtaq list
is "$out" "" "no queues left"

done_testing
