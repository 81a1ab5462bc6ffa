#!/bin/sh
# engine-contain.sh with every exit program run in one cgroup of exitd's
# (runs told apart by process group, cgroup.kill once none runs); skipped
# where exitd finds no cgroup v2 it may use.
CONTAIN=cgroup
. "$top_srcdir/tests/engine-contain.sh"
