#pragma once
// Greedy decoding with a KV cache: a sanity check ("what does the model say") and the GUI's panel.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/jobs/progress.h"
#include "core/model/model.h"

namespace prominence {

struct GenerateOptions {
    std::int64_t maxNewTokens = 32;
    // Stop after producing one of these (config.json's eos_token_id when empty and stopAtEos).
    std::vector<std::int64_t> stopTokens;
    bool stopAtEos = true;
    const NeuronMask* neuronMask = nullptr;
};

struct GenerateResult {
    std::vector<std::int64_t> tokens;  // new tokens only (a stop token included)
    bool stopped = false;              // ended on a stop token rather than maxNewTokens
};

// `prompt` must hold at least one id (a BOS for unconditional text). Runs without autograd.
GenerateResult generateGreedy(const Model& model, const std::vector<std::int64_t>& prompt,
                              const GenerateOptions& options = {}, Progress& progress = Progress::none());

}  // namespace prominence
