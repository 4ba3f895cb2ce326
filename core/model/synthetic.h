#pragma once
// Synthetic Llama-style checkpoints for benchmarks: an HF directory (config.json + model.safetensors)
// of a chosen size with seeded random weights, written one tensor at a time so a 100M-parameter
// checkpoint never sits in memory whole.
#include <cstdint>
#include <string>

namespace prominence {

struct SyntheticLlamaSizes {
    std::int64_t vocab = 16000;
    std::int64_t hidden = 768;
    std::int64_t intermediate = 2048;
    std::int64_t layers = 12;
    std::int64_t heads = 12;
    std::int64_t kvHeads = 4;
    std::int64_t maxPositions = 2048;
    bool tied = false;
};

// Parameters a checkpoint of these sizes holds.
std::int64_t syntheticLlamaParameters(const SyntheticLlamaSizes& sizes);
// Writes dir/config.json and dir/model.safetensors (F32; weights normal(0, 0.02), norms 1).
void writeSyntheticLlama(const std::string& dir, const SyntheticLlamaSizes& sizes, std::uint64_t seed);

}  // namespace prominence
