// GPT-NeoX / Pythia (GPTNeoXForCausalLM): LayerNorm, partial rotary (the first rotary_pct of each
// head), fused query_key_value whose output is laid out per head as [q, k, v], parallel residual
// (x + attn(ln1 x) + mlp(ln2 x)) when use_parallel_residual, untied embed_out.
#include "core/model/arch_common.h"

namespace prominence {

namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
    c.vocabSize = r.integer("vocab_size", 1, kMaxVocabKey);
    c.hiddenSize = r.integer("hidden_size", 1, kMaxWidthKey);
    c.intermediateSize = r.integer("intermediate_size", 1, kMaxWidthKey);
    c.numLayers = r.integer("num_hidden_layers", 1, 4096);
    c.numHeads = r.integer("num_attention_heads", 1, kMaxWidthKey);
    if (c.hiddenSize % c.numHeads != 0)
        r.fail("num_attention_heads", "(" + std::to_string(c.numHeads) + ") must divide hidden_size (" +
                                          std::to_string(c.hiddenSize) + ")");
    c.numKvHeads = c.numHeads;
    c.headDim = c.hiddenSize / c.numHeads;
    c.maxPositions = r.integer("max_position_embeddings", 1, 1 << 24, 2048);
    c.normEps = r.number("layer_norm_eps", 0.0, 1.0, 1e-5);
    c.hiddenAct = r.string("hidden_act", "gelu");
    c.activation = parseActivation(r, "hidden_act", c.hiddenAct);
    const double pct = r.number("rotary_pct", 0.0, 1.0, 0.25);
    c.rotaryDim = static_cast<std::int64_t>(static_cast<double>(c.headDim) * pct);  // int() as transformers
    c.ropeTheta = r.number("rotary_emb_base", 1.0, 1e12, 10000.0);
    c.ropeScaling = parseRopeScaling(r, c.maxPositions);
    if (c.ropeScaling.type == RopeScaling::Type::Llama3) r.fail("rope_scaling", "llama3 scaling is not defined for gpt_neox");
    c.parallelResidual = r.boolean("use_parallel_residual", true);
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", false);
    c.qkvBias = c.oBias = r.boolean("attention_bias", true);
    c.mlpBias = true;
    c.norm = NormKind::LayerNorm;
    c.layout = WeightLayout::Linear;
    c.qkv = QkvLayout::FusedPerHead;
    c.positions = PositionKind::Rotary;
    c.gatedMlp = false;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j["num_hidden_layers"] = c.numLayers;
    j["num_attention_heads"] = c.numHeads;
    j["max_position_embeddings"] = c.maxPositions;
    j["layer_norm_eps"] = c.normEps;
    j["hidden_act"] = c.hiddenAct;
    if (!j.contains("rotary_pct")) j["rotary_pct"] = static_cast<double>(c.rotaryDim) / static_cast<double>(c.headDim);
    j["rotary_emb_base"] = c.ropeTheta;
    j["rope_scaling"] = ropeScalingJson(c.ropeScaling);
    j["use_parallel_residual"] = c.parallelResidual;
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    j["attention_bias"] = c.qkvBias;
}

}  // namespace

const ArchSpec& gptNeoxArchitecture() {
    static const ArchSpec spec{
        "gpt_neox",
        "GPTNeoXForCausalLM",
        "",
        {
            {Role::TokenEmbedding, "gpt_neox.embed_in.weight"},
            {Role::FinalNormWeight, "gpt_neox.final_layer_norm.weight"},
            {Role::FinalNormBias, "gpt_neox.final_layer_norm.bias"},
            {Role::LmHead, "embed_out.weight"},
            {Role::AttnNormWeight, "gpt_neox.layers.{L}.input_layernorm.weight"},
            {Role::AttnNormBias, "gpt_neox.layers.{L}.input_layernorm.bias"},
            {Role::MlpNormWeight, "gpt_neox.layers.{L}.post_attention_layernorm.weight"},
            {Role::MlpNormBias, "gpt_neox.layers.{L}.post_attention_layernorm.bias"},
            {Role::QkvWeight, "gpt_neox.layers.{L}.attention.query_key_value.weight"},
            {Role::QkvBias, "gpt_neox.layers.{L}.attention.query_key_value.bias"},
            {Role::OWeight, "gpt_neox.layers.{L}.attention.dense.weight"},
            {Role::OBias, "gpt_neox.layers.{L}.attention.dense.bias"},
            {Role::UpWeight, "gpt_neox.layers.{L}.mlp.dense_h_to_4h.weight"},
            {Role::UpBias, "gpt_neox.layers.{L}.mlp.dense_h_to_4h.bias"},
            {Role::DownWeight, "gpt_neox.layers.{L}.mlp.dense_4h_to_h.weight"},
            {Role::DownBias, "gpt_neox.layers.{L}.mlp.dense_4h_to_h.bias"},
        },
        {R"(gpt_neox\.layers\.\d+\.attention\.(bias|masked_bias|rotary_emb\.inv_freq))"},
        readConfig,
        writeConfig};
    return spec;
}

}  // namespace prominence
