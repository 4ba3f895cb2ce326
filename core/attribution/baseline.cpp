#include "core/attribution/baseline.h"

#include "core/common/error.h"

namespace prominence::attribution {

std::vector<at::Tensor> meanSiteActivations(const Model& model, const std::vector<AttributionItem>& items,
                                            PositionMode positions, Progress& progress) {
    if (items.empty()) throw InvalidArgument("mean activation baseline needs at least one item");
    at::NoGradGuard noGrad;
    const int N = model.numLayers();
    std::vector<at::Tensor> sum(static_cast<size_t>(N));
    std::int64_t rows = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        const AttributionItem& item = items[i];
        const std::int64_t T = static_cast<std::int64_t>(item.inputIds.size());
        const std::int64_t P = item.position < 0 ? T - 1 : item.position;
        if (T == 0 || item.position < -1 || P >= T)
            throw InvalidArgument("item " + std::to_string(item.id) + ": position " + std::to_string(item.position) +
                                  " is outside its " + std::to_string(T) + " tokens");
        ForwardInput in;
        in.inputIds = at::tensor(std::vector<std::int64_t>(item.inputIds.begin(), item.inputIds.begin() + P + 1), at::kLong)
                          .view({1, P + 1});  // [1, P+1]
        ForwardOptions opt;
        opt.returnSites = true;
        const ForwardOutput out = model.forward(in, opt);
        for (int L = 0; L < N; ++L) {
            const at::Tensor site = out.sites[static_cast<size_t>(L)][0].to(at::kDouble);  // [P+1, I]
            const at::Tensor part = positions == PositionMode::Last ? site[P] : site.sum(0);  // [I]
            sum[static_cast<size_t>(L)] = sum[static_cast<size_t>(L)].defined() ? sum[static_cast<size_t>(L)] + part : part;
        }
        rows += positions == PositionMode::Last ? 1 : P + 1;
        progress.report(static_cast<std::int64_t>(i) + 1, static_cast<std::int64_t>(items.size()));
    }
    for (at::Tensor& s : sum) s = (s / static_cast<double>(rows)).to(at::kFloat);
    return sum;
}

}  // namespace prominence::attribution
