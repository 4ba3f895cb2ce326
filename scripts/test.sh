#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything, runs every CTest test.
# Fixtures come from ../shared (or $PROMINENCE_SHARED); tests that need them skip with the reason if absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
build=${PROMINENCE_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure -j "${PROMINENCE_JOBS:-$(nproc)}" "$@"
