#pragma once
// Added tokens (special or not) are cut out of the text before the model sees it, as Hugging Face's
// AddedVocabulary does: tokens with normalized=false are matched in the raw text, then the rest is
// normalized and tokens with normalized=true are matched in that. At each place the longest token
// starting leftmost wins; lstrip/rstrip swallow neighbouring whitespace and single_word refuses a
// match inside a word.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/pipeline.h"

namespace prominence::tok {

struct AddedToken {
    std::string content;
    std::int64_t id = 0;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = true;
    bool special = false;
};

class AddedVocabulary {
public:
    // A token already present (same content) has its flags replaced.
    void add(const AddedToken& token);
    // Builds the matchers. Tokens with normalized=true are matched in normalized text, so their content
    // is normalized too (Hugging Face's refresh_added_tokens does the same).
    void finish(const Normalizer* normalizer);

    // Cuts the matching tokens (normalized ones or raw ones) out of every non-added piece.
    void split(std::vector<Piece>& pieces, bool normalizedPass) const;

    const AddedToken* byId(std::int64_t id) const;
    const AddedToken* byContent(std::string_view content) const;
    const std::vector<AddedToken>& tokens() const { return tokens_; }
    bool empty() const { return tokens_.empty(); }

private:
    struct Trie {
        struct Node {
            std::unordered_map<unsigned char, std::int32_t> next;
            std::int32_t token = -1;  // index into tokens_ of the token ending here
        };
        std::vector<Node> nodes{Node{}};
        bool firstByte[256] = {};
        void insert(const std::string& s, std::int32_t token);
        // Longest token that starts at text[pos]: its index and length, or -1.
        std::int32_t longestAt(std::string_view text, std::size_t pos, std::size_t& length) const;
    };
    void splitPiece(const Piece& piece, const Trie& trie, std::vector<Piece>& out) const;

    std::vector<AddedToken> tokens_;
    std::unordered_map<std::int64_t, std::size_t> byId_;
    std::unordered_map<std::string, std::size_t> byContent_;
    Trie raw_, normalized_;
};

}  // namespace prominence::tok
