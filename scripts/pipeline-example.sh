#!/usr/bin/env bash
# The method on real data: installs what is missing, builds the CLI and runs the whole method end to
# end — evaluate, select high-confidence items, Integrated Gradients per MLP neuron, dataset-specific
# contrast, prune, fine-tune with the mask held, compare against every baseline over three seeds,
# export — on the real TinyStories-260K Llama with real COPA, PIQA and ARC-Easy files from shared/.
# Everything lands in ./prominence-demo/ (workspace, checkpoints, exported model); the comparison table
# is printed. (The README's main command, scripts/demo.sh, runs the self-contained Shortcut Lab.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${PROMINENCE_BUILD_DIR:-$root/build}
PROMINENCE_BUILD_TARGET=prominence-cli bash "$root/scripts/build.sh"

shared=${PROMINENCE_SHARED:-$root/../shared}
if [ ! -d "$shared/fixtures/models/stories260K-hf" ] || [ ! -d "$shared/data/benchmarks" ]; then
  echo "pipeline-example.sh: needs the shared/ folder beside the checkout (or PROMINENCE_SHARED) for the model and benchmarks" >&2
  exit 1
fi
shared=$(cd "$shared" && pwd)
out=${PROMINENCE_DEMO_DIR:-$PWD/prominence-demo}
mkdir -p "$out"
cat > "$out/pipeline.json" <<JSON
{
  "name": "stories-copa",
  "workspace": "demo.prominence",
  "model": "$shared/fixtures/models/stories260K-hf",
  "seed": 0,
  "eval": {"scoring": "loglik", "shots": 0, "seed": 1234, "add_bos": true, "batch_size": 32},
  "source": {"name": "copa", "path": "$shared/data/benchmarks/copa/copa.llmfoundry.jsonl", "limit": 60},
  "references": [{"name": "piqa", "path": "$shared/data/benchmarks/piqa/piqa.llmfoundry.jsonl", "limit": 60}],
  "transfer": [{"name": "piqa", "path": "$shared/data/benchmarks/piqa/piqa.llmfoundry.jsonl", "limit": 60},
               {"name": "arc_easy", "path": "$shared/data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl", "limit": 60}],
  "select": {"top_k": 12},
  "attribution": {"steps": 16, "rule": "gausslegendre", "objective": "logprob", "positions": "last", "baseline": "zero"},
  "aggregate": {"frequency_threshold": 0.2},
  "contrast": {"statistic": "mean_ig", "method": "difference", "exclude_layers": [0]},
  "prune": {"policy": "layer_top_percent", "layer": 3, "percent": 5},
  "finetune": {"shots": 12, "pool": 24, "lr": 0.001, "epochs": 3, "batch_size": 4, "schedule": "linear",
               "warmup_steps": 1, "weight_decay": 0.01, "max_grad_norm": 1.0},
  "compare": {"seeds": [1, 2, 3], "bootstrap": {"resamples": 2000, "level": 0.95, "seed": 0}, "keep_checkpoints": true},
  "export": {"output": "stories-copa-pruned", "seed": 1, "overwrite": true}
}
JSON
start=$(date +%s)
"$build/app/prominence-cli" run --config "$out/pipeline.json" "$@"
echo "pipeline-example: finished in $(( $(date +%s) - start )) s; workspace $out/demo.prominence, export $out/stories-copa-pruned" >&2
