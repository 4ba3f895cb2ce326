#include "core/model/architecture.h"

#include <regex>

#include "core/common/error.h"

namespace prominence {

bool isLayerRole(Role role) { return static_cast<int>(role) >= static_cast<int>(Role::AttnNormWeight); }

namespace {

const std::vector<const ArchSpec*>& registry() {
    // Adding a family: one arch_<name>.cpp with its table, and one line here.
    static const std::vector<const ArchSpec*> specs = {
        &gpt2Architecture(), &llamaArchitecture(), &mistralArchitecture(), &qwen2Architecture(),
        &gptNeoxArchitecture(),
    };
    return specs;
}

std::string expand(const std::string& pattern, int layer) {
    const auto at = pattern.find("{L}");
    if (at == std::string::npos) return pattern;
    return pattern.substr(0, at) + std::to_string(layer) + pattern.substr(at + 3);
}

}  // namespace

const ArchSpec& architectureFor(const std::string& modelType, const std::string& source) {
    for (const ArchSpec* spec : registry())
        if (spec->modelType == modelType) return *spec;
    std::string known;
    for (const auto& n : supportedArchitectures()) known += (known.empty() ? "" : ", ") + n;
    throw LoadError(source + ": key 'model_type' is '" + modelType + "', not a supported architecture (" + known + ")");
}

std::vector<std::string> supportedArchitectures() {
    std::vector<std::string> names;
    for (const ArchSpec* spec : registry()) names.push_back(spec->modelType);
    return names;
}

std::vector<ExpectedTensor> expectedTensors(const ArchSpec& spec, const ModelConfig& c, bool withOptionalPrefix) {
    const std::int64_t H = c.hiddenSize, I = c.intermediateSize, V = c.vocabSize;
    const std::int64_t nq = c.numHeads * c.headDim, nkv = c.numKvHeads * c.headDim;
    const bool layerNorm = c.norm == NormKind::LayerNorm;
    auto lin = [&](std::int64_t out, std::int64_t in) {
        return c.layout == WeightLayout::Linear ? std::vector<std::int64_t>{out, in}
                                                : std::vector<std::int64_t>{in, out};
    };

    // Which roles this configuration uses, with their shapes.
    std::vector<std::pair<Role, std::vector<std::int64_t>>> used = {{Role::TokenEmbedding, {V, H}}};
    if (c.positions == PositionKind::Learned) used.push_back({Role::PositionEmbedding, {c.maxPositions, H}});
    used.push_back({Role::FinalNormWeight, {H}});
    if (layerNorm) used.push_back({Role::FinalNormBias, {H}});
    if (!c.tieWordEmbeddings) used.push_back({Role::LmHead, {V, H}});
    std::vector<std::pair<Role, std::vector<std::int64_t>>> perLayer = {{Role::AttnNormWeight, {H}}};
    if (layerNorm) perLayer.push_back({Role::AttnNormBias, {H}});
    perLayer.push_back({Role::MlpNormWeight, {H}});
    if (layerNorm) perLayer.push_back({Role::MlpNormBias, {H}});
    switch (c.qkv) {
    case QkvLayout::Separate:
        perLayer.push_back({Role::QWeight, lin(nq, H)});
        if (c.qkvBias) perLayer.push_back({Role::QBias, {nq}});
        perLayer.push_back({Role::KWeight, lin(nkv, H)});
        if (c.qkvBias) perLayer.push_back({Role::KBias, {nkv}});
        perLayer.push_back({Role::VWeight, lin(nkv, H)});
        if (c.qkvBias) perLayer.push_back({Role::VBias, {nkv}});
        break;
    case QkvLayout::FusedConcat:
    case QkvLayout::FusedPerHead:
        perLayer.push_back({Role::QkvWeight, lin(nq + 2 * nkv, H)});
        if (c.qkvBias) perLayer.push_back({Role::QkvBias, {nq + 2 * nkv}});
        break;
    }
    perLayer.push_back({Role::OWeight, lin(H, nq)});
    if (c.oBias) perLayer.push_back({Role::OBias, {H}});
    if (c.gatedMlp) {
        perLayer.push_back({Role::GateWeight, lin(I, H)});
        if (c.mlpBias) perLayer.push_back({Role::GateBias, {I}});
    }
    perLayer.push_back({Role::UpWeight, lin(I, H)});
    if (c.mlpBias) perLayer.push_back({Role::UpBias, {I}});
    perLayer.push_back({Role::DownWeight, lin(H, I)});
    if (c.mlpBias) perLayer.push_back({Role::DownBias, {H}});

    auto templateFor = [&](Role role) -> std::string {
        for (const auto& [r, name] : spec.names)
            if (r == role) {
                if (!withOptionalPrefix && !spec.optionalPrefix.empty() && name.rfind(spec.optionalPrefix, 0) == 0)
                    return name.substr(spec.optionalPrefix.size());
                return name;
            }
        throw LoadError("architecture table '" + spec.modelType + "' has no tensor name for role " +
                        std::to_string(static_cast<int>(role)) + " that this config needs");
    };

    std::vector<ExpectedTensor> out;
    for (auto& [role, shape] : used) out.push_back({role, -1, templateFor(role), shape});
    for (int L = 0; L < c.numLayers; ++L)
        for (auto& [role, shape] : perLayer) out.push_back({role, L, expand(templateFor(role), L), shape});
    return out;
}

bool isIgnoredTensor(const ArchSpec& spec, const std::string& name) {
    std::string bare = name;
    if (!spec.optionalPrefix.empty() && bare.rfind(spec.optionalPrefix, 0) == 0) bare = bare.substr(spec.optionalPrefix.size());
    for (const auto& pattern : spec.ignored)
        if (std::regex_match(bare, std::regex(pattern))) return true;
    return false;
}

}  // namespace prominence
