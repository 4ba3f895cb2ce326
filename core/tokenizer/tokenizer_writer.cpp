#include "core/tokenizer/tokenizer_writer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/common/error.h"
#include "core/tokenizer/utf8.h"

namespace prominence {
namespace {

using OrderedJson = nlohmann::ordered_json;
const char* const kMeta = "\xE2\x96\x81";  // ▁

std::string byteToken(int b) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "<0x%02X>", b);
    return buffer;
}

OrderedJson addedToken(std::int64_t id, const std::string& content) {
    return OrderedJson{{"id", id},          {"content", content}, {"single_word", false}, {"lstrip", false},
                       {"rstrip", false},   {"normalized", false}, {"special", true}};
}

OrderedJson specialEntry(const std::string& content) {
    return OrderedJson{{"content", content}, {"lstrip", false}, {"normalized", false},
                       {"rstrip", false},    {"single_word", false}, {"special", true}};
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw StorageError(temp.string() + ": cannot open for writing");
        out << text;
        out.close();
        if (!out) throw StorageError(temp.string() + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) throw StorageError(path.string() + ": cannot replace: " + ec.message());
}

OrderedJson templatePieces(const TokenizerSpec& spec, bool pair) {
    OrderedJson items = OrderedJson::array();
    auto special = [&](const std::string& t, int typeId) {
        items.push_back({{"SpecialToken", {{"id", t}, {"type_id", typeId}}}});
    };
    auto sequence = [&](const char* id, int typeId) { items.push_back({{"Sequence", {{"id", id}, {"type_id", typeId}}}}); };
    if (spec.addBos) special(spec.bosToken, 0);
    sequence("A", 0);
    if (spec.addEos) special(spec.eosToken, 0);
    if (pair) {
        if (spec.addBos) special(spec.bosToken, 1);
        sequence("B", 1);
        if (spec.addEos) special(spec.eosToken, 1);
    }
    return items;
}

}  // namespace

void writeTokenizerJson(const std::string& dir, const TokenizerSpec& spec) {
    std::vector<std::string> tokens = {spec.unkToken, spec.bosToken, spec.eosToken};
    for (int b = 0; b < 256; ++b) tokens.push_back(byteToken(b));
    tokens.insert(tokens.end(), spec.pieces.begin(), spec.pieces.end());

    std::unordered_map<std::string, std::int64_t> ids;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        const std::string what = i < 3 ? "special token '" + t + "'" : "piece " + std::to_string(i - 259) + " '" + t + "'";
        if (t.empty()) throw InvalidArgument("writeTokenizerJson: " + what + " is empty");
        if (!tok::isValidUtf8(t)) throw InvalidArgument("writeTokenizerJson: " + what + " is not valid UTF-8");
        if (t.find(' ') != std::string::npos)
            throw InvalidArgument("writeTokenizerJson: " + what + " contains a space; write spaces as \"\xE2\x96\x81\"");
        if (!ids.emplace(t, static_cast<std::int64_t>(i)).second)
            throw InvalidArgument("writeTokenizerJson: " + what + " duplicates id " + std::to_string(ids[t]));
    }
    OrderedJson merges = OrderedJson::array();
    for (std::size_t i = 0; i < spec.merges.size(); ++i) {
        const auto& [a, b] = spec.merges[i];
        const std::string what = "writeTokenizerJson: merge " + std::to_string(i) + " ('" + a + "', '" + b + "')";
        if (!ids.count(a)) throw InvalidArgument(what + ": '" + a + "' is not a token");
        if (!ids.count(b)) throw InvalidArgument(what + ": '" + b + "' is not a token");
        if (!ids.count(a + b)) throw InvalidArgument(what + ": the result '" + a + b + "' is not a token");
        merges.push_back(a + " " + b);
    }
    OrderedJson vocab = OrderedJson::object();
    for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = static_cast<std::int64_t>(i);

    OrderedJson specialTokens = OrderedJson::object();
    if (spec.addBos) specialTokens[spec.bosToken] = {{"id", spec.bosToken}, {"ids", {1}}, {"tokens", {spec.bosToken}}};
    if (spec.addEos) specialTokens[spec.eosToken] = {{"id", spec.eosToken}, {"ids", {2}}, {"tokens", {spec.eosToken}}};

    OrderedJson tj;
    tj["version"] = "1.0";
    tj["truncation"] = nullptr;
    tj["padding"] = nullptr;
    tj["added_tokens"] = {addedToken(0, spec.unkToken), addedToken(1, spec.bosToken), addedToken(2, spec.eosToken)};
    tj["normalizer"] = {{"type", "Sequence"},
                        {"normalizers",
                         {{{"type", "Prepend"}, {"prepend", kMeta}},
                          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMeta}}}}};
    tj["pre_tokenizer"] = nullptr;
    tj["post_processor"] = {{"type", "TemplateProcessing"},
                            {"single", templatePieces(spec, false)},
                            {"pair", templatePieces(spec, true)},
                            {"special_tokens", specialTokens}};
    tj["decoder"] = {{"type", "Sequence"},
                     {"decoders",
                      {{{"type", "Replace"}, {"pattern", {{"String", kMeta}}}, {"content", " "}},
                       {{"type", "ByteFallback"}},
                       {{"type", "Fuse"}},
                       {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
    tj["model"] = {{"type", "BPE"},
                   {"dropout", nullptr},
                   {"unk_token", spec.unkToken},
                   {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr},
                   {"fuse_unk", true},
                   {"byte_fallback", true},
                   {"vocab", vocab},
                   {"merges", merges}};

    OrderedJson decoder = OrderedJson::object();
    decoder["0"] = specialEntry(spec.unkToken);
    decoder["1"] = specialEntry(spec.bosToken);
    decoder["2"] = specialEntry(spec.eosToken);
    OrderedJson config;
    config["add_bos_token"] = spec.addBos;
    config["add_eos_token"] = spec.addEos;
    config["added_tokens_decoder"] = decoder;
    config["additional_special_tokens"] = OrderedJson::array();
    config["bos_token"] = spec.bosToken;
    config["clean_up_tokenization_spaces"] = false;
    config["eos_token"] = spec.eosToken;
    config["legacy"] = true;
    config["model_max_length"] = spec.modelMaxLength;
    config["pad_token"] = nullptr;
    config["sp_model_kwargs"] = OrderedJson::object();
    config["spaces_between_special_tokens"] = false;
    config["tokenizer_class"] = "LlamaTokenizer";
    config["unk_token"] = spec.unkToken;
    config["use_default_system_prompt"] = false;

    const OrderedJson specialMap = {{"bos_token", spec.bosToken}, {"eos_token", spec.eosToken}, {"unk_token", spec.unkToken}};

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw StorageError(dir + ": cannot create directory: " + ec.message());
    const std::filesystem::path root(dir);
    writeFile(root / "tokenizer.json", tj.dump(2, ' ', false) + "\n");
    writeFile(root / "tokenizer_config.json", config.dump(2, ' ', false) + "\n");
    writeFile(root / "special_tokens_map.json", specialMap.dump(2, ' ', false) + "\n");
}

}  // namespace prominence
