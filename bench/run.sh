#!/bin/bash
# `make bench`: build berth, then time `run` of /bin/true against crun and
# runc (bench/bench.py); writes bench/results.md. N=200 make bench for more.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/build.sh build >/dev/null
exec /usr/bin/python3 bench/bench.py "$@"
