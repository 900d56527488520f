#!/bin/bash
# `make demo`: build berth, make a busybox rootfs, run one container with
# `berth oci run` and show, side by side with the host, what isolates it;
# then a system container's life, LXC style.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PY=/usr/bin/python3
berth=$repo/build/berth

if [[ -t 1 ]]; then
        heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
        heading() { printf '\n== %s\n' "$*"; }
fi

heading "dependencies and build"
scripts/build.sh build >/dev/null
"$berth" --version
rootfs=$(scripts/mkrootfs.sh "$repo/build/rootfs")
echo "rootfs: $rootfs"

work=$(mktemp -d /tmp/berth-demo.XXXXXX)
id=demo-$$
root=$work/state
lxcpath=$work/lxc
cleanup() {
        "$berth" oci --root "$root" delete --force "$id" >/dev/null 2>&1 || true
        "$berth" destroy -f "$id" -P "$lxcpath" >/dev/null 2>&1 || true
        rm -rf "$work"
        "$repo/scripts/drop-parents.sh"
}
trap cleanup EXIT

heading "bundle"
"$berth" oci spec --bundle "$work"
# What the container runs: the probe (as PID 1) reports from inside, then
# lingers a moment so that its cgroup can be read from the host.
"$PY" - "$work/config.json" "$rootfs" <<'EOF'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
cfg = json.load(open(path))
cfg["root"] = {"path": rootfs, "readonly": True}
cfg["hostname"] = "berth-demo"
cfg["process"]["terminal"] = False
import os
v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
limit_file = "/sys/fs/cgroup/memory.max" if v2 else "/sys/fs/cgroup/memory/memory.limit_in_bytes"
cfg["process"]["args"] = ["/bin/berth-probe", "ids", "hostname", "ns",
    "cat", limit_file, "sleep", "2"]
ns = cfg["linux"].setdefault("namespaces", [])
if not any(n["type"] == "cgroup" for n in ns):
    ns.append({"type": "cgroup"})
cfg["linux"].setdefault("resources", {})["memory"] = {"limit": 64 * 1024 * 1024}
json.dump(cfg, open(path, "w"), indent=2)
EOF
echo "$work/config.json: busybox rootfs (read-only), hostname berth-demo, memory limit 64 MiB"

heading "berth oci run $id"
out=$work/out.txt
"$berth" oci --root "$root" run --bundle "$work" "$id" >"$out" 2>"$work/err.txt" &
runner=$!
# While it runs, look at it from the host.
host_pid="" host_limit=""
for _ in $(seq 100); do
        st=$("$berth" oci --root "$root" state "$id" 2>/dev/null || true)
        if [[ $st == *'"running"'* ]]; then
                host_pid=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["pid"])' "$st")
                host_limit=$(cat "/sys/fs/cgroup/memory/berth/$id/memory.limit_in_bytes" \
                        2>/dev/null || cat "/sys/fs/cgroup/berth/$id/memory.max" 2>/dev/null || true)
                break
        fi
        sleep 0.05
done
rc=0
wait "$runner" || rc=$?
if [[ $rc -ne 0 ]]; then
        echo "berth oci run exited with $rc:"
        cat "$work/err.txt"
        exit 1
fi

val() { sed -n "s/^$1=//p" "$out" | head -1; }

heading "processes"
printf '%-28s %s\n' "PID inside the container:" "$(val pid)"
printf '%-28s %s\n' "PID seen from the host:" "${host_pid:-?}"
printf '%-28s %s\n' "uid inside:" "$(val uid)"

heading "hostname"
printf '%-28s %s\n' "container:" "$(val hostname)"
printf '%-28s %s\n' "host:" "$(cat /proc/sys/kernel/hostname)"

heading "namespaces (inode inside / host)"
for ns in pid net ipc uts mnt cgroup user time; do
        inside=$(val "ns.$ns")
        [[ -n $inside ]] || continue
        host=$(stat -L -c %i "/proc/self/ns/$ns")
        if [[ $inside == "$host" ]]; then same="shared with the host"; else same="isolated"; fi
        printf '%-8s %-12s %-12s %s\n' "$ns" "$inside" "$host" "$same"
done

mib() { # bytes -> "N (M MiB)", or "unlimited"
        if [[ $1 =~ ^[0-9]+$ && ${#1} -lt 16 ]]; then echo "$1 ($(($1 / 1048576)) MiB)"
        elif [[ $1 =~ ^[0-9]+$ || $1 == max ]]; then echo "$1 (unlimited)"
        else echo "${1:-?}"; fi
}
heading "memory limit (64 MiB asked)"
printf '%-28s %s\n' "inside (cgroupfs):" "$(mib "$(val line)")"
printf '%-28s %s\n' "host cgroup of $id:" "$(mib "$host_limit")"

heading "clean-up"
if [[ -d $root/$id ]]; then
        echo "state dir still there: $root/$id" >&2
        exit 1
fi
if [[ -d /sys/fs/cgroup/memory/berth/$id ]]; then
        echo "cgroup still there: /sys/fs/cgroup/memory/berth/$id" >&2
        exit 1
fi
echo "container gone: no state dir, no cgroup; removing the bundle"

heading "a system container (LXC style): create, start, ls, attach, stop, destroy"
"$berth" create "$id" -P "$lxcpath" -t busybox
"$berth" start "$id" -P "$lxcpath"
"$berth" ls --fancy -P "$lxcpath"
echo "\$ berth attach $id -- ps"
"$berth" attach "$id" -P "$lxcpath" -- ps
"$berth" stop "$id" -P "$lxcpath" -t 10
"$berth" ls --fancy -P "$lxcpath"
"$berth" destroy "$id" -P "$lxcpath"
if [[ -e $lxcpath/$id ]]; then
        echo "container directory still there: $lxcpath/$id" >&2
        exit 1
fi
echo "destroyed: nothing left"
