#!/bin/sh
# tests/drmgr-run runs hooks as powerpc-utils drmgr does: only regular
# files (or links to them) with the owner execute bit, in versionsort
# order, cwd /, an environment of DRC_TYPE, DRC_COUNT, ACTION and PHASE
# only, drmgr's blocked signals, and undocheck on every hook after a check
# that any hook failed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"
. "$top_srcdir/tests/drmgr-lib.sh"

rm -f "$HOOKS/pmig/exitpt"
# rec NAME [STATUS]: a hook that records its phase, cwd, argument count,
# environment and blocked signals (its shell's, as exec left them) in
# $T/NAME.calls and its name in $T/order, then exits STATUS.
rec() {
	cat >"$HOOKS/pmig/$1" <<HOOK
#!/bin/sh
read -r blocked </proc/\$\$/status
while [ "\${blocked%%:*}" != SigBlk ]; do read -r blocked; done </proc/\$\$/status
{ echo "\$PHASE \$(pwd) \$#"
  tr '\\000' ' ' </proc/\$\$/environ; echo
  echo "\$blocked"; } >>$T/\${0##*/}.calls
echo \${0##*/} >>$T/order
exit ${2:-0}
HOOK
	chmod 755 "$HOOKS/pmig/$1"
}
rec a-10
rec a-9
rec b 0
rec z
printf '#!/bin/sh\necho c >>%s/order\n' "$T" >"$HOOKS/pmig/c"
chmod 644 "$HOOKS/pmig/c"
printf '#!/bin/sh\necho d >>%s/order\n' "$T" >"$HOOKS/pmig/d"
chmod 654 "$HOOKS/pmig/d"
mkdir "$HOOKS/pmig/e"
rec f
mv "$HOOKS/pmig/f" "$T/f"
ln -s "$T/f" "$HOOKS/pmig/f"

drmgr pre
is "$status" 0 "pre runs and succeeds"
is "$(tr '\n' ' ' <"$T/order")" "a-9 a-10 b f z " \
    "runs_hooks_in_versionsort_order_and_only_owner_executable_files"
is "$(sed -n 1p "$T/b.calls")" "pre / 0" "with cwd / and no arguments"
env=$(sed -n 2p "$T/b.calls" | tr ' ' '\n' | sort | tr '\n' ' ')
is "$env" " ACTION=migrate DRC_COUNT=0 DRC_TYPE=pmig PHASE=pre " \
    "with_only_drmgrs_four_variables"
# Blocked: all but BUS XFSZ SEGV TRAP ILL FPE SYS PIPE VTALRM ALRM QUIT ABRT
# (and KILL, STOP, which no mask holds, and glibc's own 32 and 33).
is "$(sed -n 3p "$T/b.calls")" "SigBlk:	fffffffe3cfbca03" \
    "with_drmgrs_signal_mask"
like "$err" "hook '$HOOKS/pmig/b' exited with status 0" \
    "logging each hook's exit status"

rm -f "$T"/*.calls "$T/order"
rec b 3
drmgr check
is "$status" 1 "a failed check fails drmgr"
is "$(tr '\n' ' ' <"$T/order")" "a-9 a-10 b f z a-9 a-10 b f z " \
    "check_failure_runs_undocheck_on_every_hook (after every check)"
is "$(grep -c '^undocheck' "$T/a-9.calls")" 1 \
    "including hooks whose check succeeded"
rec b 0
drmgr check
is "$status" 0 "a check that every hook passes"
is "$(grep -c '^undocheck' "$T/a-9.calls")" 1 "runs no undocheck"

rm -f "$T/order"
make_prog "$HOOKS/pmig/b" 'kill -KILL $$'
drmgr pre
like "$err" "hook '$HOOKS/pmig/b' terminated by signal 9" \
    "a hook killed by a signal is logged so"
drmgr check
is "$status" 1 "and fails a check"

drmgr bogus
is "$status" 64 "an unknown phase is a usage error"
done_testing
