#pragma once
// A piece of text as the pipeline rewrites it, with the map back to the caller's input: for every
// byte of the current text, the range of input bytes it came from. Offsets of tokens are read through
// this map, so they always point into the text the caller passed in.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/span.h"

namespace prominence::tok {

class NormalizedText {
public:
    NormalizedText() = default;
    // Text that is still the caller's bytes [origin, origin + text.size()).
    NormalizedText(std::string text, std::size_t origin) : text_(std::move(text)), origin_(origin) {}
    // Text that already differs from the input; `alignment` has one entry per byte of `text`.
    NormalizedText(std::string text, std::vector<Span> alignment)
        : text_(std::move(text)), align_(std::move(alignment)) {}

    const std::string& text() const { return text_; }
    bool empty() const { return text_.empty(); }
    std::size_t size() const { return text_.size(); }

    // The input range behind current bytes [b, e).
    Span original(std::size_t b, std::size_t e) const;
    // The input byte offset where this piece starts.
    std::size_t originalStart() const { return original(0, 0).begin; }

    NormalizedText slice(std::size_t b, std::size_t e) const;

    // Puts `s` in front; its bytes map to the first character's input range (Hugging Face does the same).
    void prepend(std::string_view s);
    // Replaces each range in `matches` (sorted, disjoint) by `with`; the new bytes map to the range replaced.
    void replace(const std::vector<Span>& matches, std::string_view with);
    // Swaps in a rewritten text whose alignment is relative to the current text's bytes.
    void rewrite(std::string text, const std::vector<Span>& alignmentToCurrent);

private:
    Span at(std::size_t i) const { return align_.empty() ? Span{origin_ + i, origin_ + i + 1} : align_[i]; }
    void materialize();

    std::string text_;
    std::vector<Span> align_;  // empty while the text is the input's bytes from origin_
    std::size_t origin_ = 0;
};

}  // namespace prominence::tok
