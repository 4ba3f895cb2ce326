#include "core/model/config.h"

#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/model/architecture.h"
#include "core/model/config_reader.h"

namespace prominence {

namespace {

// Generous bounds: anything beyond them is a corrupt or hostile file, not a model.
constexpr std::int64_t kMaxWidth = 1 << 20;
constexpr std::int64_t kMaxVocab = 1 << 24;
constexpr std::int64_t kMaxLayers = 4096;

void readCommon(const ConfigReader& r, ModelConfig& c) {
    if (r.has("bos_token_id")) c.bosTokenId = r.integer("bos_token_id", 0, kMaxVocab - 1);
    if (r.has("eos_token_id")) {
        const auto& v = r.json()["eos_token_id"];
        if (v.is_array()) {
            for (const auto& e : v) {
                if (!e.is_number_integer() || e.get<std::int64_t>() < 0)
                    r.fail("eos_token_id", "must be a token id or a list of them, got " + v.dump());
                c.eosTokenIds.push_back(e.get<std::int64_t>());
            }
        } else {
            c.eosTokenIds.push_back(r.integer("eos_token_id", 0, kMaxVocab - 1));
        }
    }
    c.torchDtype = r.string("torch_dtype", "");
    c.initializerRange = r.number("initializer_range", 0.0, 10.0, 0.02);
}

void validate(const ConfigReader& r, const ModelConfig& c) {
    auto need = [&](bool ok, const std::string& key, const std::string& what) {
        if (!ok) r.fail(key, what);
    };
    need(c.vocabSize >= 1 && c.vocabSize <= kMaxVocab, "vocab_size", "out of range");
    need(c.hiddenSize >= 1 && c.hiddenSize <= kMaxWidth, "hidden_size", "out of range");
    need(c.intermediateSize >= 1 && c.intermediateSize <= kMaxWidth, "intermediate_size", "out of range");
    need(c.numLayers >= 1 && c.numLayers <= kMaxLayers, "num_hidden_layers", "out of range");
    need(c.numHeads >= 1 && c.numHeads <= c.hiddenSize * 4, "num_attention_heads", "out of range");
    need(c.numKvHeads >= 1 && c.numHeads % c.numKvHeads == 0, "num_key_value_heads",
         "(" + std::to_string(c.numKvHeads) + ") must divide num_attention_heads (" + std::to_string(c.numHeads) + ")");
    need(c.headDim >= 1 && c.headDim <= 4096, "head_dim", "out of range (" + std::to_string(c.headDim) + ")");
    need(c.rotaryDim % 2 == 0 && c.rotaryDim <= c.headDim, "rotary_dim",
         "rotated dimensions (" + std::to_string(c.rotaryDim) + ") must be even and at most head_dim (" +
             std::to_string(c.headDim) + ")");
    if (c.positions == PositionKind::Learned)
        need(c.maxPositions >= 1 && c.maxPositions <= (1 << 24), "max_position_embeddings", "out of range");
}

}  // namespace

ModelConfig ModelConfig::fromJson(const nlohmann::json& json, const std::string& source) {
    if (!json.is_object()) throw LoadError(source + ": config is not a JSON object");
    ConfigReader reader(json, source);
    ModelConfig c;
    c.original = json;
    c.modelType = reader.string("model_type");
    const ArchSpec& spec = architectureFor(c.modelType, source);
    readCommon(reader, c);
    spec.readConfig(reader, c);
    validate(reader, c);
    return c;
}

ModelConfig ModelConfig::fromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open");
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw LoadError(path + ": not valid JSON: " + e.what());
    }
    return fromJson(json, path);
}

nlohmann::json ModelConfig::toJson() const {
    nlohmann::json j = original.is_object() ? original : nlohmann::json::object();
    const ArchSpec& spec = architectureFor(modelType, "ModelConfig::toJson");
    j["model_type"] = modelType;
    j["architectures"] = {spec.hfClass};
    j["vocab_size"] = vocabSize;
    j["initializer_range"] = initializerRange;
    if (bosTokenId) j["bos_token_id"] = *bosTokenId;
    if (eosTokenIds.size() == 1) j["eos_token_id"] = eosTokenIds.front();
    else if (!eosTokenIds.empty()) j["eos_token_id"] = eosTokenIds;
    if (!torchDtype.empty()) j["torch_dtype"] = torchDtype;
    spec.writeConfig(*this, j);
    return j;
}

}  // namespace prominence
