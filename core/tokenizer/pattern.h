#pragma once
// The {"String": ...} / {"Regex": ...} patterns of Replace and Split components.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/regex.h"

namespace prominence::tok {

class Pattern {
public:
    static Pattern fromJson(const Json& value, const std::string& where);
    static Pattern literal(std::string text) { return Pattern(std::move(text)); }

    // Non-overlapping, non-empty matches, left to right.
    std::vector<Span> find(std::string_view text) const;

private:
    explicit Pattern(std::string literal) : literal_(std::move(literal)) {}
    explicit Pattern(Regex regex) : regex_(std::move(regex)) {}

    std::string literal_;
    std::optional<Regex> regex_;
};

}  // namespace prominence::tok
