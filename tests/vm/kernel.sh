#!/bin/bash
# tests/vm/kernel.sh CACHEDIR
# Debian's own kernel for the cgroup-v2 guest, unpacked (never installed):
# `apt-get download` of the linux-image-6.1.0-NN-amd64 package that the
# linux-image-amd64 metapackage depends on (else the newest one apt
# knows), `dpkg -x` into CACHEDIR/<package>/. Prints that directory. The
# newest package already unpacked there is reused; when apt cannot deliver
# a newer one, an older unpacked one is used instead.
set -euo pipefail

cache=${1:?usage: kernel.sh CACHEDIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# The package to use: the metapackage's dependency, else the newest
# linux-image-6.1.0-NN-amd64 in apt's lists.
pick() {
        local p
        p=$(apt-cache depends linux-image-amd64 2>/dev/null |
                sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
        if [[ -z $p ]]; then
                p=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
                        awk '{print $1}' | sort -V | tail -1)
        fi
        echo "$p"
}

# The newest unpacked kernel of the cache, if any.
cached() {
        find "$cache" -mindepth 2 -maxdepth 2 -name .unpacked -printf '%h\n' 2>/dev/null |
                sort -V | tail -1
}

pkg=$(pick)
dest=${pkg:+$cache/$pkg}
if [[ -n $dest && -f $dest/.unpacked ]]; then
        echo "$dest"
        exit 0
fi

# fallback WHY: apt could not give us the newest one; an older unpacked
# kernel does as well (any 6.1 kernel of Debian's has what the guest needs).
fallback() {
        local old
        old=$(cached)
        if [[ -n $old ]]; then
                echo "kernel.sh: $1; using the cached $(basename "$old")" >&2
                echo "$old"
                exit 0
        fi
        echo "kernel.sh: $1" >&2
        exit 1
}

[[ -n $pkg ]] || fallback "apt knows no linux-image-6.1.0-*-amd64 package (apt-get update?)"

tmp=$(mktemp -d "$cache/dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# _apt cannot write to a root-only build dir: download as root.
if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >"$tmp/apt.log" 2>&1); then
        fallback "apt-get download $pkg failed: $(tail -1 "$tmp/apt.log")"
fi
mkdir -p "$tmp/root"
dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/root"
ls "$tmp"/root/boot/vmlinuz-* >/dev/null 2>&1 || fallback "$pkg holds no /boot/vmlinuz-*"
(cd "$tmp" && ls -- *.deb) >"$tmp/root/.unpacked"
# Older kernels are 400 MB each once unpacked: keep only this one.
find "$cache" -mindepth 1 -maxdepth 1 -name 'linux-image-*' -exec rm -rf {} +
mv "$tmp/root" "$dest"
echo "$dest"
