#pragma once
// IG over a selection of items: progress, cancellation and resume.
//
// Each finished item goes to the sink at once (the workspace stores it in its own transaction), so
// a cancelled or crashed run keeps every finished item; resuming passes their ids back as `done`.
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "core/attribution/neuron_ig.h"

namespace prominence::attribution {

using ItemSink = std::function<void(const ItemAttribution&)>;

struct RunSummary {
    std::int64_t total = 0;     // items in the selection
    std::int64_t skipped = 0;   // already done before this call
    std::int64_t finished = 0;  // attributed by this call
    std::int64_t flagged = 0;   // of those, items with a large relative residual in some layer
};

// Attributes every item whose id is not in `done`, in order, yielding each to `onItem`. Reports
// progress per item (done = skipped + finished); throws Cancelled between path-step chunks when
// asked to stop, after every finished item has been yielded. An item's own error (bad token,
// position) propagates: the selection is wrong, not the item's luck.
RunSummary attributeItems(const Model& model, const std::vector<AttributionItem>& items, const AttributionParams& params,
                          const std::vector<at::Tensor>& meanBaseline, const std::set<std::int64_t>& done,
                          const ItemSink& onItem, Progress& progress);

}  // namespace prominence::attribution
