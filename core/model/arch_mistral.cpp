// Mistral (MistralForCausalLM): Llama's blocks plus a sliding attention window. transformers v4.40's
// rule (eager attention) is used: query i sees key j iff 0 <= i - j <= sliding_window, i and j being
// indices in the sequence (cache included), so a window of W lets a query see W + 1 keys.
#include "core/model/arch_common.h"

namespace prominence {

namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
    readLlamaFamilyConfig(r, c);
    c.slidingWindow = r.integer("sliding_window", 1, std::int64_t{1} << 40, 0);
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
    writeLlamaFamilyConfig(c, j);
    if (c.slidingWindow > 0) j["sliding_window"] = c.slidingWindow;
    else j["sliding_window"] = nullptr;
}

}  // namespace

const ArchSpec& mistralArchitecture() {
    static const ArchSpec spec{
        "mistral", "MistralForCausalLM", "", llamaFamilyNames(),
        {R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)"}, readConfig, writeConfig};
    return spec;
}

}  // namespace prominence
