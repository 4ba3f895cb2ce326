#include "core/tokenizer/pre_tokenizers.h"

#include <algorithm>
#include <optional>

#include "core/tokenizer/pattern.h"

namespace prominence::tok {
namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parseBehavior(const std::string& name, const std::string& where) {
    if (name == "Removed") return Behavior::Removed;
    if (name == "Isolated") return Behavior::Isolated;
    if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (name == "MergedWithNext") return Behavior::MergedWithNext;
    if (name == "Contiguous") return Behavior::Contiguous;
    formatError(where, "unsupported split behavior '" + name +
                           "' (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
}

// Hugging Face's NormalizedString::split: the matches and the gaps between them cover the text; the
// behavior decides what becomes a piece. Mirrors its folds exactly, including runs of matches.
void splitByMatches(const Piece& piece, const std::vector<Span>& matches, Behavior behavior, bool invert,
                    std::vector<Piece>& out) {
    const std::size_t n = piece.text.size();
    struct Part {
        Span span;
        bool match;
    };
    std::vector<Part> parts;
    parts.reserve(matches.size() * 2 + 1);
    std::size_t prev = 0;
    for (const Span& m : matches) {
        if (m.begin != prev) parts.push_back({{prev, m.begin}, invert});
        parts.push_back({m, !invert});
        prev = m.end;
    }
    if (prev != n) parts.push_back({{prev, n}, invert});

    std::vector<Part> kept;
    kept.reserve(parts.size());
    switch (behavior) {
        case Behavior::Removed:
            for (const Part& p : parts)
                if (!p.match) kept.push_back(p);
            break;
        case Behavior::Isolated:
            kept = parts;
            break;
        case Behavior::MergedWithPrevious: {
            bool previousMatch = false;
            for (const Part& p : parts) {
                if (p.match && !previousMatch && !kept.empty()) kept.back().span.end = p.span.end;
                else kept.push_back({p.span, false});
                previousMatch = p.match;
            }
            break;
        }
        case Behavior::MergedWithNext: {
            bool previousMatch = false;
            for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
                if (it->match && !previousMatch && !kept.empty()) kept.back().span.begin = it->span.begin;
                else kept.push_back({it->span, false});
                previousMatch = it->match;
            }
            std::reverse(kept.begin(), kept.end());
            break;
        }
        case Behavior::Contiguous: {
            bool previousMatch = false;
            for (const Part& p : parts) {
                if (p.match == previousMatch && !kept.empty()) kept.back().span.end = p.span.end;
                else kept.push_back({p.span, false});
                previousMatch = p.match;
            }
            break;
        }
    }
    for (const Part& p : kept) {
        if (p.span.end <= p.span.begin) continue;
        Piece sub;
        sub.text = piece.text.slice(p.span.begin, p.span.end);
        sub.byteLevel = piece.byteLevel;
        out.push_back(std::move(sub));
    }
}

class SplitPreTokenizer : public PreTokenizer {
public:
    SplitPreTokenizer(Pattern pattern, Behavior behavior, bool invert)
        : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
    void split(std::vector<Piece>& pieces) const override {
        splitEach(pieces, [&](const Piece& p, std::vector<Piece>& out) {
            splitByMatches(p, pattern_.find(p.text.text()), behavior_, invert_, out);
        });
    }

private:
    Pattern pattern_;
    Behavior behavior_;
    bool invert_;
};

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : addPrefixSpace_(addPrefixSpace) {
        if (useRegex) regex_.emplace(kGpt2Pattern, "ByteLevel pre-tokenizer");
    }
    void split(std::vector<Piece>& pieces) const override {
        splitEach(pieces, [&](const Piece& p, std::vector<Piece>& out) {
            Piece piece = p;
            if (addPrefixSpace_ && (piece.text.empty() || piece.text.text()[0] != ' ')) piece.text.prepend(" ");
            piece.byteLevel = true;
            if (!regex_) {
                if (!piece.text.empty()) out.push_back(std::move(piece));
                return;
            }
            std::vector<Span> matches;
            regex_->findAll(piece.text.text(), matches);
            splitByMatches(piece, matches, Behavior::Isolated, false, out);
        });
    }
    bool isByteLevel() const override { return true; }

private:
    bool addPrefixSpace_;
    std::optional<Regex> regex_;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool splitPieces)
        : replacement_(std::move(replacement)), scheme_(scheme), split_(splitPieces),
          pattern_(Pattern::literal(replacement_)) {}
    void split(std::vector<Piece>& pieces) const override {
        splitEach(pieces, [&](const Piece& p, std::vector<Piece>& out) {
            Piece piece = p;
            piece.text.replace(Pattern::literal(" ").find(piece.text.text()), replacement_);
            const bool startsWith = piece.text.text().compare(0, replacement_.size(), replacement_) == 0;
            const bool prepend = scheme_ == PrependScheme::Always ||
                                 (scheme_ == PrependScheme::First && piece.text.originalStart() == 0);
            if (prepend && !startsWith) piece.text.prepend(replacement_);
            if (split_) splitByMatches(piece, pattern_.find(piece.text.text()), Behavior::MergedWithNext, false, out);
            else if (!piece.text.empty()) out.push_back(std::move(piece));
        });
    }

private:
    std::string replacement_;
    PrependScheme scheme_;
    bool split_;
    Pattern pattern_;
};

class SequencePreTokenizer : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
    void split(std::vector<Piece>& pieces) const override {
        for (const auto& p : parts_) p->split(pieces);
    }
    bool isByteLevel() const override { return !parts_.empty() && parts_.back()->isByteLevel(); }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> regexSplit(const char* pattern, const char* name, Behavior behavior, bool invert) {
    return std::make_unique<SplitPreTokenizer>(Pattern::fromJson(Json{{"Regex", pattern}}, name), behavior, invert);
}

}  // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& config, const std::string& where) {
    if (config.is_null()) return nullptr;
    const std::string type = requireString(config, "type", where);
    if (type == "Sequence") {
        const std::string listWhere = child(where, "pretokenizers");
        const Json& list = requireKey(config, "pretokenizers", where);
        if (!list.is_array()) formatError(listWhere, "expected an array");
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto part = makePreTokenizer(list[i], child(listWhere, i));
            if (!part) continue;
            if (!parts.empty() && parts.back()->isByteLevel())
                formatError(child(listWhere, i), "a pre-tokenizer after ByteLevel is not supported (ByteLevel must come last)");
            parts.push_back(std::move(part));
        }
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(optionalBool(config, "add_prefix_space", where, true),
                                                       optionalBool(config, "use_regex", where, true));
    if (type == "Split") {
        const Pattern pattern = Pattern::fromJson(requireKey(config, "pattern", where), child(where, "pattern"));
        return std::make_unique<SplitPreTokenizer>(pattern,
                                                   parseBehavior(requireString(config, "behavior", where), child(where, "behavior")),
                                                   optionalBool(config, "invert", where, false));
    }
    if (type == "Metaspace") {
        const std::string replacement = optionalString(config, "replacement", where, "\xE2\x96\x81");
        if (replacement.empty()) formatError(child(where, "replacement"), "must not be empty");
        PrependScheme scheme = optionalBool(config, "add_prefix_space", where, true) ? PrependScheme::Always : PrependScheme::Never;
        const std::string schemeName = optionalString(config, "prepend_scheme", where, "");
        if (schemeName == "always") scheme = PrependScheme::Always;
        else if (schemeName == "first") scheme = PrependScheme::First;
        else if (schemeName == "never") scheme = PrependScheme::Never;
        else if (!schemeName.empty())
            formatError(child(where, "prepend_scheme"), "unsupported value '" + schemeName + "' (always, first or never)");
        return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, optionalBool(config, "split", where, true));
    }
    if (type == "Digits")
        return optionalBool(config, "individual_digits", where, false)
                   ? regexSplit(R"(\p{N})", "Digits", Behavior::Isolated, false)
                   : regexSplit(R"(\p{N}+)", "Digits", Behavior::Isolated, false);
    if (type == "Whitespace") return regexSplit(R"(\w+|[^\w\s]+)", "Whitespace", Behavior::Removed, true);
    if (type == "WhitespaceSplit") return regexSplit(R"(\s+)", "WhitespaceSplit", Behavior::Removed, false);
    formatError(where, "unsupported pre_tokenizer '" + type +
                           "' (supported: ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Sequence)");
}

std::unique_ptr<PreTokenizer> makeGpt2PreTokenizer(bool addPrefixSpace) {
    return std::make_unique<ByteLevelPreTokenizer>(addPrefixSpace, true);
}

}  // namespace prominence::tok
