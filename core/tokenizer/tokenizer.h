#pragma once
// Hugging Face tokenizers, loaded from tokenizer.json (+ tokenizer_config.json) or GPT-2's
// vocab.json + merges.txt, encoding and decoding as transformers does: byte-level BPE (GPT-2,
// GPT-NeoX, Llama-3, Qwen2) and SentencePiece-style BPE with byte fallback (Llama-2, Mistral,
// TinyStories). What is supported, the invalid UTF-8 policy and how offsets are defined:
// docs/tokenizer.md.
//
// A Tokenizer is immutable after load; copies share one loaded vocabulary and every const member is
// safe to call from many threads at once.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prominence {

// Bytes [begin, end) of the text passed to encode. Tokens the post-processor adds get {0, 0}.
struct TokenOffset {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool operator==(const TokenOffset& o) const { return begin == o.begin && end == o.end; }
};

struct Encoding {
    std::vector<std::int64_t> ids;
    std::vector<std::string> tokens;   // vocabulary strings: "Ġworld", "▁Hello", "<0x0A>", "<s>"
    std::vector<TokenOffset> offsets;  // one per id
    std::vector<bool> special;         // true for tokens the post-processor added (BOS, EOS, ...)
};

class Tokenizer {
public:
    // `path`: a directory holding tokenizer.json (+ tokenizer_config.json, special_tokens_map.json) or
    // GPT-2's vocab.json + merges.txt; or a tokenizer.json file (its directory is searched for the
    // config); or a vocab.json file with merges.txt beside it. Throws LoadError when files are missing
    // or unreadable, FormatError naming the file and key when their content is wrong or unsupported.
    static Tokenizer load(const std::string& path);

    // Text must be UTF-8; ill-formed sequences are encoded as U+FFFD (see docs/tokenizer.md).
    // Special tokens written in the text are always recognised; `addSpecialTokens` adds BOS/EOS as the
    // tokenizer's post-processor and tokenizer_config.json say.
    std::vector<std::int64_t> encode(std::string_view text, bool addSpecialTokens = false) const;
    Encoding encodeWithOffsets(std::string_view text, bool addSpecialTokens = false) const;
    // Uses up to `threads` threads (0: one per hardware core, at most 8); results in input order.
    std::vector<std::vector<std::int64_t>> encodeBatch(const std::vector<std::string>& texts,
                                                       bool addSpecialTokens = false, int threads = 0) const;

    // Always returns well-formed UTF-8. Throws InvalidArgument for an id outside the vocabulary.
    // Applies clean_up_tokenization_spaces when tokenizer_config.json asks for it (transformers' default).
    std::string decode(const std::vector<std::int64_t>& ids, bool skipSpecialTokens = false) const;

    std::optional<std::int64_t> tokenToId(std::string_view token) const;
    // Throws InvalidArgument for an id outside the vocabulary.
    std::string idToToken(std::int64_t id) const;
    bool isSpecial(std::int64_t id) const;

    std::optional<std::int64_t> bosId() const;
    std::optional<std::int64_t> eosId() const;
    std::optional<std::int64_t> padId() const;
    std::optional<std::int64_t> unkId() const;
    std::int64_t vocabSize() const;  // highest id + 1, added tokens included
    // How many ids encode(text, true) adds to encode(text, false).
    std::size_t specialTokensAdded() const;
    // The file the vocabulary was read from.
    const std::string& sourcePath() const;

    struct Impl;

private:
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    void encodeInto(std::string_view text, bool addSpecialTokens, Encoding* full, std::vector<std::int64_t>* ids) const;

    std::shared_ptr<const Impl> impl_;
};

}  // namespace prominence
