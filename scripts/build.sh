#!/usr/bin/env bash
# Configures and builds Prominence into ./build (or $PROMINENCE_BUILD_DIR). Extra arguments go to cmake.
# PROMINENCE_BUILD_TARGET builds only these targets (space-separated, e.g. "prominence-cli prominence").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PROMINENCE_BUILD_DIR:-$root/build}
jobs=${PROMINENCE_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
read -r -a targets <<< "${PROMINENCE_BUILD_TARGET:-}"
cmake --build "$build" -j "$jobs" ${targets[0]:+--target "${targets[@]}"}
