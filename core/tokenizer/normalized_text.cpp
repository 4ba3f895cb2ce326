#include "core/tokenizer/normalized_text.h"

#include <algorithm>

#include "core/tokenizer/utf8.h"

namespace prominence::tok {

Span NormalizedText::original(std::size_t b, std::size_t e) const {
    if (text_.empty()) return {origin_, origin_};
    if (b >= e) {
        // An empty range sits at the start of byte b, or at the end of the last byte.
        const std::size_t where = b < text_.size() ? at(b).begin : at(text_.size() - 1).end;
        return {where, where};
    }
    Span first = at(b), last = at(e - 1);
    return {first.begin, std::max(last.end, first.begin)};
}

NormalizedText NormalizedText::slice(std::size_t b, std::size_t e) const {
    if (align_.empty()) return NormalizedText(text_.substr(b, e - b), origin_ + b);
    return NormalizedText(text_.substr(b, e - b), std::vector<Span>(align_.begin() + static_cast<std::ptrdiff_t>(b),
                                                                      align_.begin() + static_cast<std::ptrdiff_t>(e)));
}

void NormalizedText::materialize() {
    if (!align_.empty() || text_.empty()) return;
    align_.reserve(text_.size() + 8);
    for (std::size_t i = 0; i < text_.size(); ++i) align_.push_back({origin_ + i, origin_ + i + 1});
}

void NormalizedText::prepend(std::string_view s) {
    if (s.empty()) return;
    Span anchor{origin_, origin_};
    if (!text_.empty()) anchor = original(0, utf8SequenceLength(text_, 0));
    materialize();
    align_.insert(align_.begin(), s.size(), anchor);
    text_.insert(0, s);
}

void NormalizedText::replace(const std::vector<Span>& matches, std::string_view with) {
    if (matches.empty()) return;
    const std::size_t start = originalStart();
    std::string out;
    std::vector<Span> align;
    out.reserve(text_.size() + matches.size() * with.size());
    align.reserve(out.capacity());
    std::size_t pos = 0;
    for (const Span& m : matches) {
        for (std::size_t i = pos; i < m.begin; ++i) align.push_back(at(i));
        out.append(text_, pos, m.begin - pos);
        const Span source = original(m.begin, m.end);
        out.append(with);
        align.insert(align.end(), with.size(), source);
        pos = m.end;
    }
    for (std::size_t i = pos; i < text_.size(); ++i) align.push_back(at(i));
    out.append(text_, pos, std::string::npos);
    text_ = std::move(out);
    align_ = std::move(align);
    if (text_.empty()) origin_ = start;
}

void NormalizedText::rewrite(std::string text, const std::vector<Span>& alignmentToCurrent) {
    std::vector<Span> align;
    align.reserve(text.size());
    for (const Span& s : alignmentToCurrent) align.push_back(original(s.begin, s.end));
    if (text.empty()) origin_ = originalStart();
    text_ = std::move(text);
    align_ = std::move(align);
}

}  // namespace prominence::tok
