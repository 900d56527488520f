#!/bin/bash
# `make check`: build, unit tests (plain, then ASan+UBSan), the smoke
# programs, the integration suite, podman and containerd driving berth
# (scripts/check-engines.sh), and the cgroup tests again in a pure
# cgroup-v2 qemu guest (scripts/check-v2.sh). One line per stage, and the
# sum as the very last line: `N passed, N failed, N skipped`. Exits
# non-zero when anything failed.
#   scripts/check.sh [--no-integration]   (the flag is for quick local runs)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
PY=/usr/bin/python3 # not the pyenv python3 on PATH: it has no pytest
logs=build-logs # outside build/ so that meson setup gets an empty dir
passed=0 failed=0 skipped=0

# add STAGE PASSED FAILED SKIPPED
add() {
        passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + $4))
        printf '== %-24s %d passed, %d failed, %d skipped\n' "$1" "$2" "$3" "$4"
}

total() {
        echo "$passed passed, $failed failed, $skipped skipped"
        [[ $failed -eq 0 ]]
        exit
}

# Counts of one `meson test` run from its testlog.json: every cmocka test
# case (CMOCKA_MESSAGE_OUTPUT=TAP), not one per executable. An executable
# that crashed (a sanitizer abort) counts its unreported cases as failed,
# or one failure when it reported none.
count_meson() {
        "$PY" - "$1" <<'EOF'
import json, re, sys
p = f = s = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    ok = skip = bad = 0
    for l in out.splitlines():
        m = re.match(r"(not )?ok \d+", l)
        if not m:
            continue
        if re.search(r"#\s*skip", l, re.I):  # cmocka 1.1 writes "not ok N # SKIP"
            skip += 1
        elif m.group(1):
            bad += 1
        else:
            ok += 1
    plan = sum(int(n) for n in re.findall(r"^1\.\.(\d+)", out, re.M))
    good = t["result"] in ("OK", "EXPECTEDFAIL")
    if ok + skip + bad == 0:
        if t["result"] == "SKIP":
            s += 1
        elif good:
            p += 1
        else:
            f += 1
        continue
    missing = max(plan - ok - skip - bad, 0)
    if not good and bad + missing == 0:
        missing = 1
    p, f, s = p + ok, f + bad + missing, s + skip
print(p, f, s)
EOF
}

# run_unit BUILDDIR LABEL: the `unit` suite of one build directory.
run_unit() {
        local dir=$1 label=$2
        rm -f "$dir/meson-logs/testlog.json"
        CMOCKA_MESSAGE_OUTPUT=TAP meson test -C "$dir" --suite unit --no-rebuild \
                --print-errorlogs >"$logs/$label.log" 2>&1
        if [[ ! -s "$dir/meson-logs/testlog.json" ]]; then
                echo "   $label: meson test produced no log; see $logs/$label.log"
                tail -20 "$logs/$label.log"
                add "$label" 0 1 0
                return
        fi
        # shellcheck disable=SC2046
        add "$label" $(count_meson "$dir/meson-logs/testlog.json")
        grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$logs/$label.log" | sed 's/^/   /'
}

# --- dependencies and the build
if ! scripts/deps.sh; then
        add deps 0 1 0
        total
fi
rm -rf "$logs" && mkdir -p "$logs"
if ! scripts/build.sh build >"$logs/build.log" 2>&1; then
        grep -E 'error|FAILED|ERROR' "$logs/build.log" | head -30
        add build 0 1 0
        total
fi
echo "== build                    ok"

# --- unit tests
run_unit build unit

# The same tests under ASan+UBSan. Only the unit test targets are built
# there: the static probe cannot link with the sanitizers.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan_ok=1
if [[ ! -f build-asan/build.ninja ]]; then
        meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
                >"$logs/asan-setup.log" 2>&1 || asan_ok=0
fi
if [[ $asan_ok -eq 1 ]]; then
        # regenerate first when a meson.build changed, or the test list is stale
        ninja -C build-asan build.ninja >"$logs/asan-regen.log" 2>&1 || asan_ok=0
        mapfile -t targets < <(meson introspect build-asan --tests | "$PY" -c '
import json, os, sys
for t in json.load(sys.stdin):
    if "berth:unit" in t["suite"] or "unit" in t["suite"]:
        print(os.path.relpath(t["cmd"][0], os.path.abspath("build-asan")))')
        if [[ ${#targets[@]} -gt 0 ]] &&
                ! ninja -C build-asan "${targets[@]}" >"$logs/asan-build.log" 2>&1; then
                grep -E 'error|FAILED' "$logs/asan-build.log" | head -30
                asan_ok=0
        fi
fi
if [[ $asan_ok -eq 1 ]]; then
        run_unit build-asan "unit (asan+ubsan)"
else
        add "unit (asan+ubsan) build" 0 1 0
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# --- smoke programs (each prints `N passed, N failed` as its last count)
for smoke in cgroup-smoke mount-smoke cgroup-key-smoke net-smoke; do
        exe=build/tests/$smoke
        [[ -x $exe ]] || continue
        "$exe" >"$logs/$smoke.log" 2>&1
        rc=$?
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logs/$smoke.log" | tail -1)
        if [[ -z $line && $rc -eq 77 ]]; then # the automake/meson "skipped" status
                add "$smoke" 0 0 1
                continue
        fi
        if [[ -z $line ]]; then
                tail -20 "$logs/$smoke.log"
                add "$smoke" 0 1 0
                continue
        fi
        p=$(awk '{print $1}' <<<"$line")
        f=$(awk '{print $3}' <<<"$line")
        [[ $rc -ne 0 && $f -eq 0 ]] && f=1
        grep -E '^(not ok|FAIL)' "$logs/$smoke.log" | head -20 | sed 's/^/   /'
        add "$smoke" "$p" "$f" 0
done

# --- integration tests (real containers)
if [[ "${1:-}" == "--no-integration" ]]; then
        total
fi
junit=$logs/pytest.xml
# the slow ones (a real debootstrap: minutes) are `make check-slow`
"$PY" -m pytest -q -p no:cacheprovider -m "not slow" --junitxml="$junit" tests/integration \
        >"$logs/pytest.log" 2>&1
grep -E '^(FAILED|ERROR) ' "$logs/pytest.log" | sed 's/^/   /'
if [[ -s $junit ]]; then
        # One verdict per test: a test whose teardown failed is failed once.
        # shellcheck disable=SC2046
        add integration $("$PY" scripts/junit-count.py "$junit")
else
        tail -20 "$logs/pytest.log"
        add integration 0 1 0
fi

# --- podman and containerd driving berth (scripts/check-engines.sh): its
# failures first, then its count line
engout=$(scripts/check-engines.sh --no-build 2>"$logs/engines.err")
engcount=$(tail -1 <<<"$engout")
if [[ $engcount =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        sed '$d' <<<"$engout"
        add "engines (podman, ctr)" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
else
        echo "$engout" | tail -20
        tail -5 "$logs/engines.err"
        add "engines (podman, ctr)" 0 1 0
fi

# --- the same build and tests on a pure cgroup-v2 machine (a qemu guest).
# Its details come first, then its count line; a guest that cannot boot
# here is one skip, with the reason.
v2out=$(scripts/check-v2.sh 2>"$logs/check-v2.err")
v2count=$(tail -1 <<<"$v2out")
if [[ $v2count =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        sed '$d' <<<"$v2out" | grep -vE '^   logs: '
        add "cgroup v2 (qemu guest)" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
else
        echo "$v2out" | tail -20
        tail -5 "$logs/check-v2.err"
        add "cgroup v2 (qemu guest)" 0 1 0
fi
echo "   logs: $logs/"
scripts/drop-parents.sh
total
