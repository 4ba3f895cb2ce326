// Training examples: construction, validation and padding into batches.
#include "core/train/example.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence::train {

TrainExample languageModelExample(std::vector<std::int64_t> ids) {
    if (ids.size() < 2) throw InvalidArgument("a language-model example needs at least 2 tokens, got " + std::to_string(ids.size()));
    TrainExample e;
    for (std::size_t t = 0; t + 1 < ids.size(); ++t) {
        e.lossPositions.push_back(static_cast<std::int64_t>(t));
        e.targetIds.push_back(ids[t + 1]);
    }
    e.inputIds = std::move(ids);
    return e;
}

TrainExample continuationExample(const std::vector<std::int64_t>& context, const std::vector<std::int64_t>& continuation) {
    if (context.empty()) throw InvalidArgument("continuation example: the context has no tokens");
    if (continuation.empty()) throw InvalidArgument("continuation example: the continuation has no tokens");
    TrainExample e;
    e.inputIds = context;
    for (std::size_t i = 0; i < continuation.size(); ++i) {
        e.lossPositions.push_back(static_cast<std::int64_t>(context.size() + i) - 1);
        e.targetIds.push_back(continuation[i]);
    }
    // The last continuation token is only a target: nothing is predicted from it.
    e.inputIds.insert(e.inputIds.end(), continuation.begin(), continuation.end() - 1);
    return e;
}

void validateExample(const TrainExample& e, std::int64_t vocab, std::int64_t maxLength, const std::string& what) {
    const auto T = static_cast<std::int64_t>(e.inputIds.size());
    if (T == 0) throw InvalidArgument(what + ": no input tokens");
    if (maxLength > 0 && T > maxLength)
        throw InvalidArgument(what + ": " + std::to_string(T) + " tokens exceed the model's " + std::to_string(maxLength) +
                              " positions");
    if (e.lossPositions.size() != e.targetIds.size())
        throw InvalidArgument(what + ": " + std::to_string(e.lossPositions.size()) + " loss positions but " +
                              std::to_string(e.targetIds.size()) + " targets");
    if (e.lossPositions.empty()) throw InvalidArgument(what + ": no loss positions");
    for (std::size_t i = 0; i < e.inputIds.size(); ++i)
        if (e.inputIds[i] < 0 || e.inputIds[i] >= vocab)
            throw InvalidArgument(what + ": token id " + std::to_string(e.inputIds[i]) + " at position " + std::to_string(i) +
                                  " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
    for (std::size_t i = 0; i < e.lossPositions.size(); ++i) {
        if (e.lossPositions[i] < 0 || e.lossPositions[i] >= T)
            throw InvalidArgument(what + ": loss position " + std::to_string(e.lossPositions[i]) + " is outside [0, " +
                                  std::to_string(T) + ")");
        if (e.targetIds[i] < 0 || e.targetIds[i] >= vocab)
            throw InvalidArgument(what + ": target id " + std::to_string(e.targetIds[i]) + " is outside the vocabulary [0, " +
                                  std::to_string(vocab) + ")");
    }
}

Batch collate(const std::vector<const TrainExample*>& examples, std::int64_t padId, at::Device device) {
    if (examples.empty()) throw InvalidArgument("collate: empty batch");
    std::int64_t T = 0;
    for (const TrainExample* e : examples) T = std::max<std::int64_t>(T, static_cast<std::int64_t>(e->inputIds.size()));
    const auto B = static_cast<std::int64_t>(examples.size());
    std::vector<std::int64_t> ids(static_cast<std::size_t>(B * T), padId), mask(static_cast<std::size_t>(B * T), 0);
    std::vector<std::int64_t> rows, cols, targets;
    for (std::int64_t b = 0; b < B; ++b) {
        const TrainExample& e = *examples[static_cast<std::size_t>(b)];
        std::copy(e.inputIds.begin(), e.inputIds.end(), ids.begin() + b * T);
        std::fill_n(mask.begin() + b * T, e.inputIds.size(), 1);
        for (std::size_t i = 0; i < e.lossPositions.size(); ++i) {
            rows.push_back(b);
            cols.push_back(e.lossPositions[i]);
            targets.push_back(e.targetIds[i]);
        }
    }
    Batch out;
    out.inputIds = at::tensor(ids, at::kLong).view({B, T}).to(device);
    out.attentionMask = at::tensor(mask, at::kLong).view({B, T}).to(device);
    out.lossRows = at::tensor(rows, at::kLong).to(device);
    out.lossCols = at::tensor(cols, at::kLong).to(device);
    out.targets = at::tensor(targets, at::kLong).to(device);
    return out;
}

}  // namespace prominence::train
