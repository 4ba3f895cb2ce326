#pragma once
// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available), compiled once at load and
// shared by every thread that encodes. Hugging Face compiles its patterns with Oniguruma; the split
// patterns tokenizers ship (\p{L}, \p{N}, \s, (?i:...), look-ahead) mean the same in PCRE2 with UCP.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/span.h"

namespace prominence::tok {

class Regex {
public:
    // `where` names the pattern's place in the file for the error message if it does not compile.
    Regex(const std::string& pattern, const std::string& where);

    // Appends the non-empty, non-overlapping matches in `text` (well-formed UTF-8), left to right.
    void findAll(std::string_view text, std::vector<Span>& out) const;

private:
    struct Code;
    std::shared_ptr<const Code> code_;
};

}  // namespace prominence::tok
