#pragma once
// The fine-tune step: few-shot full-parameter fine-tuning on a benchmark's items (drawn from a
// training file that never shares an item with the benchmark, or held out of the benchmark), with a
// prune mask held at exactly zero, written as a Hugging Face checkpoint and, with a workspace,
// recorded as a 'finetune' run with its checkpoint.
//
// Checkpoints during training (train.checkpointEvery, or a cancel) go to train.checkpointDir, by
// default finetuneCheckpointDir(outputDir); each is a loadable checkpoint directory (the trainer's
// weights, the tokenizer files copied beside them) and is recorded in the workspace as soon as it is
// complete. A cancel after at least one finished step writes the weights of the last finished step
// there (unless that step's checkpoint exists already) before the run is marked cancelled, so a
// cancelled fine-tune always keeps its last checkpoint.
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/data/benchmark_loader.h"
#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/train/few_shot.h"
#include "core/train/trainer.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct FinetuneParams {
    std::string modelDir;       // required
    std::string tokenizer;      // empty: the model directory
    std::string benchmarkPath;  // required: the items come from it (or are kept apart from it)
    data::Format format = data::Format::Auto;  // of the benchmark and the training file
    std::string trainFile;                     // draw the fine-tuning items from this file instead
    std::size_t shots = 16;                    // fine-tuning items
    std::size_t validation = 0;                // validation items (0: none)
    train::McExampleOptions examples;  // loss on the letter token (or the gold continuation), BOS
    std::string workspacePath;         // record the run and checkpoint here; empty: not recorded
    std::string mask;     // stored mask (name or id) to hold at zero (needs workspacePath)
    std::string neurons;  // or these neurons, "L:N[,L:N...]"
    // lr 1e-4, weight decay 0.01, 1 epoch, batch 8, linear schedule, clip 1, seed 0 (item draw,
    // shuffling and torch seed). `hold` is set by the step from the mask. Its observers (onStep,
    // onValidation, onCheckpoint) are called on the step's thread: a live view of the loss sets them.
    train::TrainOptions train;
    std::string outputDir;  // required
    bool overwrite = false;

    void validate() const;  // ParamsError; training options as TrainOptions::validate
};

struct FinetuneResult {
    // What `prominence-cli finetune` prints: the training record without its history, output,
    // train_item_ids, pruned, and run_id when recorded.
    nlohmann::json summary;
    train::TrainResult training;
    std::string outputDir;  // as written
    std::optional<workspace::Id> runId;
};

// `<outputDir>-checkpoints` (a trailing separator of outputDir ignored).
std::string finetuneCheckpointDir(const std::string& outputDir);

// Cancelled leaves the run 'cancelled' with summary {"steps", "checkpoints": [{"step", "path"}]}.
FinetuneResult runFinetune(const FinetuneParams& params, Progress& progress = Progress::none(),
                           const Log& log = {});

}  // namespace prominence::study
