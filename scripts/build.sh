#!/bin/bash
# Configure (once) and build; the binary ends up at build/berth.
#   scripts/build.sh [BUILDDIR] [meson setup options...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
dir=${1:-build}
shift || true
"$repo/scripts/deps.sh"
[[ -f "$dir/build.ninja" ]] || meson setup "$dir" "$@"
ninja -C "$dir"
# meson puts the executable next to its meson.build (src/cli/); the
# documented place is build/berth.
if [[ ! -e "$dir/berth" && -x "$dir/src/cli/berth" ]]; then
        ln -s src/cli/berth "$dir/berth"
fi
