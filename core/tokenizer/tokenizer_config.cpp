#include "core/tokenizer/tokenizer_config.h"

#include <filesystem>
#include <limits>

#include "core/tokenizer/json_util.h"

namespace prominence::tok {
namespace {

// A special token is written as "<s>", as {"content": "<s>", ...} (AddedToken), or null.
std::optional<std::string> tokenName(const Json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object()) return requireString(*it, "content", child(where, key));
    formatError(child(where, key), "expected a token string or {\"content\": ...}, found " + describeType(*it));
}

std::optional<bool> flag(const Json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) formatError(child(where, key), "expected true or false, found " + describeType(*it));
    return it->get<bool>();
}

void readSpecialNames(const Json& j, const std::string& where, TokenizerConfig& config) {
    if (!j.is_object()) formatError(where, "expected an object, found " + describeType(j));
    if (j.contains("bos_token")) config.bos = tokenName(j, "bos_token", where);
    if (j.contains("eos_token")) config.eos = tokenName(j, "eos_token", where);
    if (j.contains("unk_token")) config.unk = tokenName(j, "unk_token", where);
    if (j.contains("pad_token")) config.pad = tokenName(j, "pad_token", where);
}

}  // namespace

TokenizerConfig readTokenizerConfig(const std::string& dir) {
    namespace fs = std::filesystem;
    TokenizerConfig config;
    const fs::path mapPath = fs::path(dir) / "special_tokens_map.json";
    if (fs::is_regular_file(mapPath)) {
        const std::string where = mapPath.string();
        readSpecialNames(readJsonFile(where), where, config);
        config.filesRead.push_back(where);
    }
    const fs::path configPath = fs::path(dir) / "tokenizer_config.json";
    if (!fs::is_regular_file(configPath)) return config;
    const std::string where = configPath.string();
    const Json j = readJsonFile(where);
    config.filesRead.push_back(where);
    readSpecialNames(j, where, config);
    config.addBos = flag(j, "add_bos_token", where);
    config.addEos = flag(j, "add_eos_token", where);
    config.cleanUpTokenizationSpaces = flag(j, "clean_up_tokenization_spaces", where);
    config.addPrefixSpace = flag(j, "add_prefix_space", where);
    const auto decoder = j.find("added_tokens_decoder");
    if (decoder != j.end() && !decoder->is_null()) {
        const std::string dw = child(where, "added_tokens_decoder");
        if (!decoder->is_object()) formatError(dw, "expected an object of id → token, found " + describeType(*decoder));
        for (auto it = decoder->begin(); it != decoder->end(); ++it) {
            const std::string tw = child(dw, it.key().c_str());
            AddedToken t;
            std::size_t used = 0;
            long long id = -1;
            try {
                id = std::stoll(it.key(), &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != it.key().size() || id < 0 || id > std::numeric_limits<std::int32_t>::max())
                formatError(tw, "the key must be a non-negative integer id");
            t.id = id;
            t.content = requireString(it.value(), "content", tw);
            t.singleWord = optionalBool(it.value(), "single_word", tw, false);
            t.lstrip = optionalBool(it.value(), "lstrip", tw, false);
            t.rstrip = optionalBool(it.value(), "rstrip", tw, false);
            t.normalized = optionalBool(it.value(), "normalized", tw, true);
            t.special = optionalBool(it.value(), "special", tw, false);
            config.addedTokens.push_back(t);
        }
    }
    return config;
}

}  // namespace prominence::tok
