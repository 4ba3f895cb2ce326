#pragma once
// The prune step. Workspace form: a selection policy over the neuron scores an attribution run
// stored picks a mask, stored with its provenance in a 'prune' run (and, with a model and an output
// directory, the pruned checkpoint written and recorded). Checkpoint form: explicit neurons removed
// by weight surgery into a new Hugging Face directory, nothing stored.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/prune/prune_mask.h"
#include "core/prune/selection.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct PruneParams {
    std::string workspacePath;  // required
    std::string maskName;       // name of the stored mask (required)
    // kind, layer, percent, k, threshold, layers, neurons, positiveOnly.
    prune::PolicyParams policy;
    workspace::Id scoresRun = 0;  // attribution run holding the scores (every policy but explicit)
    std::string kind;             // score matrix kind; empty: the run's contrast matrix
    std::string dataset;          // score matrix dataset, when the run holds several
    std::string modelDir;    // explicit: the layer and neuron counts; also checks the scores' shape
    std::string outputDir;   // also write the pruned checkpoint here (needs modelDir)
    bool overwrite = false;  // replace outputDir if it exists

    void validate() const;  // ParamsError (policy parameters as PolicyParams::validate)
};

struct PruneResult {
    nlohmann::json summary;  // mask_id, name, count, neurons, output (when written), run_id
    workspace::Id runId = 0;
    workspace::Id maskId = 0;
    prune::PruneMask mask;
};

PruneResult runPrune(const PruneParams& params, Progress& progress = Progress::none(),
                     const Log& log = {});

struct PruneCheckpointParams {
    std::string modelDir;   // required
    std::string neurons;    // "L:N[,L:N...]" (required)
    std::string outputDir;  // required
    bool overwrite = false;
};

struct PruneCheckpointResult {
    nlohmann::json summary;  // output, count, neurons, per_layer
    prune::PruneMask mask;
    std::string outputDir;  // as written
};

// ParamsError for a neuron list that does not parse or does not fit the model.
PruneCheckpointResult runPruneCheckpoint(const PruneCheckpointParams& params,
                                         Progress& progress = Progress::none(),
                                         const Log& log = {});

}  // namespace prominence::study
