#pragma once
// Writes a SentencePiece-style BPE tokenizer (Llama layout, byte fallback) that Prominence and
// Hugging Face transformers both load: tokenizer.json, tokenizer_config.json, special_tokens_map.json.
//
// Ids are laid out as in Llama-2 and stories260K-hf: 0 unk, 1 bos, 2 eos, 3..258 the byte tokens
// <0x00>..<0xFF>, then `pieces` in order from 259. The text is normalized by prepending "▁" and
// replacing spaces by "▁"; characters no piece covers fall back to their bytes.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace prominence {

struct TokenizerSpec {
    std::vector<std::string> pieces;                          // spaces written as "▁" (U+2581); no ' '
    std::vector<std::pair<std::string, std::string>> merges;  // highest priority first
    std::string unkToken = "<unk>";
    std::string bosToken = "<s>";
    std::string eosToken = "</s>";
    bool addBos = true;  // what encode(text, addSpecialTokens=true) adds
    bool addEos = false;
    std::int64_t modelMaxLength = 2048;
};

// Creates `dir` if needed and writes the three files. Throws InvalidArgument naming the piece or merge
// when the spec is inconsistent (duplicate piece, a merge whose halves or result are not pieces),
// StorageError when a file cannot be written.
void writeTokenizerJson(const std::string& dir, const TokenizerSpec& spec);

}  // namespace prominence
