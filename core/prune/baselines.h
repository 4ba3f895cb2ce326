#pragma once
// Control masks for the comparison: the same number of neurons in the same layers as a method's
// mask, chosen at random or by activation magnitude, so a difference in accuracy can be put down to
// *which* neurons were pruned rather than how many or where.
#include <cstdint>
#include <vector>

#include "core/common/torch.h"
#include "core/jobs/progress.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"

namespace prominence::prune {

// For every layer of `like`, as many neurons of that layer drawn uniformly without replacement
// (seeded; std::mt19937_64 with the portable bounded mapping of core/data/sampling.h).
PruneMask randomLike(const PruneMask& like, std::uint64_t seed);

// For every layer of `like`, its neurons with the largest `magnitude` (ties: lower index first).
// `magnitude` is [layers, neurons] over the whole model.
PruneMask magnitudeLike(const PruneMask& like, const at::Tensor& magnitude);

enum class ActivationPositions { Last, All };

// Mean |site activation| per neuron [layers, neurons] (float64) over token sequences: at each
// sequence's last token (the prediction position, where IG attributes) or over all its tokens.
// One sequence per forward pass, so no padding enters the mean.
at::Tensor meanAbsActivation(const Model& model, const std::vector<std::vector<std::int64_t>>& sequences,
                             ActivationPositions positions = ActivationPositions::Last,
                             Progress& progress = Progress::none());

}  // namespace prominence::prune
