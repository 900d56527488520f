#!/bin/bash
# `make check-v2`: the integration tests again on a pure cgroup-v2 machine,
# a qemu guest that boots Debian's own kernel with cgroup_no_v1=all and
# sees this machine's root filesystem read-only (docs/testing-v2.md).
#   scripts/check-v2.sh [PYTEST ARGS...]
# Without arguments: the cgroup, lifecycle, update/events and cgroup-v2
# (resources and device filter) tests, three system-container tests, plus
# the cgroup-smoke program.
# Lines before the last are details (indented); the last is
# `N passed, N failed, N skipped`, which scripts/check.sh adds to its
# totals. A guest that cannot boot here counts as one skipped test, with
# one line saying why; it never counts as passed. Exits non-zero when
# anything failed. Knobs (BERTH_VM_ACCEL, BERTH_VM_TIMEOUT, ...): see
# tests/vm/run.sh.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
PY=/usr/bin/python3 # not the pyenv python3 on PATH: it has no pytest
logs=build-logs/vm
cache=build/vm
initrd=$cache/initramfs.cpio.gz
tests=("$@")
if [[ ${#tests[@]} -eq 0 ]]; then
        tests=(tests/integration/test_cgroups.py tests/integration/test_lifecycle.py
                tests/integration/test_update_events.py tests/integration/test_cgroup_v2.py
                tests/integration/test_cgroup_v2_devices.py
                # system containers: freezer, live cgroup keys and LXC device
                # rules (an eBPF program here) on pure v2
                tests/integration/test_manager.py::test_busybox_lifecycle
                tests/integration/test_manager.py::test_cgroup_read_and_set_live
                tests/integration/test_manager.py::test_legacy_keys_start_with_exactly_those_settings)
fi
t0=$SECONDS

skip() {
        echo "   cgroup-v2 guest skipped: $*"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
}
fail() {
        echo "   cgroup-v2 guest FAILED: $*"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
}

mkdir -p "$logs" || exit 1
[[ $(id -u) -eq 0 ]] || skip "needs root (the tests make containers; qemu exports / over 9p)"
[[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host (the guest is Debian's amd64 kernel)"

# --- what the host needs: qemu, the build, the busybox rootfs
if ! command -v qemu-system-x86_64 >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        inst() { apt-get install -y -qq --no-install-recommends qemu-system-x86 >>"$logs/apt.log" 2>&1; }
        inst || { apt-get update -qq >>"$logs/apt.log" 2>&1 && inst; } ||
                skip "qemu-system-x86_64 is missing and apt-get install qemu-system-x86 failed ($logs/apt.log)"
fi
scripts/build.sh build >"$logs/build.log" 2>&1 || fail "the build failed ($logs/build.log)"
# Built here, not in the guest, where 400 symlinks take a minute under TCG.
scripts/mkrootfs.sh build/rootfs >/dev/null 2>"$logs/mkrootfs.log" ||
        fail "mkrootfs failed: $(tail -1 "$logs/mkrootfs.log")"

# One guest at a time: two `make check` runs would otherwise boot two TCG
# guests on the same cores (each then runs out of time) and share the logs.
mkdir -p "$cache"
exec 8>"$cache/.lock"
if ! flock -n 8; then
        echo "check-v2: waiting for another run of the guest to finish" >&2
        flock 8
fi

# --- the guest: Debian's kernel (unpacked, cached) and our initramfs
kdir=$(tests/vm/kernel.sh "$cache" 2>"$logs/kernel.log") ||
        skip "no guest kernel: $(tail -1 "$logs/kernel.log")"
tests/vm/mkinitramfs.sh "$kdir" "$initrd" 2>"$logs/initramfs.log" ||
        skip "no initramfs: $(tail -1 "$logs/initramfs.log")"

tests/vm/run.sh "$logs" "$kdir" "$initrd" "${tests[@]}"
rc=$?
accel=$(cat "$logs/accel" 2>/dev/null || echo "?")
if [[ $rc -eq 2 ]]; then
        skip "$(cat "$logs/reason" 2>/dev/null || echo "the guest did not boot") (console: $logs/serial.log)"
fi

# --- the results: pytest's junit xml and cgroup-smoke's count line
info="$(basename "$kdir") on $accel"
[[ -f $logs/fallback ]] && info+=" ($(cat "$logs/fallback"))"
[[ -f $logs/boot-seconds ]] && info+=", tests began $(cat "$logs/boot-seconds") s after boot"
[[ -f $logs/test-seconds ]] && info+=", pytest took $(cat "$logs/test-seconds") s"
echo "   guest: $info; the stage took $((SECONDS - t0)) s"

p=0 f=0 s=0
if [[ -f $logs/smoke.log ]]; then
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logs/smoke.log" | tail -1)
        sp=$(awk '{print $1}' <<<"$line") sf=$(awk '{print $3}' <<<"$line")
        [[ -z $line ]] && sp=0 sf=1
        [[ $(cat "$logs/smoke.rc" 2>/dev/null) != 0 && ${sf:-0} -eq 0 ]] && sf=1
        echo "   cgroup-smoke: $sp passed, $sf failed"
        grep -E '^(not ok|FAIL)' "$logs/smoke.log" | head -20 | sed 's/^/      /'
        p=$((p + sp)) f=$((f + sf))
fi
if [[ -s $logs/junit.xml ]]; then
        # One verdict per test, as in check.sh: a failed teardown fails its test once.
        read -r jp jf js < <("$PY" - "$logs/junit.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
verdict = {}
for tc in ET.parse(sys.argv[1]).iter("testcase"):
    key = (tc.get("classname"), tc.get("name"))
    tags = {c.tag for c in tc}
    v = "f" if tags & {"failure", "error"} else "s" if "skipped" in tags else "p"
    old = verdict.get(key)
    verdict[key] = "f" if "f" in (v, old) else v if old in (None, "p") else old
vs = list(verdict.values())
print(vs.count("p"), vs.count("f"), vs.count("s"))
EOF
)
        echo "   pytest: $jp passed, $jf failed, $js skipped"
        grep -E '^(FAILED|ERROR) ' "$logs/pytest.log" | sed 's/^/      /'
        p=$((p + jp)) f=$((f + jf)) s=$((s + js))
else
        echo "   pytest wrote no results (status $(cat "$logs/pytest.rc" 2>/dev/null || echo none));" \
                "see $logs/pytest.log"
        f=$((f + 1))
fi
if [[ $(cat "$logs/pytest.rc" 2>/dev/null) == 124 ]]; then
        echo "   pytest ran out of time in the guest (BERTH_VM_TIMEOUT); only the tests that finished are counted"
        f=$((f + 1))
fi
if [[ -s $logs/zombies ]]; then
        echo "   unreaped processes at the end: $(wc -l <"$logs/zombies") ($logs/zombies)"
fi
if [[ $rc -ne 0 || $f -gt 0 ]]; then
        [[ $rc -ne 0 ]] && echo "   $(cat "$logs/reason" 2>/dev/null)"
        echo "   guest console, last lines ($logs/serial.log):"
        tail -15 "$logs/serial.log" 2>/dev/null | sed 's/^/      /'
        if [[ -f $logs/dmesg.txt ]]; then
                echo "   guest kernel log, last lines ($logs/dmesg.txt):"
                tail -15 "$logs/dmesg.txt" | sed 's/^/      /'
        fi
        [[ $f -eq 0 ]] && f=1
fi
echo "   logs: $logs/"
echo "$p passed, $f failed, $s skipped"
[[ $f -eq 0 ]]
