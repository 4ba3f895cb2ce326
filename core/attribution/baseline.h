#pragma once
// The mean-activation baseline: x' = the average site activation over a dataset's items, per layer.
// Scaling toward the mean instead of zero asks "what does this neuron add beyond its usual value",
// which keeps an always-on neuron (e.g. layer 0 at a fixed "Answer:" token) from dominating IG.
#include <vector>

#include "core/attribution/neuron_ig.h"

namespace prominence::attribution {

// One [intermediate] float32 vector per model layer: the mean of blocks.{L}.mlp.post over the items,
// at each item's prediction position (PositionMode::Last) or over its positions 0..P (All).
std::vector<at::Tensor> meanSiteActivations(const Model& model, const std::vector<AttributionItem>& items,
                                            PositionMode positions, Progress& progress = Progress::none());

}  // namespace prominence::attribution
