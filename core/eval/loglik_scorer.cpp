// Loglik scoring. Without context reuse every (item, choice) is one row, context + continuation minus
// its last token, and rows of similar length share a right-padded batch (right padding leaves the
// real positions' logits unchanged under causal attention). With reuse, an item's context runs once
// into a KV cache; its last logits score each continuation's first token, and the continuations'
// remaining tokens run as one batch that reads the batch-1 cache without copying it.
#include <algorithm>
#include <numeric>

#include "core/common/error.h"
#include "core/eval/scorers.h"

namespace prominence::eval::detail {
namespace {

at::Tensor paddedIds(const std::vector<const std::vector<std::int64_t>*>& rows, std::int64_t width,
                     std::int64_t dropLast, at::Tensor& mask) {
    const auto n = static_cast<std::int64_t>(rows.size());
    at::Tensor ids = at::zeros({n, width}, at::kLong);
    mask = at::zeros({n, width}, at::kLong);
    auto idsA = ids.accessor<std::int64_t, 2>();
    auto maskA = mask.accessor<std::int64_t, 2>();
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& row = *rows[static_cast<std::size_t>(r)];
        const auto len = static_cast<std::int64_t>(row.size()) - dropLast;
        for (std::int64_t t = 0; t < len; ++t) {
            idsA[r][t] = row[static_cast<std::size_t>(t)];
            maskA[r][t] = 1;
        }
    }
    return ids;
}

// Sum over t of log_softmax(logits[t])[targets[t]], logits [m, V].
double sumLogprobs(const at::Tensor& logits, const std::int64_t* targets, std::int64_t m) {
    const at::Tensor logp = at::log_softmax(logits.to(at::kFloat), -1);
    const at::Tensor idx = at::from_blob(const_cast<std::int64_t*>(targets), {m, 1}, at::kLong).to(logp.device());
    return logp.gather(1, idx).to(at::kDouble).sum().item<double>();
}

std::vector<std::vector<double>> scoreRows(const Model& model, const std::vector<LoglikRequest>& requests,
                                           const EvalOptions& options, Progress& progress) {
    struct Row {
        std::size_t request, choice;
        std::vector<std::int64_t> tokens;
        std::int64_t contextLen;
    };
    std::vector<Row> rows;
    std::vector<std::vector<double>> scores(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        scores[i].assign(requests[i].continuations.size(), 0.0);
        for (std::size_t c = 0; c < requests[i].continuations.size(); ++c) {
            Row row{i, c, requests[i].context, static_cast<std::int64_t>(requests[i].context.size())};
            row.tokens.insert(row.tokens.end(), requests[i].continuations[c].begin(), requests[i].continuations[c].end());
            rows.push_back(std::move(row));
        }
    }
    std::vector<std::int64_t> lengths;
    for (const auto& r : rows) lengths.push_back(static_cast<std::int64_t>(r.tokens.size()) - 1);
    const auto batches = packByLength(lengths, options);
    std::int64_t done = 0;
    for (const auto& batch : batches) {
        progress.check();
        std::vector<const std::vector<std::int64_t>*> ptrs;
        std::int64_t width = 0;
        for (std::size_t k : batch) {
            ptrs.push_back(&rows[k].tokens);
            width = std::max(width, lengths[k]);
        }
        at::Tensor mask;
        const at::Tensor ids = paddedIds(ptrs, width, 1, mask);
        ForwardInput in;
        in.inputIds = ids.to(model.device());
        in.attentionMask = mask.to(model.device());
        const at::Tensor logits = model.forward(in).logits;  // [B, T, V]
        for (std::size_t b = 0; b < batch.size(); ++b) {
            const Row& row = rows[batch[b]];
            const std::int64_t m = static_cast<std::int64_t>(row.tokens.size()) - row.contextLen;
            scores[row.request][row.choice] =
                sumLogprobs(logits[static_cast<std::int64_t>(b)].narrow(0, row.contextLen - 1, m),
                            row.tokens.data() + row.contextLen, m);
        }
        done += static_cast<std::int64_t>(batch.size());
        progress.report(done, static_cast<std::int64_t>(rows.size()));
    }
    return scores;
}

std::vector<std::vector<double>> scoreWithCache(const Model& model, const std::vector<LoglikRequest>& requests,
                                                const EvalOptions& options, Progress& progress) {
    std::vector<std::vector<double>> scores(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        progress.check();
        const LoglikRequest& req = requests[i];
        const auto contextLen = static_cast<std::int64_t>(req.context.size());
        KvCache cache;
        ForwardInput in;
        in.inputIds = at::tensor(req.context, at::kLong).reshape({1, contextLen}).to(model.device());
        ForwardOptions fo;
        fo.cache = &cache;
        const at::Tensor last = model.forward(in, fo).logits[0][contextLen - 1];  // [V]
        const at::Tensor lastLogp = at::log_softmax(last.to(at::kFloat), -1).to(at::kDouble).cpu();
        auto lp = lastLogp.accessor<double, 1>();
        scores[i].resize(req.continuations.size());
        std::vector<std::int64_t> restLengths;
        std::vector<std::size_t> restChoice;
        for (std::size_t c = 0; c < req.continuations.size(); ++c) {
            scores[i][c] = lp[req.continuations[c][0]];
            if (req.continuations[c].size() > 1) {
                restChoice.push_back(c);
                restLengths.push_back(static_cast<std::int64_t>(req.continuations[c].size()) - 1);
            }
        }
        for (const auto& batch : packByLength(restLengths, options)) {
            std::vector<const std::vector<std::int64_t>*> ptrs;
            std::int64_t width = 0;
            for (std::size_t k : batch) {
                ptrs.push_back(&req.continuations[restChoice[k]]);
                width = std::max(width, restLengths[k]);
            }
            at::Tensor mask;
            const at::Tensor ids = paddedIds(ptrs, width, 1, mask).to(model.device());
            const auto rowsN = static_cast<std::int64_t>(batch.size());
            // [rows, width]: positions continue after the context.
            const at::Tensor positions =
                (at::arange(width, at::kLong) + contextLen).unsqueeze(0).expand({rowsN, width}).contiguous().to(model.device());
            LayerContext lc;
            lc.positionIds = positions;
            lc.attentionMask = mask.to(model.device());
            lc.cache = &cache;
            const at::Tensor hidden = model.runLayers(0, model.numLayers(), model.embed(ids, positions), lc);
            const at::Tensor logits = model.final(hidden);  // [rows, width, V]
            for (std::size_t b = 0; b < batch.size(); ++b) {
                const auto& cont = req.continuations[restChoice[batch[b]]];
                const auto m = static_cast<std::int64_t>(cont.size()) - 1;
                scores[i][restChoice[batch[b]]] +=
                    sumLogprobs(logits[static_cast<std::int64_t>(b)].narrow(0, 0, m), cont.data() + 1, m);
            }
        }
        progress.report(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(requests.size()));
    }
    return scores;
}

}  // namespace

std::vector<std::vector<std::size_t>> packByLength(const std::vector<std::int64_t>& lengths, const EvalOptions& options) {
    std::vector<std::size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
    std::vector<std::vector<std::size_t>> batches;
    std::int64_t width = 0;
    for (std::size_t k : order) {
        auto& cur = batches.empty() ? batches.emplace_back() : batches.back();
        // Sorted longest first, so the batch's width is its first row's length.
        const std::int64_t w = cur.empty() ? std::max<std::int64_t>(1, lengths[k]) : width;
        const bool fits = cur.empty() || (static_cast<std::int64_t>(cur.size()) < options.maxBatchRows &&
                                          (static_cast<std::int64_t>(cur.size()) + 1) * w <= options.maxBatchTokens);
        if (fits) {
            if (cur.empty()) width = w;
            cur.push_back(k);
        } else {
            batches.push_back({k});
            width = std::max<std::int64_t>(1, lengths[k]);
        }
    }
    return batches;
}

std::vector<std::vector<double>> scoreLoglik(const Model& model, const std::vector<LoglikRequest>& requests,
                                             const EvalOptions& options, Progress& progress) {
    at::NoGradGuard noGrad;
    for (const auto& r : requests) {
        if (r.context.empty()) throw InvalidArgument("scoreLoglik: empty context (expected at least one token)");
        for (const auto& c : r.continuations)
            if (c.empty()) throw InvalidArgument("scoreLoglik: empty continuation (expected at least one token)");
    }
    return options.reuseContext ? scoreWithCache(model, requests, options, progress)
                                : scoreRows(model, requests, options, progress);
}

}  // namespace prominence::eval::detail
