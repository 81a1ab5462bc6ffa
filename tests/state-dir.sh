#!/bin/sh
# exitd refuses a state directory that someone other than root or its own
# user could change (owned by another user, group- or world-writable, a
# directory above it owned by another user, a world-writable registry
# directory), and a journal that is a symbolic link or another user's; the
# message says what to fix.  A journal symlinked to a root-only file never
# shows that file's content.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/exitd-lib.sh"

need_root_nobody
nob=$(id -u nobody)

# refused DIR PATTERN NAME: exitd does not start on DIR and says PATTERN.
refused() {
	: >"$exitd_log"
	start_exitd --state-dir "$1"
	started=$?
	[ -n "$exitd_pid" ] && wait "$exitd_pid"
	exitd_pid=
	is "$started" 1 "$3"
	like "$(cat "$exitd_log")" "$2" "and says what to fix"
}

mkdir -m 755 "$T/s-owner"
chown nobody "$T/s-owner"
refused "$T/s-owner" "state directory $T/s-owner is owned by uid $nob, not by exitd's user \(uid 0\).*run chown 0 '$T/s-owner'" \
    "state_dir_owned_by_another_user_is_refused"

mkdir -m 775 "$T/s-group"
chgrp nogroup "$T/s-group" 2>/dev/null || chgrp "$(id -g nobody)" "$T/s-group"
refused "$T/s-group" "state directory $T/s-group is group-writable \(mode 0775\).*run chmod g-w '$T/s-group'" \
    "group_writable_state_dir_is_refused"

mkdir -m 777 "$T/s-world"
chmod 777 "$T/s-world"
refused "$T/s-world" "state directory $T/s-world is world-writable \(mode 0777\).*run chmod go-w" \
    "world_writable_state_dir_is_refused"

mkdir -m 755 "$T/above" "$T/above/state"
chown nobody "$T/above"
refused "$T/above/state" "directory $T/above is owned by uid $nob" \
    "a_directory_above_owned_by_another_user_is_refused"

mkdir -m 755 "$T/s-link"
ln -s /etc/shadow "$T/s-link/journal"
before=$(md5sum /etc/shadow)
refused "$T/s-link" "journal $T/s-link/journal is not a regular file \(a symbolic link\).*remove it" \
    "symlinked_journal_is_refused"
is "$(md5sum /etc/shadow)" "$before" "the file it pointed to is untouched"
unlike "$(cat "$exitd_log")" "root:" "and none of its content reaches the log"

mkdir -m 755 "$T/s-jown"
: >"$T/s-jown/journal"
chown nobody "$T/s-jown/journal"
refused "$T/s-jown" "journal $T/s-jown/journal is owned by uid $nob" \
    "journal_owned_by_another_user_is_refused"

mkdir -m 755 "$T/s-reg" "$T/s-reg/registry"
chmod 777 "$T/s-reg/registry"
refused "$T/s-reg" "registry directory $T/s-reg/registry is world-writable" \
    "world_writable_registry_directory_is_refused"

mkdir -m 755 "$T/s-good"
start_exitd --state-dir "$T/s-good"
ok $? "a private state directory is accepted"
stop_exitd

# The journal path is opened without following links also for readers:
# exitctl journal shows exitd's journal, whatever replaced the name.
mv "$T/s-good/journal" "$T/s-good/journal.real"
ln -s /etc/shadow "$T/s-good/journal"
refused "$T/s-good" "journal .* is not a regular file" "a journal replaced by a link is refused at the next start"
rm "$T/s-good/journal"
done_testing
