#!/bin/bash
# tests/vm/run.sh OUTDIR KERNELDIR INITRAMFS [PYTEST ARGS...]
# Boot the cgroup-v2 guest once and bring its results back to OUTDIR:
#   accel          kvm or tcg, what the guest ran on
#   serial.log     the guest's console (serial-kvm.log: a KVM attempt that hung)
#   qemu.log       qemu's own messages
#   boot-seconds   guest uptime when stage 2 (the tests) began
#   junit.xml pytest.log pytest.rc test-seconds smoke.log smoke.rc dmesg.txt zombies
#   reason         why there are no results, one line (only then)
#   fallback       why an accelerator tried first did not do (KVM hanging)
# Exit status: 0 the guest ran the tests and powered off; 2 it never
# reached stage 2 (cannot boot here: a skip); 1 it booted and then failed
# to report (a failure). qemu and the temp dir never outlive this script.
#
# Accel: KVM when /dev/kvm can be opened, given BERTH_VM_KVM_WAIT s
# (default 30) to reach stage 2, since nested KVM can hang early in boot;
# then TCG with `-cpu max` (BERTH_VM_TCG_WAIT s, default 180).
#   BERTH_VM_ACCEL     the accelerators to try in order, e.g. tcg or kvm,tcg
#   BERTH_VM_TIMEOUT   seconds for the whole guest run (default 540)
#   BERTH_VM_MEM BERTH_VM_SMP   guest size (default 1024 MiB, 2 CPUs)
set -uo pipefail

out=${1:?usage: run.sh OUTDIR KERNELDIR INITRAMFS [PYTEST ARGS...]}
kdir=${2:?}
initrd=${3:?}
shift 3
repo=$(cd "$(dirname "$0")/../.." && pwd)
timeout=${BERTH_VM_TIMEOUT:-540}
kvm_wait=${BERTH_VM_KVM_WAIT:-30}
tcg_wait=${BERTH_VM_TCG_WAIT:-180} # TCG reaches stage 2 in ~5 s; this catches a hang

mkdir -p "$out"
rm -f "$out"/{accel,qemu.log,serial.log,serial-kvm.log,boot-seconds,junit.xml,pytest.log,pytest.rc} \
        "$out"/{test-seconds,smoke.log,smoke.rc,dmesg.txt,zombies,reason,fallback,stage1-error}

kernel=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | head -1)
kver=${kernel##*/vmlinuz-}
[[ -f $kernel ]] || { echo "no kernel in $kdir/boot" >"$out/reason"; exit 2; }
[[ -f $initrd ]] || { echo "no initramfs at $initrd" >"$out/reason"; exit 2; }
qemu=$(command -v qemu-system-x86_64) || { echo "no qemu-system-x86_64" >"$out/reason"; exit 2; }
# The guest mounts fresh tmpfs there, hiding a checkout that lives in them.
# (tests/vm/init brings a checkout under them back.)

# A run killed with SIGKILL leaves its temp dir (its qemu dies with it):
# remove those whose owner is gone.
for d in /tmp/berth-vm.*; do
        [[ -f $d/owner ]] || continue
        kill -0 "$(cat "$d/owner")" 2>/dev/null || rm -rf "$d"
done
tmp=$(mktemp -d /tmp/berth-vm.XXXXXX)
echo $$ >"$tmp/owner"
qpid=
# stop_qemu: TERM, two seconds, KILL; reaped either way.
stop_qemu() {
        if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
                kill "$qpid" 2>/dev/null
                for _ in 1 2 3 4 5 6 7 8 9 10; do
                        kill -0 "$qpid" 2>/dev/null || break
                        sleep 0.2
                done
                kill -9 "$qpid" 2>/dev/null
        fi
        [[ -n $qpid ]] && wait "$qpid" 2>/dev/null
        qpid=
}
# shellcheck disable=SC2317 # run by the trap
cleanup() {
        stop_qemu
        rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$tmp/job"
{
        printf 'BERTH_VM_REPO=%q\n' "$repo"
        printf 'BERTH_VM_MODULES=%q\n' "$kdir/lib/modules/$kver"
        # Leave the guest time to write its results before we give up.
        printf 'BERTH_VM_TEST_TIMEOUT=%q\n' $((timeout - 60))
} >"$tmp/job/job.env"
printf '%s\n' "$@" >"$tmp/job/job.args"
# A virtio disk of its own, so that io.max and io.weight have a real
# block device (vda) to name.
truncate -s 64M "$tmp/disk.raw"

# qemu dies with this script even when it is killed with SIGKILL and no
# trap runs (util-linux setpriv; every Debian has it).
reaper=()
command -v setpriv >/dev/null && reaper=(setpriv --pdeathsig KILL)

# boot ACCEL: run qemu until the guest powers off. 0 done, 2 no stage 2
# within the accel's wait, 1 stopped or timed out after stage 2.
boot() {
        local accel=$1 wait log=$tmp/serial.log
        local -a acc
        if [[ $accel == kvm ]]; then
                acc=(-accel kvm -cpu host)
                wait=$kvm_wait
        else
                acc=(-accel tcg -cpu max)
                wait=$tcg_wait
        fi
        rm -f "$tmp/job/boot-seconds" "$log"
        "${reaper[@]}" "$qemu" -nodefaults -no-user-config -display none -monitor none -no-reboot \
                "${acc[@]}" -m "${BERTH_VM_MEM:-1024}" -smp "${BERTH_VM_SMP:-2}" \
                -kernel "$kernel" -initrd "$initrd" \
                -append "console=ttyS0 cgroup_no_v1=all panic=-1 loglevel=4" \
                -serial "file:$log" \
                -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
                -virtfs "local,path=$tmp/job,mount_tag=berthjob,security_model=none" \
                -drive "file=$tmp/disk.raw,format=raw,if=virtio,cache=unsafe" \
                >"$tmp/qemu.out" 2>&1 &
        qpid=$!
        local start=$SECONDS
        while kill -0 "$qpid" 2>/dev/null; do
                if [[ ! -f $tmp/job/boot-seconds ]] && ((SECONDS - start >= wait)); then
                        stop_qemu
                        echo "$accel: no stage 2 after ${wait} s" >"$tmp/why"
                        return 2
                fi
                if ((SECONDS - start >= timeout)); then
                        stop_qemu
                        echo "$accel: the guest ran out of time (${timeout} s)" >"$tmp/why"
                        return 1
                fi
                sleep 0.2
        done
        wait "$qpid"
        local rc=$?
        qpid=
        if [[ ! -f $tmp/job/boot-seconds ]]; then
                local why
                why=$(cat "$tmp/job/stage1-error" 2>/dev/null ||
                        grep -h -m1 -E 'Kernel panic|berth-vm: .*FAILED' "$log" 2>/dev/null ||
                        grep -v '^$' "$tmp/qemu.out" | tail -1)
                echo "$accel: the guest stopped before stage 2 (qemu status $rc)${why:+: $why}" >"$tmp/why"
                return 2
        fi
        if [[ ! -f $tmp/job/done ]]; then
                echo "$accel: the guest stopped during the tests (qemu status $rc)" >"$tmp/why"
                return 1
        fi
        return 0
}

if [[ -n ${BERTH_VM_ACCEL:-} && $BERTH_VM_ACCEL != auto ]]; then
        read -ra accels <<<"${BERTH_VM_ACCEL//,/ }"
elif [[ -c /dev/kvm ]] && { exec 9<>/dev/kvm; } 2>/dev/null; then
        # Opening /dev/kvm is the cheapest test that KVM is usable at all.
        exec 9>&-
        accels=(kvm tcg)
else
        accels=(tcg)
fi

rc=2
why=()
for accel in "${accels[@]}"; do
        if [[ $accel != kvm && $accel != tcg ]]; then
                why+=("unknown accelerator $accel (kvm or tcg)")
                continue
        fi
        boot "$accel"
        rc=$?
        echo "$accel" >"$out/accel"
        [[ $rc -eq 2 && $accel == kvm ]] && cp "$tmp/serial.log" "$out/serial-kvm.log" 2>/dev/null
        [[ -f $tmp/why ]] && why+=("$(cat "$tmp/why")") && rm -f "$tmp/why"
        [[ $rc -ne 2 ]] && break
done

mkdir -p "$out" # again: a concurrent `make check` may have emptied build-logs/
cp "$tmp/serial.log" "$out/serial.log" 2>/dev/null
cp "$tmp/qemu.out" "$out/qemu.log" 2>/dev/null
for f in boot-seconds junit.xml pytest.log pytest.rc test-seconds smoke.log smoke.rc dmesg.txt \
        zombies stage1-error; do
        [[ -f $tmp/job/$f ]] && cp "$tmp/job/$f" "$out/$f"
done
if [[ $rc -ne 0 ]]; then
        (IFS=';'; echo "${why[*]}") | sed 's/;/; /g' >"$out/reason"
elif [[ ${#why[@]} -gt 0 ]]; then
        # it ran, after an accelerator that did not: say which and why
        (IFS=';'; echo "${why[*]}") | sed 's/;/; /g' >"$out/fallback"
fi
exit "$rc"
