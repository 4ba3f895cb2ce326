// Weight surgery: zeroing pruned neurons' slices of the MLP weights.
#include "core/prune/surgery.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence::prune {

namespace {

PrunedSlice sliceOf(const NeuronWeight& w, const std::vector<std::int64_t>& idx) {
    PrunedSlice s;
    s.name = w.name;
    s.tensor = w.tensor;
    s.neuronDim = w.neuronDim;
    s.indices = at::tensor(idx, at::kLong).to(w.tensor.device());
    std::vector<std::int64_t> shape(static_cast<std::size_t>(w.tensor.dim()), 1);
    shape[static_cast<std::size_t>(w.neuronDim)] = w.tensor.size(w.neuronDim);
    at::Tensor keep = at::ones({w.tensor.size(w.neuronDim)}, w.tensor.options().requires_grad(false));
    keep.index_fill_(0, s.indices, 0.0);
    s.keep = keep.view(shape);
    return s;
}

}  // namespace

std::vector<PrunedSlice> prunedSlices(const Model& model, const PruneMask& mask) {
    mask.checkFits(model);
    std::vector<PrunedSlice> out;
    for (const auto& [layer, count] : mask.countsPerLayer()) {
        const std::vector<std::int64_t> idx = mask.neuronsOf(layer);
        const MlpWeights m = model.mlp(layer);
        for (const NeuronWeight* w : {&m.up, &m.upBias, &m.gate, &m.gateBias, &m.down}) {
            if (!w->defined()) continue;
            if (w->tensor.size(w->neuronDim) != mask.neuronsPerLayer())
                throw ShapeError("weight surgery: tensor '" + w->name + "' has " + std::to_string(w->tensor.size(w->neuronDim)) +
                                 " entries along its neuron dimension " + std::to_string(w->neuronDim) + ", expected " +
                                 std::to_string(mask.neuronsPerLayer()));
            out.push_back(sliceOf(*w, idx));
        }
    }
    return out;
}

void applyWeightSurgery(Model& model, const PruneMask& mask) {
    at::NoGradGuard noGrad;
    for (PrunedSlice& s : prunedSlices(model, mask)) s.tensor.index_fill_(s.neuronDim, s.indices, 0.0);
}

double maxPrunedMagnitude(const Model& model, const PruneMask& mask) {
    at::NoGradGuard noGrad;
    double worst = 0.0;
    for (const PrunedSlice& s : prunedSlices(model, mask)) {
        const at::Tensor picked = s.tensor.index_select(s.neuronDim, s.indices);
        if (picked.numel() > 0) worst = std::max(worst, picked.abs().max().item<double>());
    }
    return worst;
}

}  // namespace prominence::prune
