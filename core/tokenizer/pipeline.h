#pragma once
// The stages of a Hugging Face tokenizer, as the pipeline runs them: added tokens are cut out, the
// rest is normalized, split by the pre-tokenizer into pieces, each piece is turned into ids by the
// model, the post-processor adds special tokens, and the decoder turns tokens back into text.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/normalized_text.h"

namespace prominence::tok {

struct Piece {
    NormalizedText text;
    std::int64_t addedId = -1;  // >= 0: this piece is an added token and is already an id
    bool byteLevel = false;     // set by the ByteLevel pre-tokenizer: the model sees bytes, not characters
};

struct Token {
    std::int64_t id = 0;
    Span offsets;         // bytes of the caller's input
    bool special = false; // added by the post-processor
};

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(NormalizedText& text) const = 0;
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Splits every piece that is not an added token; drops pieces that end up empty.
    virtual void split(std::vector<Piece>& pieces) const = 0;
    // True when this stage hands the model bytes (it must then come last).
    virtual bool isByteLevel() const { return false; }
};

// The vocabulary string of an id, for stages that look at token text.
using TokenString = std::function<std::string(std::int64_t)>;

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    // Adds the special tokens of a single sequence when `addSpecial`; may adjust offsets either way.
    virtual void process(std::vector<Token>& tokens, const TokenString& tokenString, bool addSpecial) const = 0;
    // How many ids process() adds around a single sequence.
    virtual std::size_t addedCount() const = 0;
};

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
};

// Applies `fn(const Piece&, std::vector<Piece>& out)` to every non-added piece, keeping added ones.
template <typename Fn>
void splitEach(std::vector<Piece>& pieces, Fn&& fn) {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 2);
    for (Piece& p : pieces) {
        if (p.addedId >= 0) {
            out.push_back(std::move(p));
            continue;
        }
        fn(p, out);
    }
    pieces = std::move(out);
}

}  // namespace prominence::tok
