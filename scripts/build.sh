#!/usr/bin/env bash
# build.sh DIR [meson options...] [-- targets...] — configure DIR once, then build it:
# every target, or only the ninja targets after "--" (e.g. supervisord/supervisord).
set -euo pipefail
dir=$1; shift
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
[ $# -gt 0 ] && shift   # the "--"
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" ${opts[@]+"${opts[@]}"} >/dev/null
fi
ninja -C "$dir" "$@" >/dev/null || ninja -C "$dir" "$@"
