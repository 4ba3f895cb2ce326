#include "core/lab/lab_tokenizer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace prominence::lab {
namespace {

std::string utf8(std::uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others (space, newline,
// controls) are shifted to 256 + n, so " " is "Ġ" and "\n" is "Ċ".
std::vector<std::string> byteSymbols() {
    std::vector<std::string> symbols(256);
    int shifted = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        symbols[static_cast<std::size_t>(b)] = utf8(printable ? static_cast<std::uint32_t>(b)
                                                               : static_cast<std::uint32_t>(256 + shifted++));
    }
    return symbols;
}

void writeFileAtomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw StorageError("lab tokenizer: cannot write '" + tmp + "'");
        out << text;
        if (!out.flush()) throw StorageError("lab tokenizer: writing '" + tmp + "' failed");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw StorageError("lab tokenizer: cannot rename '" + tmp + "' to '" + path + "'");
}

nlohmann::json addedToken(std::int64_t id, const std::string& content) {
    return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", false}, {"special", true}};
}

}  // namespace

std::int64_t writeLabTokenizer(const std::string& dir, const std::vector<std::string>& chunks) {
    const std::vector<std::string> symbols = byteSymbols();
    nlohmann::json vocab = nlohmann::json::object();
    const std::vector<std::string> specials = {"<pad>", "<s>", "</s>"};
    std::int64_t next = 0;
    for (const std::string& s : specials) vocab[s] = next++;
    for (const std::string& s : symbols) vocab[s] = next++;

    // A chunk becomes one token through a left-to-right chain of merges (prefix, next symbol). Chains
    // of space-led chunks ("Ġapple") rank before the others ("Question"): in a space-led chunk only
    // the leftmost piece starts with "Ġ", so its chain is the only one that can fire until the whole
    // chunk is one token, whatever other chains exist.
    std::vector<std::vector<std::string>> spaced, plain;
    for (const std::string& chunk : chunks) {
        if (chunk.empty()) throw InvalidArgument("lab tokenizer: empty chunk");
        std::vector<std::string> pieces;
        for (unsigned char b : chunk) pieces.push_back(symbols[b]);
        (chunk[0] == ' ' ? spaced : plain).push_back(std::move(pieces));
    }
    nlohmann::json merges = nlohmann::json::array();
    std::set<std::string> seen;
    for (const auto* group : {&spaced, &plain}) {
        for (const std::vector<std::string>& pieces : *group) {
            std::string prefix = pieces[0];
            for (std::size_t k = 1; k < pieces.size(); ++k) {
                const std::string merged = prefix + pieces[k];
                if (seen.insert(merged).second) {
                    merges.push_back(prefix + " " + pieces[k]);
                    vocab[merged] = next++;
                }
                prefix = merged;
            }
        }
    }

    nlohmann::json added = nlohmann::json::array();
    for (std::size_t i = 0; i < specials.size(); ++i) added.push_back(addedToken(static_cast<std::int64_t>(i), specials[i]));
    const nlohmann::json bos = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
    nlohmann::json tok = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", added},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"pair", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {kBosId}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
          {"vocab", vocab}, {"merges", merges}}},
    };
    const nlohmann::json config = {
        {"tokenizer_class", "PreTrainedTokenizerFast"}, {"bos_token", "<s>"}, {"eos_token", "</s>"},
        {"pad_token", "<pad>"}, {"add_bos_token", true}, {"add_eos_token", false},
        {"clean_up_tokenization_spaces", false}, {"model_max_length", 512}};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw StorageError("lab tokenizer: cannot create '" + dir + "': " + ec.message());
    writeFileAtomically(dir + "/tokenizer.json", tok.dump(1) + "\n");
    writeFileAtomically(dir + "/tokenizer_config.json", config.dump(2) + "\n");
    return next;
}

}  // namespace prominence::lab
