// Qwen2 (Qwen2ForCausalLM): Llama's blocks with q/k/v biases (no o bias). The sliding window
// applies only with use_sliding_window (false in released models), as later transformers do.
#include "core/model/arch_common.h"

namespace prominence {

namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
    readLlamaFamilyConfig(r, c);
    c.qkvBias = true;
    c.oBias = false;
    if (r.boolean("use_sliding_window", false))
        c.slidingWindow = r.integer("sliding_window", 1, std::int64_t{1} << 40);
    if (c.slidingWindow > 0 && r.integer("max_window_layers", 0, 4096, c.numLayers) < c.numLayers)
        r.fail("max_window_layers", "below num_hidden_layers (a window on some layers only) is not supported");
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
    writeLlamaFamilyConfig(c, j);
    j["use_sliding_window"] = c.slidingWindow > 0;
    if (c.slidingWindow > 0) j["sliding_window"] = c.slidingWindow;
}

}  // namespace

const ArchSpec& qwen2Architecture() {
    static const ArchSpec spec{
        "qwen2", "Qwen2ForCausalLM", "", llamaFamilyNames(),
        {R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)"}, readConfig, writeConfig};
    return spec;
}

}  // namespace prominence
