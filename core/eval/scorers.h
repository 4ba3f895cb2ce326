#pragma once
// The two scorers behind evaluate(): prompts in, per-option scores out (internal to core/eval).
#include <cstdint>
#include <string>
#include <vector>

#include "core/eval/evaluator.h"

namespace prominence::eval::detail {

struct LoglikRequest {
    std::vector<std::int64_t> context;                    // shared by every continuation
    std::vector<std::vector<std::int64_t>> continuations;  // one per option, each non-empty
};

// Summed log-likelihood of each continuation, per request. Batched by length; with `reuseContext`
// each context runs once and its continuations are scored against its KV cache.
std::vector<std::vector<double>> scoreLoglik(const Model& model, const std::vector<LoglikRequest>& requests,
                                             const EvalOptions& options, Progress& progress);

struct LetterRequest {
    std::vector<std::int64_t> prompt;
    std::vector<std::int64_t> letterIds;  // one token per option
};

// log_softmax of the next-token logits after each prompt, at the letter ids.
std::vector<std::vector<double>> scoreLetters(const Model& model, const std::vector<LetterRequest>& requests,
                                              const EvalOptions& options, Progress& progress);

// Rows grouped into batches within the options' limits, longest first (lm-eval's order: the first
// batch is the largest, so memory trouble shows at once).
std::vector<std::vector<std::size_t>> packByLength(const std::vector<std::int64_t>& lengths, const EvalOptions& options);

}  // namespace prominence::eval::detail
