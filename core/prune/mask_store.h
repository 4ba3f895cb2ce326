#pragma once
// Masks and score matrices in the workspace: a PruneMask goes in with its provenance (the score run,
// the policy and its parameters, or "explicit"/"gui" for hand-picked ones) and comes back whole.
#include <optional>
#include <string>
#include <vector>

#include "core/prune/prune_mask.h"
#include "core/prune/selection.h"
#include "core/workspace/workspace.h"

namespace prominence::prune {

struct StoredMask {
    workspace::Id id = 0;
    std::string name;
    PruneMask mask;
    workspace::Json provenance;
    std::optional<workspace::Id> runId;
    std::optional<workspace::Id> modelId;
};

workspace::Id saveMask(workspace::Workspace& ws, const std::string& name, const PruneMask& mask,
                       const workspace::Json& provenance, std::optional<workspace::Id> runId = std::nullopt,
                       std::optional<workspace::Id> modelId = std::nullopt);
StoredMask loadMask(workspace::Workspace& ws, workspace::Id id);
// The most recent mask of that name; StorageError listing the stored names when there is none.
StoredMask findMask(workspace::Workspace& ws, const std::string& name);
// "42" is an id, anything else a name.
StoredMask loadMaskByRef(workspace::Workspace& ws, const std::string& idOrName);

// A stored [layers x neurons] matrix as a ScoreMatrix. Rows are the layers listed in the record's
// params["layers"] when present (attribution over some layers), else 0..layers-1.
ScoreMatrix scoreMatrixOf(const workspace::NeuronScores& scores);

// The score matrix of run `runId` with this kind (and dataset, when not empty). With an empty kind
// the run must hold exactly one whose kind starts with "contrast", or exactly one matrix at all.
// InvalidArgument listing what the run holds when the choice is not unique.
workspace::NeuronScores findScores(workspace::Workspace& ws, workspace::Id runId, const std::string& kind,
                                   const std::string& dataset = {});

}  // namespace prominence::prune
