#!/bin/bash
# scripts/mkrootfs.sh DIR [PROBE]
# A busybox rootfs for tests, the demo and the benchmark, built from
# Debian's busybox-static: bin/ with busybox and one symlink per applet,
# a minimal /etc, the usual mount points, and the static berth-probe in
# bin/. The tree is cached: it is rebuilt only when missing; the probe is
# refreshed whenever the built one differs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: mkrootfs.sh DIR [PROBE]}
probe=${2:-$repo/build/tests/berth-probe}
busybox=/bin/busybox

if [[ ! -x "$probe" && -f "$repo/build/build.ninja" ]]; then
        ninja -C "$repo/build" tests/berth-probe >/dev/null
fi
[[ -x "$probe" ]] || { echo "mkrootfs: no probe at $probe (build it: ninja -C build tests/berth-probe)" >&2; exit 1; }
[[ -x "$busybox" ]] || { echo "mkrootfs: no $busybox (apt-get install busybox-static)" >&2; exit 1; }
# The probe and busybox run alone in the rootfs: both must be static.
banner=$("$busybox" 2>&1 || true)
if [[ "$banner" != BusyBox* ]]; then
        echo "mkrootfs: $busybox is not busybox" >&2; exit 1
fi

if [[ ! -f "$dir/.berth-rootfs" ]]; then
        tmp="$dir.tmp.$$"
        rm -rf "$tmp"
        trap 'rm -rf "$tmp"' EXIT
        mkdir -p "$tmp"
        (cd "$tmp" && mkdir -p bin dev etc home/user mnt proc root run sys tmp var/tmp)
        ln -s bin "$tmp/sbin"
        mkdir -p "$tmp/usr"
        ln -s ../bin "$tmp/usr/bin"
        ln -s ../bin "$tmp/usr/sbin"
        cp "$busybox" "$tmp/bin/busybox"
        for applet in $("$busybox" --list); do
                [[ -e "$tmp/bin/$applet" ]] || ln -s busybox "$tmp/bin/$applet"
        done
        cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
        cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
user:x:1000:
nogroup:x:65534:
GROUP
        echo "berth-rootfs" >"$tmp/etc/hostname"
        echo "export PS1='# '" >"$tmp/root/.profile"
        chown 1000:1000 "$tmp/home/user"
        chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
        chmod 0700 "$tmp/root"
        chmod 0755 "$tmp"
        touch "$tmp/.berth-rootfs"
        rm -rf "$dir"
        mkdir -p "$(dirname "$dir")"
        mv "$tmp" "$dir"
        trap - EXIT
fi

if ! cmp -s "$probe" "$dir/bin/berth-probe"; then
        install -m 0755 "$probe" "$dir/bin/berth-probe.new"
        mv "$dir/bin/berth-probe.new" "$dir/bin/berth-probe"
fi
echo "$dir"
