#!/usr/bin/env bash
# test.sh — build and run every test: integration and e2e (pytest, real daemons) against
# the optimised build, the unit tests (doctest, via meson) under ASan+UBSan, a subset of the
# integration files against the sanitized daemon, a one-case bench smoke run and the fuzz
# targets for a bounded time. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
passed=0
failed=0
failures=()
details=()

count_meson() {   # $1 = build dir, $2 = label; reads meson's testlog
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return
  local ok bad
  ok=$(grep -c '"result": "OK"' "$log" || true)
  bad=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  passed=$((passed + ok)); failed=$((failed + bad))
  if [ "$bad" -gt 0 ]; then   # name them: CI shows only the end of this output
    local names
    names=$(grep -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" \
              | grep -oE '"name": "[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')
    failures+=("$2: $bad failed: $names(log: $1/meson-logs/testlog.txt)")
    details+=("$(grep -E '(ERROR|FATAL ERROR|values):' "$1/meson-logs/testlog.txt" | head -n 12)")
  fi
}

step() { printf "\n=== %s (at %d s)\n" "$*" "$SECONDS"; }

# The sanitizer build compiles in the background from the start, at the lowest priority, so
# it takes only the CPU the steps below leave idle (the integration tests mostly wait on
# children and sockets); then the fuzz targets. Their logs are printed if they fail.
# The unit tests run once, in that build, under ASan+UBSan: compiling them a second time
# at -O2 cost as much as the daemon and client together (half of a plain build) for tests
# the sanitized run already covers. `meson test -C build --suite unit` still runs them
# plain for a developer.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# -O0 with line tables only (-g1: stack traces name files and lines) and a unity build (a
# room's sources compiled as one file): about half the CPU of -g file by file.
( nice -n 19 scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Doptimization=0 -Ddebug=false -Dcpp_args=-g1 -Dunity=on -Dwerror=true \
    > build-asan.log 2>&1; echo $? > build-asan.status
  # The fuzz targets too (the fuzz step below then only runs them; it rebuilds on failure).
  nice -n 19 scripts/fuzz.sh --build > /dev/null 2>&1 || true ) &
asan_build=$!

# The plain (optimised, statically linked) build: what the integration tests, the bench
# smoke and the docs run, and what `meson install` installs (test_deb packages this build).
step "build (warnings are errors)"
binaries=(supervisord/supervisord supervisorctl/supervisorctl supervisord/echo_supervisord_conf
          pidproxy/pidproxy packaging/supervisord.conf tests/testchild tests/config_dump)
# A fresh build dir (CI's clean clone) is -O2 without debug info and unity, for the same
# CPU reason; a developer's existing build/ keeps its own options.
if ! scripts/build.sh build -Dwerror=true -Ddebug=false -Doptimization=2 -Dunity=on \
       -- "${binaries[@]}"; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
meson configure build -Dwerror=true >/dev/null

# Every C++ file as the root .clang-format says (a difference is a failure, with the fix).
step "format (clang-format)"
unformatted=$(git ls-files '*.cc' '*.h' | xargs clang-format --dry-run 2>&1 \
                | grep -oE '^[^:]+\.(cc|h):[0-9]+' | cut -d: -f1 | sort -u)
if [ -n "$unformatted" ]; then
  n=$(echo "$unformatted" | wc -l)
  echo "$unformatted" | head -n 20
  failed=$((failed + 1))
  failures+=("format: $n file(s) differ from .clang-format; fix: git ls-files '*.cc' '*.h' | xargs clang-format -i")
else
  echo "all $(git ls-files '*.cc' '*.h' | wc -l) C++ files formatted"
  passed=$((passed + 1))
fi

step "integration and e2e tests (two files at a time)"
export SUPERVISOR_CPP_BUILD="$root/build"
# The files run two at a time, each in its own pytest: they mostly wait on children,
# sockets and deadlines, so two streams halve the wall time on 2 cores. Every file keeps
# to its own temporary directory, sockets, ports and process groups, so they cannot meet.
# Longest first (test_ctl_vs_python: ~370 ctl commands against live daemons), then the
# rest by size, so that the two streams end together. A test that hangs fails after 150 s
# with its stack (pytest-timeout); every wait inside the tests is bounded well below that.
shard_out=$(mktemp -d)
{ echo tests/integration/test_ctl_vs_python.py
  wc -l tests/integration/test_*.py tests/e2e/test_*.py | grep -v ' total$' | sort -rn \
    | awk '{print $2}' | grep -v test_ctl_vs_python.py; } \
  | xargs -P 2 -I{} sh -c 'f={}; n=$(echo "$f" | tr / _); start=$(date +%s)
      /usr/bin/python3 -m pytest -p no:cacheprovider -q --timeout=150 \
        ${JUNIT_DIR:+--junitxml=$JUNIT_DIR/$n.xml} "$f" > "$0/$n.log" 2>&1
      echo "$(( $(date +%s) - start )) s  $f"' "$shard_out"
for log in "$shard_out"/*.log; do
  summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|errors?|skipped)' "$log" | tail -n 1)
  p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$summary" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
  name=$(basename "$log" .log)
  [ -z "$summary" ] && { f=1; failures+=("pytest $name: no summary line"); }
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "${f:-0}" -gt 0 ]; then
    failures+=("integration $name: $f failed"); tail -n 60 "$log"
  fi
done
rm -rf "$shard_out"

step "unit tests under ASan+UBSan"
wait "$asan_build"
if [ "$(cat build-asan.status 2>/dev/null)" = 0 ]; then
  meson test -C build-asan --suite unit --print-errorlogs --num-processes 2 | tail -n 6
  count_meson build-asan "asan unit"
else
  tail -n 40 build-asan.log
  failed=$((failed + 1)); failures+=("asan build failed")
fi

# The daemon itself under ASan+UBSan, once, on the integration files that drive the facade
# hardest (every RPC method, update/scale/apply, event listeners, exits, stop deadlines,
# the web page's live streams):
# ~75 s of mostly waiting, run in the background beside the bench smoke and the fuzz
# targets below. Reports go to files (the daemon's stderr is the test's): any report fails
# the step. The child helper stays the plain build's (tests send it SIGSEGV on purpose).
asan_integration=""
if [ "$(cat build-asan.status 2>/dev/null)" = 0 ]; then
  asan_reports=$(mktemp -d)
  asan_out=$(mktemp)
  ( ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$asan_reports/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$asan_reports/ubsan" \
    SUPERVISOR_CPP_BUILD="$root/build-asan" SUPERVISOR_CPP_TESTCHILD="$root/build/tests/testchild" \
      /usr/bin/python3 -m pytest -p no:cacheprovider -q --timeout=150 \
        tests/integration/test_rpc_sweep.py tests/integration/test_update.py \
        tests/integration/test_zero_downtime.py tests/integration/test_exit_records.py \
        tests/integration/test_stop_timing.py tests/integration/test_events.py \
        tests/integration/test_web.py \
        tests/integration/test_reexec.py::test_starting_and_backoff_keep_their_deadlines \
        tests/integration/test_reexec.py::test_a_broken_binary_is_refused_then_a_good_one_taken \
      > "$asan_out" 2>&1 ) &
  asan_integration=$!
fi
rm -f build-asan.log build-asan.status

# The benchmark is never part of the test, but one tiny case keeps it from rotting: it
# fails only if a scenario fails, never on a missed target.
step "bench smoke (bench/run --quick --only small --reps 1)"
smoke=$(mktemp)
if SUPERVISOR_CPP_BUILD="$root/build" bench/run --quick --only small --reps 1 --json "$smoke" \
     > "$smoke.out" 2>&1; then
  passed=$((passed + 1)); tail -n 3 "$smoke.out"
else
  failed=$((failed + 1)); failures+=("bench smoke"); tail -n 30 "$smoke.out"
fi
rm -f "$smoke" "$smoke.out"

if [ -x scripts/fuzz.sh ]; then
  step "fuzz targets (bounded)"
  if scripts/fuzz.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("fuzz"); fi
fi

if [ -n "$asan_integration" ]; then
  step "integration subset against the ASan+UBSan daemon"
  wait "$asan_integration"
  tail -n 15 "$asan_out"
  summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$asan_out" | tail -n 1)
  p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$summary" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
  [ -z "$summary" ] && f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "${f:-0}" -gt 0 ] && failures+=("asan integration: $f failed")
  if compgen -G "$asan_reports/*" > /dev/null; then
    head -n 40 "$asan_reports"/*
    failed=$((failed + 1)); failures+=("asan integration: sanitizer reports (above)")
  fi
  rm -rf "$asan_reports" "$asan_out"
fi

echo
for d in "${details[@]}"; do echo "$d"; done
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "took $SECONDS s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
