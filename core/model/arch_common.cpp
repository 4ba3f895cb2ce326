#include "core/model/arch_common.h"

#include "core/common/error.h"

namespace prominence {

Activation parseActivation(const ConfigReader& r, const std::string& key, const std::string& value) {
    if (value == "gelu") return Activation::Gelu;
    if (value == "gelu_new" || value == "gelu_pytorch_tanh") return Activation::GeluTanh;
    if (value == "gelu_fast") return Activation::GeluFast;
    if (value == "quick_gelu") return Activation::QuickGelu;
    if (value == "relu") return Activation::Relu;
    if (value == "silu" || value == "swish") return Activation::Silu;
    r.fail(key, "is '" + value + "', not a supported activation (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, "
                                 "quick_gelu, relu, silu, swish)");
}

RopeScaling parseRopeScaling(const ConfigReader& r, std::int64_t maxPositions) {
    RopeScaling s;
    if (!r.has("rope_scaling")) return s;
    const auto& j = r.json()["rope_scaling"];
    if (!j.is_object()) r.fail("rope_scaling", "must be null or an object, got " + j.dump());
    ConfigReader sub(j, r.source() + ": rope_scaling");
    const std::string type = sub.has("rope_type") ? sub.string("rope_type") : sub.string("type");
    if (type == "default") return s;
    if (type == "linear") {
        s.type = RopeScaling::Type::Linear;
        s.factor = sub.number("factor", 1e-6, 1e6);
    } else if (type == "llama3") {
        s.type = RopeScaling::Type::Llama3;
        s.factor = sub.number("factor", 1e-6, 1e6);
        s.lowFreqFactor = sub.number("low_freq_factor", 1e-6, 1e6);
        s.highFreqFactor = sub.number("high_freq_factor", 1e-6, 1e6);
        s.originalMaxPositions = sub.integer("original_max_position_embeddings", 1, 1 << 24);
        if (s.highFreqFactor <= s.lowFreqFactor)
            sub.fail("high_freq_factor", "must exceed low_freq_factor");
    } else {
        r.fail("rope_scaling", "has type '" + type + "'; supported: linear, llama3");
    }
    (void)maxPositions;
    return s;
}

nlohmann::json ropeScalingJson(const RopeScaling& s) {
    switch (s.type) {
    case RopeScaling::Type::None: return nullptr;
    case RopeScaling::Type::Linear: return {{"type", "linear"}, {"factor", s.factor}};
    case RopeScaling::Type::Llama3:
        return {{"rope_type", "llama3"},
                {"factor", s.factor},
                {"low_freq_factor", s.lowFreqFactor},
                {"high_freq_factor", s.highFreqFactor},
                {"original_max_position_embeddings", s.originalMaxPositions}};
    }
    return nullptr;
}

void readLlamaFamilyConfig(const ConfigReader& r, ModelConfig& c) {
    c.vocabSize = r.integer("vocab_size", 1, kMaxVocabKey);
    c.hiddenSize = r.integer("hidden_size", 1, kMaxWidthKey);
    c.intermediateSize = r.integer("intermediate_size", 1, kMaxWidthKey);
    c.numLayers = r.integer("num_hidden_layers", 1, 4096);
    c.numHeads = r.integer("num_attention_heads", 1, kMaxWidthKey);
    c.numKvHeads = r.integer("num_key_value_heads", 1, kMaxWidthKey, c.numHeads);
    if (!r.has("head_dim") && c.hiddenSize % c.numHeads != 0)
        r.fail("num_attention_heads", "(" + std::to_string(c.numHeads) + ") must divide hidden_size (" +
                                          std::to_string(c.hiddenSize) + ") when head_dim is not given");
    c.headDim = r.integer("head_dim", 1, 4096, c.hiddenSize / c.numHeads);
    c.maxPositions = r.integer("max_position_embeddings", 1, 1 << 24, 2048);
    c.normEps = r.number("rms_norm_eps", 0.0, 1.0, 1e-6);
    c.hiddenAct = r.string("hidden_act", "silu");
    c.activation = parseActivation(r, "hidden_act", c.hiddenAct);
    c.ropeTheta = r.number("rope_theta", 1.0, 1e12, 10000.0);
    c.ropeScaling = parseRopeScaling(r, c.maxPositions);
    c.rotaryDim = c.headDim;
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", false);
    c.norm = NormKind::RmsNorm;
    c.layout = WeightLayout::Linear;
    c.qkv = QkvLayout::Separate;
    c.positions = PositionKind::Rotary;
    c.gatedMlp = true;
    c.parallelResidual = false;
}

void writeLlamaFamilyConfig(const ModelConfig& c, nlohmann::json& j) {
    j["vocab_size"] = c.vocabSize;
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j["num_hidden_layers"] = c.numLayers;
    j["num_attention_heads"] = c.numHeads;
    j["num_key_value_heads"] = c.numKvHeads;
    if (c.headDim * c.numHeads != c.hiddenSize || j.contains("head_dim")) j["head_dim"] = c.headDim;
    j["max_position_embeddings"] = c.maxPositions;
    j["rms_norm_eps"] = c.normEps;
    j["hidden_act"] = c.hiddenAct;
    j["rope_theta"] = c.ropeTheta;
    j["rope_scaling"] = ropeScalingJson(c.ropeScaling);
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

std::vector<std::pair<Role, std::string>> llamaFamilyNames() {
    return {
        {Role::TokenEmbedding, "model.embed_tokens.weight"},
        {Role::FinalNormWeight, "model.norm.weight"},
        {Role::LmHead, "lm_head.weight"},
        {Role::AttnNormWeight, "model.layers.{L}.input_layernorm.weight"},
        {Role::MlpNormWeight, "model.layers.{L}.post_attention_layernorm.weight"},
        {Role::QWeight, "model.layers.{L}.self_attn.q_proj.weight"},
        {Role::QBias, "model.layers.{L}.self_attn.q_proj.bias"},
        {Role::KWeight, "model.layers.{L}.self_attn.k_proj.weight"},
        {Role::KBias, "model.layers.{L}.self_attn.k_proj.bias"},
        {Role::VWeight, "model.layers.{L}.self_attn.v_proj.weight"},
        {Role::VBias, "model.layers.{L}.self_attn.v_proj.bias"},
        {Role::OWeight, "model.layers.{L}.self_attn.o_proj.weight"},
        {Role::OBias, "model.layers.{L}.self_attn.o_proj.bias"},
        {Role::GateWeight, "model.layers.{L}.mlp.gate_proj.weight"},
        {Role::GateBias, "model.layers.{L}.mlp.gate_proj.bias"},
        {Role::UpWeight, "model.layers.{L}.mlp.up_proj.weight"},
        {Role::UpBias, "model.layers.{L}.mlp.up_proj.bias"},
        {Role::DownWeight, "model.layers.{L}.mlp.down_proj.weight"},
        {Role::DownBias, "model.layers.{L}.mlp.down_proj.bias"},
    };
}

}  // namespace prominence
