#include "core/model/generate.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence {

GenerateResult generateGreedy(const Model& model, const std::vector<std::int64_t>& prompt,
                              const GenerateOptions& options, Progress& progress) {
    if (prompt.empty()) throw InvalidArgument("generate: the prompt needs at least one token id (e.g. BOS)");
    if (options.maxNewTokens < 0) throw InvalidArgument("generate: max new tokens must be >= 0, got " + std::to_string(options.maxNewTokens));
    const ModelConfig& c = model.config();
    const auto total = static_cast<std::int64_t>(prompt.size()) + options.maxNewTokens;
    if (c.positions == PositionKind::Learned && total > c.maxPositions)
        throw InvalidArgument("generate: " + std::to_string(total) + " positions exceed this model's " +
                              std::to_string(c.maxPositions) + " learned positions");
    std::vector<std::int64_t> stops = options.stopTokens;
    if (stops.empty() && options.stopAtEos) stops = c.eosTokenIds;

    at::NoGradGuard noGrad;
    KvCache cache;
    cache.reserve(total);
    ForwardOptions fo;
    fo.cache = &cache;
    fo.neuronMask = options.neuronMask;
    const auto longs = at::TensorOptions().dtype(at::kLong);
    at::Tensor ids = at::tensor(prompt, longs).unsqueeze(0);  // [1, prompt]

    GenerateResult result;
    for (std::int64_t step = 0; step < options.maxNewTokens; ++step) {
        progress.report(step, options.maxNewTokens);
        const at::Tensor logits = model.forward({ids, {}, {}}, fo).logits;  // [1, n, V]
        const std::int64_t next = logits.select(1, logits.size(1) - 1).argmax(-1).item<std::int64_t>();
        result.tokens.push_back(next);
        if (options.stopAtEos && std::find(stops.begin(), stops.end(), next) != stops.end()) {
            result.stopped = true;
            break;
        }
        ids = at::full({1, 1}, next, longs);
    }
    progress.report(options.maxNewTokens, options.maxNewTokens);
    return result;
}

}  // namespace prominence
