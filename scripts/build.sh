#!/usr/bin/env bash
# build.sh DIR [meson options...] — configure DIR once, then build it.
set -euo pipefail
dir=$1; shift
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null || ninja -C "$dir"
