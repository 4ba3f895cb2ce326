#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the CLI and runs the Shortcut Lab
# (`prominence-cli demo`, docs/shortcut-lab.md): synthetic benchmarks with a planted shortcut, a small
# Llama model pretrained here from scratch by Prominence's own training loop, then the whole method --
# letter eval, high-confidence selection, Integrated Gradients per MLP neuron, contrast, prune, few-shot
# fine-tuning with the mask held -- against every baseline over five seeds, with the ground truth only
# the lab knows. Needs nothing but this checkout. Everything lands in ./prominence-demo/ (the lab build
# cache, the workspace, every number as JSON); the table is printed. Then the desktop app opens on the
# lab's workspace when a display is there (--no-gui skips it; without a display the command that opens
# it is printed). Other arguments go to `prominence-cli demo` (e.g. --seeds 3, --prune-percent 10).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${PROMINENCE_BUILD_DIR:-$root/build}
PROMINENCE_BUILD_TARGET="prominence-cli prominence" bash "$root/scripts/build.sh"

gui=1
args=()
for a in "$@"; do
  if [ "$a" = "--no-gui" ]; then gui=0; else args+=("$a"); fi
done

out=${PROMINENCE_DEMO_DIR:-$PWD/prominence-demo}
mkdir -p "$out"
"$build/app/prominence-cli" demo --cache "$out/lab-cache" --workspace "$out/shortcut-lab.prominence" \
  --json "$out/shortcut-lab.json" ${args[0]+"${args[@]}"}
echo "demo: workspace $out/shortcut-lab.prominence, numbers $out/shortcut-lab.json" >&2

open_cmd="$build/app/prominence $out/shortcut-lab.prominence"
if [ "$gui" = 1 ] && [ -z "${CI:-}" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  echo "demo: opening the desktop lab on the workspace (close the window to finish; --no-gui skips this)" >&2
  "$build/app/prominence" "$out/shortcut-lab.prominence"
else
  echo "demo: explore it in the desktop lab: $open_cmd   (no display here? xvfb-run -a $open_cmd --open run:1 --screenshot lab.png)" >&2
fi
