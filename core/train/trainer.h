#pragma once
// Full-parameter fine-tuning (or pretraining) of a Model with AdamW, keeping pruned neurons at
// exactly zero.
//
// Order of one optimiser step: `gradAccumulation` micro-batches of `batchSize` examples are run
// forward and backward; the loss is the cross-entropy summed over every scored token of the whole
// step divided by their number (so accumulation gives the same gradient as one batch of
// batchSize * gradAccumulation); the global gradient norm is clipped; AdamW steps with the
// schedule's learning rate. Examples are shuffled per epoch by a seeded permutation (deterministic
// for a seed on a given device and thread count); a last partial step of an epoch is still taken.
//
// Held neurons (`hold`): the trainer zeroes their surgery weights before the first step (up and gate
// rows and biases, down column), multiplies their gradients and AdamW moments by 0 at every step and
// re-zeroes the weights after it, and runs every forward pass with the activation mask, so after
// training logits with and without the activation mask are identical.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"
#include "core/train/adamw.h"
#include "core/train/example.h"
#include "core/train/schedule.h"

namespace prominence::train {

struct TrainOptions {
    AdamWOptions adamw;
    ScheduleKind schedule = ScheduleKind::Linear;
    std::int64_t warmupSteps = 0;
    double minLrRatio = 0.0;  // Schedule::minRatio
    int epochs = 1;
    // > 0: exactly this many optimiser steps (epochs repeat as needed and `epochs` is ignored).
    std::int64_t maxSteps = 0;
    int batchSize = 8;
    int gradAccumulation = 1;
    // CPU data parallelism: each micro-batch is split into `workers` contiguous shards that run forward
    // and backward on their own threads (each with its own autograd graph); their gradients are summed
    // in shard order on the calling thread, so a run is deterministic for a given worker count (and
    // equal to workers = 1 up to float summation order). Worth it for small models whose single ops are
    // too small for intra-op threads (docs/training.md); with 1 the step is the plain sequential one.
    int workers = 1;
    // Only parameters whose checkpoint name starts with one of these prefixes are trained (the others
    // keep their values and get no gradient); empty: every parameter.
    std::vector<std::string> trainablePrefixes;
    // When set, the MLP neuron weights of every layer (up and gate rows and biases, down columns: the
    // weights weight surgery touches) train only at these neurons; every other neuron's entries are
    // frozen (no gradient, no moment, no weight decay: they keep their values bit for bit). Parameters
    // outside the MLP neuron weights follow `trainablePrefixes` as usual. JSON "trainable_neurons":
    // a PruneMask object (null: every neuron).
    std::optional<prune::PruneMask> trainableNeurons;
    // Learning-rate multipliers by parameter-name prefix (the longest matching prefix wins; others 1),
    // as torch parameter groups with their own lr. JSON "lr_scales": {"prefix": scale, ...}.
    std::map<std::string, double> lrScales;
    double maxGradNorm = 1.0;  // 0 disables clipping
    std::uint64_t seed = 0;
    std::int64_t padId = 0;
    // Weight decay on every tensor (as torch.optim.AdamW over all parameters), or only on tensors
    // with two or more dimensions (matrices and embeddings; no biases, no norm weights), as
    // transformers' Trainer and nanoGPT do. Default: the latter.
    bool decayAllParameters = false;

    // Validation (when validation examples are given): mean loss every `evalEvery` steps (0: at the
    // end of each epoch, and at the last step). With patience > 0, training stops after `patience`
    // evaluations without an improvement of more than minDelta, and the best weights are restored
    // when restoreBest.
    std::int64_t evalEvery = 0;
    int patience = 0;
    double minDelta = 0.0;
    bool restoreBest = true;

    // Checkpoints: every `checkpointEvery` steps (0: none) as `<checkpointDir>/step-<N>`, and the
    // weights training ends with (the best ones when restored) as `<checkpointDir>/final`, when
    // checkpointFinal; HF checkpoint directories written by Model::saveCheckpoint.
    std::string checkpointDir;
    std::int64_t checkpointEvery = 0;
    bool checkpointFinal = false;

    const prune::PruneMask* hold = nullptr;

    // Observers (not options: toJson leaves them out), called on the training thread. onStep: after
    // every optimiser step (weights already updated and held entries re-zeroed); onValidation: after
    // each validation pass; onCheckpoint: after each checkpoint directory is complete on disk (before
    // the step's progress report, so a job cancelled at that step still has it).
    std::function<void(const struct StepRecord&)> onStep;
    std::function<void(const struct EvalRecord&)> onValidation;
    std::function<void(const struct SavedCheckpoint&)> onCheckpoint;

    nlohmann::json toJson() const;
    // FormatError naming `source` and the key; unknown keys are errors.
    static TrainOptions fromJson(const nlohmann::json& j, const std::string& source);
    void validate() const;  // InvalidArgument echoing a value out of range
};

struct StepRecord {
    std::int64_t step = 0;  // 1-based optimiser step
    int epoch = 0;          // 0-based
    double loss = 0.0;      // mean loss over the step's scored tokens
    double lr = 0.0;
    double gradNorm = 0.0;  // before clipping
    std::int64_t tokens = 0;
    // Wall time of the step (forward, backward, clipping, optimiser), for live views; not in toJson,
    // which stays deterministic.
    double seconds = 0.0;
};

struct EvalRecord {
    std::int64_t step = 0;
    double loss = 0.0;
};

struct SavedCheckpoint {
    std::int64_t step = 0;
    std::string path;
};

struct TrainResult {
    std::int64_t steps = 0;
    int epochsStarted = 0;
    std::vector<StepRecord> history;
    std::vector<EvalRecord> validation;
    std::int64_t bestStep = -1;  // step of the best validation loss (-1 without validation)
    double bestLoss = 0.0;
    bool stoppedEarly = false;
    bool restoredBest = false;
    std::vector<SavedCheckpoint> checkpoints;

    nlohmann::json toJson() const;  // summary: steps, losses, validation, checkpoints
};

// Makes the model trainable (private f32 copies), trains it in place, and leaves requires_grad off.
// Examples are validated first (InvalidArgument naming the example). Throws Cancelled from progress
// (the model then holds the weights of the last finished step).
TrainResult train(Model& model, const std::vector<TrainExample>& examples, const std::vector<TrainExample>& validation,
                  const TrainOptions& options, Progress& progress = Progress::none());

// Mean cross-entropy over all scored tokens of `examples`, without gradients.
double meanLoss(const Model& model, const std::vector<TrainExample>& examples, int batchSize, std::int64_t padId,
                const NeuronMask* mask = nullptr);

// Sum of the cross-entropy of a batch's scored tokens (a scalar with autograd when enabled).
at::Tensor batchLossSum(const Model& model, const Batch& batch, const NeuronMask* mask);

}  // namespace prominence::train
