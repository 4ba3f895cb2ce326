#pragma once
// config.json of a Hugging Face checkpoint, parsed into one architecture-neutral description.
//
// Each architecture table (arch_*.cpp) reads its own key names (GPT-2's n_embd, NeoX's rotary_pct...)
// into these fields and sets the structural flags, so the shared block code never asks "is this
// GPT-2?". Every value is validated on the way in; errors name the file and the key.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence {

enum class NormKind { LayerNorm, RmsNorm };
// Linear stores weights [out, in]; GPT-2's Conv1D stores them [in, out] (y = x W + b).
enum class WeightLayout { Linear, Conv1D };
// Separate q/k/v projections; GPT-2's c_attn with [q | k | v] along the output; GPT-NeoX's
// query_key_value whose output is per head [q, k, v] (view [.., heads, 3 * head_dim]).
enum class QkvLayout { Separate, FusedConcat, FusedPerHead };
enum class PositionKind { Learned, Rotary };
enum class Activation { Gelu, GeluTanh, GeluFast, QuickGelu, Relu, Silu };

struct RopeScaling {
    enum class Type { None, Linear, Llama3 };
    Type type = Type::None;
    double factor = 1.0;
    double lowFreqFactor = 1.0;              // llama3 only
    double highFreqFactor = 4.0;             // llama3 only
    std::int64_t originalMaxPositions = 0;   // llama3 only
};

struct ModelConfig {
    std::string modelType;  // config.json "model_type": gpt2, llama, mistral, qwen2, gpt_neox
    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;
    std::int64_t intermediateSize = 0;
    std::int64_t numLayers = 0;
    std::int64_t numHeads = 0;
    std::int64_t numKvHeads = 0;
    std::int64_t headDim = 0;
    std::int64_t maxPositions = 0;
    double normEps = 1e-5;
    double initializerRange = 0.02;
    std::string hiddenAct;  // as written in config.json
    Activation activation = Activation::Silu;

    NormKind norm = NormKind::RmsNorm;
    WeightLayout layout = WeightLayout::Linear;
    QkvLayout qkv = QkvLayout::Separate;
    PositionKind positions = PositionKind::Rotary;
    bool gatedMlp = true;
    bool qkvBias = false;
    bool oBias = false;
    bool mlpBias = false;
    bool parallelResidual = false;
    bool tieWordEmbeddings = false;
    bool scaleAttnWeights = true;            // GPT-2: divide scores by sqrt(head_dim)
    bool scaleAttnByInverseLayerIdx = false; // GPT-2: also divide by (layer + 1)

    double ropeTheta = 10000.0;
    std::int64_t rotaryDim = 0;  // leading dims of each head that are rotated (NeoX rotary_pct)
    RopeScaling ropeScaling;
    std::int64_t slidingWindow = 0;  // 0: none. Query i sees key j iff 0 <= i - j <= window.

    std::optional<std::int64_t> bosTokenId;
    std::vector<std::int64_t> eosTokenIds;
    std::string torchDtype;  // "float32", "bfloat16", ... as written; informational

    // The file as read, so toJson() keeps keys this struct does not model.
    nlohmann::json original;

    // Parses and validates; `source` (a path) prefixes every error message.
    static ModelConfig fromJson(const nlohmann::json& json, const std::string& source);
    static ModelConfig fromFile(const std::string& path);
    // An HF-compatible config.json for this configuration (the original keys, updated).
    nlohmann::json toJson() const;

    std::int64_t numKvGroups() const { return numHeads / numKvHeads; }
};

}  // namespace prominence
