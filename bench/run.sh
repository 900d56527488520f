#!/bin/bash
# `make bench`: build berth and the kernel floor (bench/floor.c), then run
# bench/bench.py (start-up, exec, parallel, system containers, density
# against crun, runc, LXC, bwrap); writes bench/results.md and .csv.
# Options go to bench.py: bench/run.sh --quick, --only startup,exec, ...
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/build.sh build >/dev/null
mkdir -p build/bench
gcc -O2 -static -Wall -Wextra -Werror -o build/bench/floor bench/floor.c
rc=0
/usr/bin/python3 bench/bench.py "$@" || rc=$?
scripts/drop-parents.sh
exit $rc
