#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the CLI and runs the Shortcut Lab
# (`prominence-cli demo`, docs/shortcut-lab.md): synthetic benchmarks with a planted shortcut, a small
# Llama model pretrained here from scratch by Prominence's own training loop, then the whole method --
# letter eval, high-confidence selection, Integrated Gradients per MLP neuron, contrast, prune, few-shot
# fine-tuning with the mask held -- against every baseline over five seeds, with the ground truth only
# the lab knows. Needs nothing but this checkout. Everything lands in ./prominence-demo/ (the lab build
# cache, the workspace, every number as JSON); the table is printed. Extra arguments go to
# `prominence-cli demo` (e.g. --seeds 3, --prune-percent 10).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${PROMINENCE_BUILD_DIR:-$root/build}
PROMINENCE_BUILD_TARGET=prominence-cli bash "$root/scripts/build.sh"

out=${PROMINENCE_DEMO_DIR:-$PWD/prominence-demo}
mkdir -p "$out"
"$build/app/prominence-cli" demo --cache "$out/lab-cache" --workspace "$out/shortcut-lab.prominence" \
  --json "$out/shortcut-lab.json" "$@"
echo "demo: workspace $out/shortcut-lab.prominence, numbers $out/shortcut-lab.json" >&2
