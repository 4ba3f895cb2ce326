#pragma once
// UTF-8 decoding and repair. Every text the tokenizer sees is made well-formed first: an ill-formed
// sequence becomes U+FFFD, one per maximal subpart (Unicode 15, section 3.9, the same rule as
// WHATWG's TextDecoder and Rust's from_utf8_lossy), so regexes and vocab lookups never see bad bytes.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/span.h"

namespace prominence::tok {

inline constexpr char kReplacementUtf8[] = "\xEF\xBF\xBD";

// Decodes the sequence at text[pos]. Returns its length (1-4) and sets `cp` when it is well-formed;
// returns 0 and sets `badLength` (>= 1) to the length of the maximal ill-formed subpart otherwise.
std::size_t decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp, std::size_t& badLength);

// Length of the well-formed sequence at text[pos], or of the ill-formed subpart there.
std::size_t utf8SequenceLength(std::string_view text, std::size_t pos);

void appendUtf8(std::string& out, char32_t cp);
bool isValidUtf8(std::string_view text);

// Returns `text` with each ill-formed subpart replaced by U+FFFD. When `alignment` is given it receives,
// for every output byte, the input byte range it came from.
std::string repairUtf8(std::string_view text, std::vector<Span>* alignment);

// Decodes a well-formed string into code points.
std::u32string toCodePoints(std::string_view text);

}  // namespace prominence::tok
