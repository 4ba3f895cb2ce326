// Letter scoring: prompts batched by length (right padding), the next-token log-probabilities read at
// each prompt's last real position.
#include <algorithm>

#include "core/common/error.h"
#include "core/eval/scorers.h"

namespace prominence::eval::detail {

std::vector<std::vector<double>> scoreLetters(const Model& model, const std::vector<LetterRequest>& requests,
                                              const EvalOptions& options, Progress& progress) {
    at::NoGradGuard noGrad;
    std::vector<std::int64_t> lengths;
    for (const auto& r : requests) {
        if (r.prompt.empty()) throw InvalidArgument("scoreLetters: empty prompt (expected at least one token)");
        lengths.push_back(static_cast<std::int64_t>(r.prompt.size()));
    }
    std::vector<std::vector<double>> scores(requests.size());
    std::int64_t done = 0;
    for (const auto& batch : packByLength(lengths, options)) {
        progress.check();
        std::int64_t width = 0;
        for (std::size_t k : batch) width = std::max(width, lengths[k]);
        const auto n = static_cast<std::int64_t>(batch.size());
        at::Tensor ids = at::zeros({n, width}, at::kLong);
        at::Tensor mask = at::zeros({n, width}, at::kLong);
        std::vector<std::int64_t> last(batch.size());
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const auto& p = requests[batch[b]].prompt;
            const auto len = static_cast<std::int64_t>(p.size());
            ids[static_cast<std::int64_t>(b)].narrow(0, 0, len).copy_(at::tensor(p, at::kLong));
            mask[static_cast<std::int64_t>(b)].narrow(0, 0, len).fill_(1);
            last[b] = len - 1;
        }
        ForwardInput in;
        in.inputIds = ids.to(model.device());
        in.attentionMask = mask.to(model.device());
        const at::Tensor logits = model.forward(in).logits;  // [B, T, V]
        std::vector<at::Tensor> lastLogits;
        for (std::size_t b = 0; b < batch.size(); ++b) lastLogits.push_back(logits[static_cast<std::int64_t>(b)][last[b]]);
        // [B, V] log-probabilities of the next token after each prompt.
        const at::Tensor logp = at::log_softmax(at::stack(lastLogits).to(at::kFloat), -1).to(at::kDouble).cpu();
        auto lp = logp.accessor<double, 2>();
        for (std::size_t b = 0; b < batch.size(); ++b)
            for (std::int64_t id : requests[batch[b]].letterIds)
                scores[batch[b]].push_back(lp[static_cast<std::int64_t>(b)][id]);
        done += n;
        progress.report(done, static_cast<std::int64_t>(requests.size()));
    }
    return scores;
}

}  // namespace prominence::eval::detail
