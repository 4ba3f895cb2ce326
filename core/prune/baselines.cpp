// Random and activation-magnitude control masks.
#include "core/prune/baselines.h"

#include <algorithm>
#include <numeric>

#include "core/common/error.h"
#include "core/data/sampling.h"

namespace prominence::prune {

PruneMask randomLike(const PruneMask& like, std::uint64_t seed) {
    PruneMask out(like.layers(), like.neuronsPerLayer());
    for (const auto& [layer, count] : like.countsPerLayer()) {
        // One stream per layer: a layer's draw does not depend on which other layers are pruned.
        data::SeededRng rng(data::deriveSeed(seed, static_cast<std::uint64_t>(layer)));
        for (std::size_t n : data::sampleIndices(static_cast<std::size_t>(like.neuronsPerLayer()),
                                                 static_cast<std::size_t>(count), rng))
            out.add({layer, static_cast<std::int64_t>(n)});
    }
    return out;
}

PruneMask magnitudeLike(const PruneMask& like, const at::Tensor& magnitude) {
    if (!magnitude.defined() || magnitude.dim() != 2 || magnitude.size(0) != like.layers() ||
        magnitude.size(1) != like.neuronsPerLayer())
        throw ShapeError("activation magnitudes must be [" + std::to_string(like.layers()) + ", " +
                         std::to_string(like.neuronsPerLayer()) + "]");
    const at::Tensor m = magnitude.detach().to(at::kCPU, at::kDouble).contiguous();
    PruneMask out(like.layers(), like.neuronsPerLayer());
    for (const auto& [layer, count] : like.countsPerLayer()) {
        const double* v = m[layer].data_ptr<double>();
        std::vector<std::int64_t> order(static_cast<std::size_t>(like.neuronsPerLayer()));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return v[a] > v[b]; });
        for (std::int64_t i = 0; i < count; ++i) out.add({layer, order[static_cast<std::size_t>(i)]});
    }
    return out;
}

at::Tensor meanAbsActivation(const Model& model, const std::vector<std::vector<std::int64_t>>& sequences,
                             ActivationPositions positions, Progress& progress) {
    if (sequences.empty()) throw InvalidArgument("meanAbsActivation: no sequences");
    at::NoGradGuard noGrad;
    const int L = model.numLayers();
    at::Tensor sum = at::zeros({L, model.intermediateSize()}, at::kDouble);
    std::int64_t count = 0;
    for (std::size_t i = 0; i < sequences.size(); ++i) {
        const auto& seq = sequences[i];
        if (seq.empty()) throw InvalidArgument("meanAbsActivation: sequence " + std::to_string(i) + " is empty");
        ForwardInput in;
        in.inputIds = at::tensor(seq, at::kLong).unsqueeze(0).to(model.device());  // [1, T]
        ForwardOptions opt;
        opt.returnSites = true;
        const ForwardOutput out = model.forward(in, opt);
        for (int l = 0; l < L; ++l) {
            const at::Tensor act = out.sites[static_cast<std::size_t>(l)][0].to(at::kCPU, at::kDouble).abs();  // [T, I]
            sum[l] += positions == ActivationPositions::Last ? act[act.size(0) - 1] : act.sum(0);
        }
        count += positions == ActivationPositions::Last ? 1 : static_cast<std::int64_t>(seq.size());
        progress.report(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(sequences.size()));
    }
    return sum / static_cast<double>(count);
}

}  // namespace prominence::prune
