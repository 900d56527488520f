#!/bin/bash
# PID 1 of the cgroup-v2 guest, stage 2: the host's root filesystem (seen
# through 9p and an overlay, see tests/vm/init), the guest's own kernel
# with a pure cgroup2 hierarchy. Runs the same build and the same tests
# as the host (the pytest arguments the host put in job.args, and the
# cgroup-smoke program), writes every result into the job directory
# /run/berth-vm (the host's temp dir, shared read-write), and powers off.
# PID 1 also reaps the containers' inits that the tests leave to it.
set -u
job=/run/berth-vm
# shellcheck source=/dev/null
. "$job/job.env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 TERM=dumb
# tests that change machine-wide settings (io.cost on the scratch disk) may
export BERTH_VM_GUEST=1
unset BERTH_BIN BERTH_PROBE

say() { echo "berth-vm: $*"; }

finish() {
        dmesg >"$job/dmesg.txt" 2>&1
        echo finished >"$job/done"
        sync
        say "powering off"
        echo o >/proc/sysrq-trigger
        sleep 10
        /bin/busybox poweroff -f
}
trap finish EXIT

read -r up _ </proc/uptime
echo "$up" >"$job/boot-seconds"
say "stage 2 at $up s: $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
hostname berth-v2-guest
ip link set lo up 2>/dev/null

cd "$BERTH_VM_REPO" || exit
if [[ -x build/tests/cgroup-smoke ]]; then
        build/tests/cgroup-smoke >"$job/smoke.log" 2>&1
        echo $? >"$job/smoke.rc"
fi

mapfile -t args <"$job/job.args"
start=$SECONDS
# Out of time: SIGINT first, so pytest still writes the junit xml of the
# tests that finished (timeout's status is then 124).
timeout -s INT -k 30 "${BERTH_VM_TEST_TIMEOUT:-480}" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
        --junitxml="$job/junit.xml" "${args[@]}" >"$job/pytest.log" 2>&1
echo $? >"$job/pytest.rc"
echo $((SECONDS - start)) >"$job/test-seconds"
tail -3 "$job/pytest.log"
# Anything left unreaped would point at a leak in the tests or berth.
ps -eo stat=,pid=,args= | awk '$1 ~ /^Z/' >"$job/zombies"
