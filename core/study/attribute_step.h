#pragma once
// The attribute step (dataset form): Integrated Gradients over a stored selection, its aggregated
// matrices and, with references, the contrast, all written to the workspace. A cancelled run keeps
// its finished items; resumeRunId continues it. `prominence-cli attribute --workspace` and the
// GUI's attribution form call this; the one-sequence form stays in the CLI (it writes a file, not a
// study).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attribution/aggregate.h"
#include "core/attribution/contrast.h"
#include "core/attribution/params.h"
#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct AttributeParams {
    std::string workspacePath;  // required
    // Exactly one of the two: a new run over a stored selection, or continuing an attribution run
    // (which keeps the attribution parameters it was started with; `attribution` is then ignored).
    workspace::Id selectionId = 0;
    workspace::Id resumeRunId = 0;
    std::string modelDir;  // empty: the model of the selection's eval run
    // steps 20, rule gausslegendre, objective logprob, positions last, baseline zero, every layer.
    // A mean baseline is the mean activation over the items of the selection and every reference
    // selection, shared by all of them so the contrast compares like with like.
    attribution::AttributionParams attribution;
    attribution::AggregateParams aggregate;  // frequency threshold 0.2
    attribution::ContrastParams contrast;    // difference of mean_ig, top 5%, no layer excluded
    std::vector<workspace::Id>
        referenceSelections;                   // attributed here too, with the same parameters
    std::vector<workspace::Id> referenceRuns;  // finished attribution runs used as references
    bool storeVectors = true;  // keep every item's [neurons] IG per layer (needed to resume)
    std::string name;          // run name; empty: "attribution/<dataset>/<selection name>"
    std::int64_t top = 20;     // the contrast's top neurons listed in the summary

    void validate() const;  // ParamsError; the layer count is checked once the model is loaded
};

struct AttributeResult {
    // What `prominence-cli attribute --workspace` prints: attribution {run, selection, dataset,
    // items, resumed_items, flagged_items, scores}, references and contrast (with references),
    // params, seconds.
    nlohmann::ordered_json summary;
    workspace::Id runId = 0;
    workspace::Id selectionId = 0;
    std::vector<workspace::Id> referenceRunIds;  // the attribution runs of referenceSelections
    std::optional<workspace::Id> contrastScoresId;
};

// ParamsError (validate; a resumed run that is no attribution run; a selection whose eval run
// records no model and no modelDir given), StorageError (missing ids), Cancelled (the run is left
// 'cancelled' with its finished items).
AttributeResult runAttribute(const AttributeParams& params, Progress& progress = Progress::none(),
                             const Log& log = {});

}  // namespace prominence::study
