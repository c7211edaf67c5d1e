#!/usr/bin/env bash
# setup.sh — install the Debian packages the project builds, runs and tests with.
# Idempotent and quiet: prints nothing when everything is already there.
set -euo pipefail

packages=(
  # build (why each library: docs/ARCHITECTURE.md#dependencies)
  g++ meson ninja-build pkg-config
  libuv1-dev libspdlog-dev libfmt-dev libsqlite3-dev doctest-dev
  libpugixml-dev libhttp-parser-dev libedit-dev
  # fuzzing (libFuzzer) and sanitizers; the format check
  clang libclang-rt-14-dev clang-format git
  # differential tests against the reference implementation, and the e2e scenario
  supervisor python3-pytest python3-pytest-timeout gunicorn python3-flask openssl procps
  # the web interface's browser test (headless chromium through selenium)
  chromium chromium-driver python3-selenium
  # GET /metrics: promtool checks it, a real Prometheus scrapes it (tests start their own;
  # policy-rc.d below keeps the package's service from starting)
  prometheus
  # node_exporter's supervisord collector reads our XML-RPC (test_metrics, bench/metrics)
  prometheus-node-exporter
  # the Debian package (debian/): tests/integration/test_deb.py builds and checks it
  debhelper lintian fakeroot
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps the reference supervisor and prometheus packages from starting their
# own daemons.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
