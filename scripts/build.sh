#!/usr/bin/env bash
# Configures and builds Prominence into ./build (or $PROMINENCE_BUILD_DIR). Extra arguments go to cmake.
# PROMINENCE_BUILD_TARGET builds one target (e.g. prominence-cli) instead of everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PROMINENCE_BUILD_DIR:-$root/build}
jobs=${PROMINENCE_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build" -j "$jobs" ${PROMINENCE_BUILD_TARGET:+--target "$PROMINENCE_BUILD_TARGET"}
