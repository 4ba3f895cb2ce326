#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the CLI and runs the Shortcut Lab end to
# end (benchmarks, model, evaluation, Integrated Gradients, pruning, fine-tuning, comparison over
# seeds), writing shortcut-lab.prominence in the current directory. Extra arguments go to `demo`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${PROMINENCE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${PROMINENCE_JOBS:-$(nproc)}" --target prominence-cli
exec "$build/app/prominence-cli" demo "$@"
