#include "core/tokenizer/pattern.h"

namespace prominence::tok {

Pattern Pattern::fromJson(const Json& value, const std::string& where) {
    if (!value.is_object() || value.size() != 1)
        formatError(where, "expected {\"String\": ...} or {\"Regex\": ...}, found " + value.dump().substr(0, 80));
    if (value.contains("String")) {
        const std::string text = requireString(value, "String", where);
        if (text.empty()) formatError(child(where, "String"), "an empty pattern matches nothing useful");
        return Pattern(text);
    }
    if (value.contains("Regex")) {
        const std::string pattern = requireString(value, "Regex", where);
        return Pattern(Regex(pattern, child(where, "Regex")));
    }
    formatError(where, "unsupported pattern kind '" + value.begin().key() + "' (supported: String, Regex)");
}

std::vector<Span> Pattern::find(std::string_view text) const {
    std::vector<Span> out;
    if (regex_) {
        regex_->findAll(text, out);
        return out;
    }
    for (std::size_t pos = text.find(literal_); pos != std::string_view::npos;
         pos = text.find(literal_, pos + literal_.size()))
        out.push_back({pos, pos + literal_.size()});
    return out;
}

}  // namespace prominence::tok
