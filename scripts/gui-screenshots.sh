#!/usr/bin/env bash
# Regenerates the pictures in docs/images/ with the application's own screenshot mode (offscreen, no
# display needed): the start page, the navigator with a details page, every step's form, and the Jobs
# dock while a job runs. Uses the Shortcut Lab's workspace (LAB_WS, default ./prominence-demo/
# shortcut-lab.prominence: run scripts/demo.sh --no-gui first) and TinyStories-260K with the shared
# ARC-Easy file for a study on a real checkpoint. Usage: scripts/gui-screenshots.sh [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PROMINENCE_BUILD_DIR:-$root/build}
out=${1:-$root/docs/images}
lab_ws=${LAB_WS:-$PWD/prominence-demo/shortcut-lab.prominence}
shared=$(cd "${PROMINENCE_SHARED:-$root/../shared}" && pwd)
gui="$build/app/prominence"
cli="$build/app/prominence-cli"
model="$shared/fixtures/models/stories260K-hf"
arc="$shared/data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl"
piqa="$shared/data/benchmarks/piqa/piqa.llmfoundry.jsonl"
[ -f "$lab_ws" ] || { echo "gui-screenshots.sh: no lab workspace at $lab_ws (run scripts/demo.sh --no-gui, or set LAB_WS)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shot() { local name=$1; shift; "$gui" --screenshot "$out/$name.png" "$@"; echo "wrote $out/$name.png" >&2; }

# A small study on a real checkpoint: stories260K on ARC-Easy and PIQA, selections, IG with the contrast.
ws="$work/stories.prominence"
"$cli" eval --model "$model" --benchmark "$arc" --scoring loglik --add-bos --limit 120 --workspace "$ws" \
  --selection hc --select-top-k 24 >/dev/null 2>&1
"$cli" eval --model "$model" --benchmark "$piqa" --scoring loglik --add-bos --limit 120 --workspace "$ws" \
  --selection hc --select-top-k 24 >/dev/null 2>&1
"$cli" attribute --workspace "$ws" --selection 1 --reference-selection 2 --steps 8 >/dev/null 2>&1
"$cli" prune --workspace "$ws" --scores 3 --policy per_layer_top_percent --percent 2 --output-mask arc-2pc >/dev/null 2>&1
"$cli" prune --workspace "$ws" --scores 3 --policy global_top_k --k 20 --output-mask contrast-top20 >/dev/null 2>&1

shot gui-start
shot gui-lab-details --workspace "$lab_ws" --open run:2
shot gui-stories-attribution --workspace "$ws" --open run:3
shot gui-form-add-model --workspace "$ws" --form add-model --set "model=$model" --delay 3000
shot gui-form-add-benchmark --workspace "$ws" --form add-benchmark --set "benchmark=$arc" --delay 3000
shot gui-form-eval --workspace "$ws" --form eval --set "model=$model" --set "benchmark=$arc" --set select=top-k \
  --set select-top-k=24 --set add-bos=true
shot gui-form-select --workspace "$lab_ws" --form select --set run=2 --set threshold=0.9 --delay 1500
shot gui-form-attribute --workspace "$ws" --form attribute --set selection=1 --set reference-selections=2
shot gui-form-prune --workspace "$ws" --form prune --set scores=3 --set percent=2 --set mask=arc-2pc
shot gui-form-finetune --workspace "$ws" --form finetune --set "model=$model" --set "benchmark=$arc" --set mask=1 \
  --set "output=$work/ft"
shot gui-form-compare --workspace "$ws" --form compare --set "model=$model" --set "source=$arc" --set "transfer=$piqa" \
  --set mask=1 --set selection=1
shot gui-form-export --workspace "$ws" --form export --set "model=$model" --set mask=1 --set "output=$work/export"
shot gui-form-demo --workspace "$lab_ws" --form demo --set "workspace=$work/lab.prominence"
# A job running: the attribution of the ARC-Easy selection with many steps, 4 s in.
shot gui-jobs-running --workspace "$ws" --form attribute --set selection=1 --set reference-selections=2 \
  --set steps=256 --set name=screenshot --run --delay 4000
# The heatmap's states on the ARC-Easy vs PIQA contrast (scores 7): threshold preview on the sorted map,
# a stored mask opened and diffed against another, the inspector of one neuron.
shot gui-heatmap-threshold --workspace "$ws" --open scores:7 --heatmap "sorted,policy=per_layer_top_percent:2,tab=threshold"
shot gui-heatmap-mask --workspace "$ws" --open scores:7 --heatmap "mask=2,diff=1,tab=mask"
shot gui-heatmap-neuron --workspace "$ws" --open scores:7 --heatmap "inspect=3:33,tab=neuron"
