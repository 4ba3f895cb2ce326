// GPT-2 (GPT2LMHeadModel): LayerNorm, learned absolute positions, fused c_attn, and Conv1D weights
// stored [in, out] (y = x W + b) rather than nn.Linear's [out, in]; the block code multiplies
// without transposing. lm_head is tied to wte and not stored. Published checkpoints drop the
// "transformer." prefix and carry the causal-mask buffers attn.bias / attn.masked_bias, which hold
// no weights and are ignored.
#include "core/model/arch_common.h"

namespace prominence {

namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
    c.vocabSize = r.integer("vocab_size", 1, kMaxVocabKey);
    c.hiddenSize = r.integer("n_embd", 1, kMaxWidthKey);
    c.numLayers = r.integer("n_layer", 1, 4096);
    c.numHeads = r.integer("n_head", 1, kMaxWidthKey);
    if (c.hiddenSize % c.numHeads != 0)
        r.fail("n_head", "(" + std::to_string(c.numHeads) + ") must divide n_embd (" + std::to_string(c.hiddenSize) + ")");
    c.numKvHeads = c.numHeads;
    c.headDim = c.hiddenSize / c.numHeads;
    c.intermediateSize = r.integer("n_inner", 1, kMaxWidthKey, 4 * c.hiddenSize);
    c.maxPositions = r.integer("n_positions", 1, 1 << 24);
    c.normEps = r.number("layer_norm_epsilon", 0.0, 1.0, 1e-5);
    c.hiddenAct = r.string("activation_function", "gelu_new");
    c.activation = parseActivation(r, "activation_function", c.hiddenAct);
    c.scaleAttnWeights = r.boolean("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = r.boolean("scale_attn_by_inverse_layer_idx", false);
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", true);
    c.norm = NormKind::LayerNorm;
    c.layout = WeightLayout::Conv1D;
    c.qkv = QkvLayout::FusedConcat;
    c.positions = PositionKind::Learned;
    c.gatedMlp = false;
    c.qkvBias = c.oBias = c.mlpBias = true;
    c.rotaryDim = 0;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
    j["n_embd"] = c.hiddenSize;
    j["n_layer"] = c.numLayers;
    j["n_head"] = c.numHeads;
    j["n_inner"] = c.intermediateSize == 4 * c.hiddenSize ? nlohmann::json(nullptr) : nlohmann::json(c.intermediateSize);
    j["n_positions"] = c.maxPositions;
    j["layer_norm_epsilon"] = c.normEps;
    j["activation_function"] = c.hiddenAct;
    j["scale_attn_weights"] = c.scaleAttnWeights;
    j["scale_attn_by_inverse_layer_idx"] = c.scaleAttnByInverseLayerIdx;
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

}  // namespace

const ArchSpec& gpt2Architecture() {
    static const ArchSpec spec{
        "gpt2",
        "GPT2LMHeadModel",
        "transformer.",
        {
            {Role::TokenEmbedding, "transformer.wte.weight"},
            {Role::PositionEmbedding, "transformer.wpe.weight"},
            {Role::FinalNormWeight, "transformer.ln_f.weight"},
            {Role::FinalNormBias, "transformer.ln_f.bias"},
            {Role::LmHead, "lm_head.weight"},
            {Role::AttnNormWeight, "transformer.h.{L}.ln_1.weight"},
            {Role::AttnNormBias, "transformer.h.{L}.ln_1.bias"},
            {Role::QkvWeight, "transformer.h.{L}.attn.c_attn.weight"},
            {Role::QkvBias, "transformer.h.{L}.attn.c_attn.bias"},
            {Role::OWeight, "transformer.h.{L}.attn.c_proj.weight"},
            {Role::OBias, "transformer.h.{L}.attn.c_proj.bias"},
            {Role::MlpNormWeight, "transformer.h.{L}.ln_2.weight"},
            {Role::MlpNormBias, "transformer.h.{L}.ln_2.bias"},
            {Role::UpWeight, "transformer.h.{L}.mlp.c_fc.weight"},
            {Role::UpBias, "transformer.h.{L}.mlp.c_fc.bias"},
            {Role::DownWeight, "transformer.h.{L}.mlp.c_proj.weight"},
            {Role::DownBias, "transformer.h.{L}.mlp.c_proj.bias"},
        },
        {R"(h\.\d+\.attn\.(masked_)?bias)"},
        readConfig,
        writeConfig};
    return spec;
}

}  // namespace prominence
