// Llama (LlamaForCausalLM): RMSNorm, RoPE (rope_theta, rope_scaling linear | llama3), GQA, SwiGLU.
// attention_bias adds q/k/v/o biases and mlp_bias the MLP ones; embeddings tied or not.
#include "core/model/arch_common.h"

namespace prominence {

namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
    readLlamaFamilyConfig(r, c);
    c.qkvBias = c.oBias = r.boolean("attention_bias", false);
    c.mlpBias = r.boolean("mlp_bias", false);
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
    writeLlamaFamilyConfig(c, j);
    j["attention_bias"] = c.qkvBias;
    if (c.mlpBias || j.contains("mlp_bias")) j["mlp_bias"] = c.mlpBias;
}

}  // namespace

const ArchSpec& llamaArchitecture() {
    static const ArchSpec spec{
        "llama", "LlamaForCausalLM", "", llamaFamilyNames(),
        {R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)"}, readConfig, writeConfig};
    return spec;
}

}  // namespace prominence
