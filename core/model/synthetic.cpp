#include "core/model/synthetic.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>

#include "core/common/error.h"
#include "core/model/architecture.h"
#include "core/model/safetensors.h"

namespace prominence {

namespace {

ModelConfig syntheticConfig(const SyntheticLlamaSizes& s) {
    const nlohmann::json j = {
        {"model_type", "llama"},         {"architectures", {"LlamaForCausalLM"}},
        {"vocab_size", s.vocab},         {"hidden_size", s.hidden},
        {"intermediate_size", s.intermediate}, {"num_hidden_layers", s.layers},
        {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kvHeads},
        {"max_position_embeddings", s.maxPositions}, {"rms_norm_eps", 1e-5},
        {"rope_theta", 10000.0},         {"hidden_act", "silu"},
        {"tie_word_embeddings", s.tied}, {"torch_dtype", "float32"},
        {"bos_token_id", 1},             {"eos_token_id", 2},
        {"initializer_range", 0.02},
    };
    return ModelConfig::fromJson(j, "synthetic llama");
}

}  // namespace

std::int64_t syntheticLlamaParameters(const SyntheticLlamaSizes& sizes) {
    std::int64_t n = 0;
    for (const auto& t : expectedTensors(llamaArchitecture(), syntheticConfig(sizes), true)) {
        std::int64_t k = 1;
        for (auto d : t.shape) k *= d;
        n += k;
    }
    return n;
}

void writeSyntheticLlama(const std::string& dir, const SyntheticLlamaSizes& sizes, std::uint64_t seed) {
    const ModelConfig config = syntheticConfig(sizes);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw StorageError("writeSyntheticLlama: cannot create " + dir + ": " + ec.message());
    {
        std::ofstream out(dir + "/config.json");
        out << config.toJson().dump(2) << "\n";
        if (!out) throw StorageError("writeSyntheticLlama: cannot write " + dir + "/config.json");
    }
    const auto tensors = expectedTensors(llamaArchitecture(), config, true);
    std::vector<SafetensorsWriter::Declared> declared;
    for (const auto& t : tensors) declared.push_back({t.name, at::kFloat, t.shape});
    SafetensorsWriter writer(dir + "/model.safetensors", declared);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (const auto& t : tensors) {
        if (t.shape.size() == 1) writer.add(at::ones(t.shape, at::kFloat));  // RMSNorm weights
        else writer.add(at::normal(0.0, config.initializerRange, t.shape, gen, at::TensorOptions().dtype(at::kFloat)));
    }
    writer.finish();
}

}  // namespace prominence
