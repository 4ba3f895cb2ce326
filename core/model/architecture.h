#pragma once
// Architectures as tables, as llama.cpp does: each family is one ArchSpec (in its own arch_*.cpp)
// that maps tensor roles to HF name templates and reads its config.json keys; the block code is
// shared and driven by the structural flags in ModelConfig.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/config.h"

namespace prominence {

enum class Role {
    // global
    TokenEmbedding,
    PositionEmbedding,
    FinalNormWeight,
    FinalNormBias,
    LmHead,
    // per layer
    AttnNormWeight,
    AttnNormBias,
    MlpNormWeight,
    MlpNormBias,
    QkvWeight,
    QkvBias,
    QWeight,
    QBias,
    KWeight,
    KBias,
    VWeight,
    VBias,
    OWeight,
    OBias,
    UpWeight,
    UpBias,
    GateWeight,
    GateBias,
    DownWeight,
    DownBias,
};
constexpr int kRoleCount = static_cast<int>(Role::DownBias) + 1;
bool isLayerRole(Role role);

class ConfigReader;

struct ArchSpec {
    std::string modelType;  // config.json "model_type"
    std::string hfClass;    // "architectures": [hfClass] written by toJson
    // A prefix that published checkpoints may omit (GPT-2's "transformer."); detected at load.
    std::string optionalPrefix;
    // Name templates; "{L}" is the layer index. A role absent from the table is not used.
    std::vector<std::pair<Role, std::string>> names;
    // Tensors a checkpoint may hold that carry no weights (mask buffers, cached inv_freq); regexes
    // matched against the whole name with optionalPrefix removed.
    std::vector<std::string> ignored;
    // Reads this family's keys into `config` and sets its structural flags.
    void (*readConfig)(const ConfigReader& reader, ModelConfig& config);
    // Writes this family's keys for `config` into `json`.
    void (*writeConfig)(const ModelConfig& config, nlohmann::json& json);
};

// The registry; throws LoadError naming `source` and the supported types for an unknown one.
const ArchSpec& architectureFor(const std::string& modelType, const std::string& source);
std::vector<std::string> supportedArchitectures();

// One tensor a checkpoint of `config` must hold.
struct ExpectedTensor {
    Role role;
    int layer;  // -1 for global roles
    std::string name;
    std::vector<std::int64_t> shape;
};
// In checkpoint order of roles (globals, then layer by layer). `prefix` is the optional prefix as
// present in the checkpoint ("" when omitted).
std::vector<ExpectedTensor> expectedTensors(const ArchSpec& spec, const ModelConfig& config,
                                            bool withOptionalPrefix);
// Whether `name` is one of the spec's ignorable buffers.
bool isIgnoredTensor(const ArchSpec& spec, const std::string& name);

// Family tables, one per file.
const ArchSpec& gpt2Architecture();
const ArchSpec& llamaArchitecture();
const ArchSpec& mistralArchitecture();
const ArchSpec& qwen2Architecture();
const ArchSpec& gptNeoxArchitecture();

}  // namespace prominence
