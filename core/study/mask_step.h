#pragma once
// Masks made by hand (the GUI's click-to-prune, or a neuron list typed in): stored as they are with
// the provenance the caller gives, and compared or shown. `prominence-cli mask` and the GUI call
// these.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/prune/mask_store.h"
#include "core/prune/prune_mask.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct SaveMaskParams {
    std::string workspacePath;  // required
    // Required, unused by the workspace's masks, and not all digits (a mask reference that is all
    // digits reads as an id).
    std::string name;
    std::optional<workspace::Id> modelId;  // the model the neurons refer to (must be stored)
    // The model shape the neuron list refers to; both 0 with a modelId: that model's recorded layers
    // and intermediate size.
    std::int64_t layers = 0;
    std::int64_t neurons = 0;
    std::vector<workspace::NeuronRef> pruned;  // at least one, each in range, none repeated
    // Stored as given: the GUI records the scores id, policy and thresholds, and the ordered list of
    // manual edits here.
    nlohmann::json provenance = nlohmann::json::object();

    void validate() const;  // ParamsError for what can be checked without the workspace
};

struct SaveMaskResult {
    nlohmann::ordered_json summary;  // {"mask_id", "name", "layers", "neurons", "count", "pruned"}
    workspace::Id maskId = 0;
    prune::PruneMask mask;
};

// ParamsError for a bad name (empty, all digits, taken), a shape that is not positive or differs from
// the model's, an unknown model id, a neuron out of range or repeated.
SaveMaskResult runSaveMask(const SaveMaskParams& params, Progress& progress = Progress::none());

struct DiffMasksParams {
    std::string workspacePath;  // required
    workspace::Id a = 0;
    workspace::Id b = 0;

    void validate() const;  // ParamsError
};

struct DiffMasksResult {
    // {"a": {"id", "name", "count"}, "b": {...}, "overlap", "only_a", "only_b", "jaccard",
    //  "per_layer": {"L": {"a", "b", "overlap", "only_a", "only_b"}} (layers either mask touches),
    //  "only_a_neurons", "only_b_neurons", "overlap_neurons" ("L:N,..." lists)}
    nlohmann::ordered_json summary;
    prune::MaskDiff diff;  // prune::diffMasks(a, b): `removed` only in a, `added` only in b
};

// The diff of two masks, stored or not (the GUI diffs the mask being edited, id 0, against a stored
// one): what runDiffMasks returns. ParamsError for masks of different model shapes.
DiffMasksResult diffStoredMasks(const prune::StoredMask& a, const prune::StoredMask& b);

// ParamsError for an unknown mask or masks of different model shapes.
DiffMasksResult runDiffMasks(const DiffMasksParams& params, Progress& progress = Progress::none());

struct ShowMaskParams {
    std::string workspacePath;  // required
    std::string mask;           // stored mask name or id (required)

    void validate() const;  // ParamsError
};

// {"id", "name", "layers", "neurons", "count", "pruned" ("L:N,..."), "per_layer", "run_id",
//  "model_id", "provenance", "created_at"}. ParamsError for an unknown mask.
nlohmann::ordered_json runShowMask(const ShowMaskParams& params);

// The stored mask `ref` names: an id, or the most recent mask of that name. ParamsError listing the
// stored masks when there is none (the ablate step's --mask too).
prune::StoredMask storedMask(workspace::Workspace& ws, const std::string& ref);

}  // namespace prominence::study
