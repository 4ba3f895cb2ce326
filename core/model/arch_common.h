#pragma once
// Config pieces more than one architecture table shares.
#include <nlohmann/json.hpp>

#include "core/model/architecture.h"
#include "core/model/config.h"
#include "core/model/config_reader.h"

namespace prominence {

constexpr std::int64_t kMaxWidthKey = 1 << 20;
constexpr std::int64_t kMaxVocabKey = 1 << 24;

Activation parseActivation(const ConfigReader& reader, const std::string& key, const std::string& value);
// "rope_scaling": null | {"type"|"rope_type": "linear"|"llama3"|"default", ...}.
RopeScaling parseRopeScaling(const ConfigReader& reader, std::int64_t maxPositions);
nlohmann::json ropeScalingJson(const RopeScaling& scaling);

// Llama, Mistral and Qwen2 share their keys and block structure; the tables differ in biases and
// the sliding window, which their readers set after this.
void readLlamaFamilyConfig(const ConfigReader& reader, ModelConfig& config);
void writeLlamaFamilyConfig(const ModelConfig& config, nlohmann::json& json);
// The Llama-family tensor names, with or without q/k/v biases.
std::vector<std::pair<Role, std::string>> llamaFamilyNames();

}  // namespace prominence
