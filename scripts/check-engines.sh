#!/bin/bash
# `make check-engines`: podman and containerd (ctr) driving berth as their
# OCI runtime (tests/engines), each with private storage, sockets and
# state under a temporary directory. Prints the failed tests, then
# `N passed, N failed, N skipped` as the last line; exits non-zero when
# anything failed. `make check` runs it after the integration suite.
#   scripts/check-engines.sh [--no-build] [PYTEST ARGS...]
#     --no-build   skip deps and the build (check.sh has done both)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
PY=/usr/bin/python3 # not the pyenv python3 on PATH: it has no pytest
logs=build-logs
mkdir -p "$logs"

if [[ "${1:-}" == "--no-build" ]]; then
        shift
else
        if ! scripts/deps.sh || ! scripts/build.sh build >"$logs/engines-build.log" 2>&1; then
                tail -20 "$logs/engines-build.log" 2>/dev/null
                echo "0 passed, 1 failed, 0 skipped"
                exit 1
        fi
fi

junit=$logs/engines.xml
rm -f "$junit"
"$PY" -m pytest -q -p no:cacheprovider --junitxml="$junit" tests/engines "$@" \
        >"$logs/engines.log" 2>&1
grep -E '^(FAILED|ERROR) ' "$logs/engines.log" | sed 's/^/   /'
if [[ ! -s $junit ]]; then
        tail -20 "$logs/engines.log"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
fi
read -r p f s < <("$PY" scripts/junit-count.py "$junit")
echo "   log: $logs/engines.log"
echo "$p passed, $f failed, $s skipped"
[[ $f -eq 0 ]]
