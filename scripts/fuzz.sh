#!/usr/bin/env bash
# fuzz.sh [SECONDS] — build each libFuzzer target with clang (ASan+UBSan) and run it for a
# bounded time (default 5 s each). A crash, leak or sanitizer report fails the run; the
# reproducer is left in build-fuzz/. Corpora live in build-fuzz/corpus-*/ between runs;
# tests/fuzz/seeds/<target>/ holds hand-made seeds (real requests, calls, configs).
# fuzz.sh --build only builds the targets (test.sh does it in the background).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
if [ "${1:-}" = "--build" ]; then build_only=true; shift; fi
secs=${1:-5}
out=build-fuzz
mkdir -p "$out"
cxx=$(command -v clang++-14 || command -v clang++)
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.)

declare -A sources=(
  [ini]="common/ini.cc common/pyspace.cc common/utf8.cc"
  [expand]="common/expand.cc common/expand_convert.cc common/pystr.cc common/utf8.cc"
  [xmlrpc]="common/xmlrpc.cc common/base64.cc common/utf8.cc -lpugixml"
  [http]="common/http.cc common/base64.cc common/sha1.cc -lhttp_parser"
  [handover]="supervisord/run/handover_record.cc"
  [ctl_decode]="supervisorctl/decode.cc common/xmlrpc.cc common/base64.cc common/utf8.cc -lpugixml"
)
status=0
for name in ini expand xmlrpc http handover ctl_decode; do
  bin="$out/${name}_fuzz"
  # shellcheck disable=SC2086
  if [ ! -x "$bin" ] || [ -n "$(find tests/fuzz/${name}_fuzz.cc common supervisord/run/handover_record.* supervisorctl/decode.* -newer "$bin" -print -quit)" ]; then
    "$cxx" "${flags[@]}" "tests/fuzz/${name}_fuzz.cc" ${sources[$name]} -o "$bin"
  fi
  $build_only && continue
  mkdir -p "$out/corpus-$name"
  if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
        -artifact_prefix="$out/${name}-" "$out/corpus-$name" "tests/fuzz/seeds/$name" \
        >"$out/${name}.log" 2>&1; then
    echo "fuzz $name: ok ($(ls "$out/corpus-$name" | wc -l) inputs in corpus)"
  else
    echo "fuzz $name: FAILED (see $out/${name}.log)"
    tail -n 30 "$out/${name}.log"
    status=1
  fi
done
exit $status
