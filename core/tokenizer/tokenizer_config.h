#pragma once
// The parts of transformers' tokenizer_config.json and special_tokens_map.json that change what a
// tokenizer does: special token names, whether BOS/EOS are added, decode clean-up, extra added tokens.
#include <optional>
#include <string>
#include <vector>

#include "core/tokenizer/added_vocabulary.h"

namespace prominence::tok {

struct TokenizerConfig {
    std::optional<std::string> bos, eos, unk, pad;
    std::optional<bool> addBos, addEos;
    std::optional<bool> cleanUpTokenizationSpaces;
    std::optional<bool> addPrefixSpace;
    std::vector<AddedToken> addedTokens;  // from added_tokens_decoder
    std::vector<std::string> filesRead;
};

// Reads special_tokens_map.json then tokenizer_config.json from `dir` (each optional; the second wins).
TokenizerConfig readTokenizerConfig(const std::string& dir);

}  // namespace prominence::tok
