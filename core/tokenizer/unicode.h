#pragma once
// Unicode properties and normalization forms, from ICU.
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/span.h"

namespace prominence::tok {

// Rust's char::is_whitespace (the White_Space property), which Hugging Face uses for lstrip/rstrip.
bool isWhitespace(char32_t cp);
// Rust's char::is_alphanumeric (Alphabetic, or a number category), used for single_word tokens.
bool isAlphanumeric(char32_t cp);

enum class NormalForm { NFC, NFD, NFKC, NFKD };

// Normalizes well-formed UTF-8. `alignment` receives, for each output byte, the input byte range it
// came from: bytes of an unchanged stretch map one to one; every byte of a changed segment (a starter
// and its combining marks) maps to the whole input segment.
std::string normalizeUnicode(std::string_view text, NormalForm form, std::vector<Span>& alignment,
                             bool& changed);

}  // namespace prominence::tok
