#!/bin/bash
# tests/vm/mkinitramfs.sh KERNELDIR OUT
# The guest's initramfs: Debian's busybox-static, tests/vm/init as /init,
# and the modules stage 1 needs (virtio PCI and block, 9p over virtio,
# overlayfs) with their dependencies, copied from the unpacked kernel
# package KERNELDIR (compressed ones decompressed here, on the host) and
# listed in load order in /modules.order. Rebuilt only when an input
# changed.
set -euo pipefail

kdir=${1:?usage: mkinitramfs.sh KERNELDIR OUT}
out=${2:?usage: mkinitramfs.sh KERNELDIR OUT}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
# What stage 1 loads; dependencies are found from each module's modinfo.
wanted=(virtio_pci virtio_blk 9pnet_virtio 9p overlay)

[[ -x $busybox ]] || { echo "mkinitramfs: no $busybox (apt-get install busybox-static)" >&2; exit 1; }
mdir=$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -1)
[[ -d $mdir/kernel ]] || { echo "mkinitramfs: no modules in $kdir/lib/modules" >&2; exit 1; }

# Rebuild only when the kernel, busybox or this script and the init changed.
stamp=$(cat "$kdir/.unpacked" "$0" "$here/init" | cat - "$busybox" | sha256sum | cut -c1-16)
if [[ -f $out && "$(cat "$out.stamp" 2>/dev/null)" == "$stamp" ]]; then
        exit 0
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/berth-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lower,rw,newroot,share,lib/modules}
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$here/init" "$stage/init"
# The kernel opens /dev/console for init before anything is mounted.
mknod -m 600 "$stage/dev/console" c 5 1

# A module's file, by name (modinfo's names use _ where files may use -).
ko_path() {
        local name=$1 f
        for n in "$name" "${name//_/-}"; do
                f=$(find "$mdir/kernel" \( -name "$n.ko" -o -name "$n.ko.xz" -o -name "$n.ko.zst" \) \
                        -print -quit)
                [[ -n $f ]] && { echo "$f"; return; }
        done
}

# The plain .ko in the stage, decompressed if needed.
ko_stage() {
        local src=$1 dst=$stage/lib/modules/$2.ko
        case $src in
        *.ko.xz) xz -dc "$src" >"$dst" ;;
        *.ko.zst) zstd -qdc "$src" >"$dst" ;;
        *) cp "$src" "$dst" ;;
        esac
}

declare -A seen=()
order=()
# add NAME: its dependencies first, then itself (a depth-first walk).
add() {
        local name=$1 src dep deps
        [[ -n ${seen[$name]:-} ]] && return
        seen[$name]=1
        src=$(ko_path "$name")
        if [[ -z $src ]]; then
                # Built into this kernel: nothing to load.
                grep -q "/$name.ko\$\|/${name//_/-}.ko\$" "$mdir/modules.builtin" 2>/dev/null && return
                echo "mkinitramfs: module $name is neither in $mdir nor built in" >&2
                exit 1
        fi
        ko_stage "$src" "$name"
        deps=$(tr '\0' '\n' <"$stage/lib/modules/$name.ko" | sed -n 's/^depends=//p' | tr ',' ' ')
        for dep in $deps; do
                add "$dep"
        done
        order+=("$name")
}
for m in "${wanted[@]}"; do
        add "$m"
done
printf '%s.ko\n' "${order[@]}" >"$stage/modules.order"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
        "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$stamp" >"$out.stamp"
