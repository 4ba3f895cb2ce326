#pragma once
// The BPE model of tokenizer.json, as Hugging Face's tokenizers runs it: characters (or, after a
// ByteLevel pre-tokenizer, bytes) become symbols, then the adjacent pair with the lowest merge rank is
// merged, leftmost first, until no pair has a merge. Characters missing from the vocabulary become
// <0xXX> byte tokens (byte_fallback) or the unknown token (fused when fuse_unk).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pipeline.h"
#include "core/tokenizer/vocab.h"
#include "core/tokenizer/word_cache.h"

namespace prominence::tok {

struct BpeOptions {
    std::optional<std::string> unkToken;
    bool fuseUnk = false;
    bool byteFallback = false;
    bool ignoreMerges = false;  // a piece that is itself in the vocabulary is taken whole (Llama-3)
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
};

class BpeModel {
public:
    // `where` names the source in errors ("tokenizer.json: model", "merges.txt").
    BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
             const std::vector<std::size_t>& mergeLines, BpeOptions options, const std::string& where);

    static std::unique_ptr<BpeModel> fromJson(const Json& model, const std::string& where);

    // Appends the tokens of one piece, with offsets into the caller's input.
    void tokenize(const Piece& piece, std::vector<Token>& out) const;

    std::optional<std::int64_t> tokenToId(std::string_view token) const;
    const std::string* idToToken(std::int64_t id) const { return vocab_.token(id); }
    std::int64_t idBound() const { return vocab_.idBound(); }
    std::optional<std::int64_t> unkId() const { return unkId_; }
    std::size_t mergeCount() const { return merges_.size(); }

private:
    void computeWord(std::string_view text, bool byteLevel, std::vector<SubToken>& out) const;
    void addMissing(std::string_view symbol, std::uint32_t byteLength, std::vector<SubToken>& symbols,
                    std::optional<SubToken>& pendingUnk) const;
    void mergeSymbols(std::vector<SubToken>& symbols) const;

    Vocab vocab_;
    MergeTable merges_;
    BpeOptions options_;
    std::optional<std::int64_t> unkId_;
    std::int32_t byteSymbol_[256];    // id of the byte-level character of each byte, or -1
    std::int32_t fallbackByte_[256];  // id of "<0xXX>" for each byte, or -1
    mutable WordCache cache_;
};

}  // namespace prominence::tok
