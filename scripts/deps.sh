#!/bin/bash
# Install what building and testing berth needs from Debian 12, and
# nothing when it is all there already (no apt-get update on the fast path).
#   scripts/deps.sh           build + test dependencies
#   scripts/deps.sh --bench   also the runtimes the benchmark compares
set -euo pipefail

pkgs=(build-essential meson ninja-build pkg-config libjansson-dev libseccomp-dev
      libcap-dev libmnl-dev libcmocka-dev busybox-static python3-pytest python3-dev iproute2 iputils-ping uidmap
      debootstrap libcrypt-dev zlib1g-dev libssl-dev libarchive-dev
      libnftables-dev nftables
      scdoc man-db # man pages: built with scdoc, read with `man -l` by the install test
      podman containerd umoci) # the engines stage (tests/engines) drives berth through these
if [[ "${1:-}" == "--bench" ]]; then
        pkgs+=(crun runc lxc bubblewrap time)
fi

missing=()
for p in "${pkgs[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
        echo "deps: missing packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
        exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
