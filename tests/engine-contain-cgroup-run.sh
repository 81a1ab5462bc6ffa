#!/bin/sh
# engine-contain.sh with a cgroup per exit program run (cgroup.kill);
# skipped where exitd finds no cgroup v2 it may use.
CONTAIN=cgroup-per-run
. "$top_srcdir/tests/engine-contain.sh"
