#include "core/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "core/tokenizer/unicode.h"
#include "core/tokenizer/utf8.h"

namespace prominence::tok {
namespace {

// The code point that ends text[0, end), found by stepping back over continuation bytes.
char32_t lastCodePoint(std::string_view text, std::size_t end, std::size_t& start) {
    start = end;
    while (start > 0) {
        --start;
        if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) break;
    }
    char32_t cp = 0xFFFD;
    std::size_t bad = 0;
    decodeUtf8(text, start, cp, bad);
    return cp;
}

char32_t codePointAt(std::string_view text, std::size_t pos, std::size_t& length) {
    char32_t cp = 0xFFFD;
    std::size_t bad = 0;
    length = decodeUtf8(text, pos, cp, bad);
    if (length == 0) length = bad;
    return cp;
}

bool isWordChar(char32_t cp) { return cp == U'_' || isAlphanumeric(cp); }

}  // namespace

void AddedVocabulary::add(const AddedToken& token) {
    const auto it = byContent_.find(token.content);
    if (it != byContent_.end()) {
        byId_.erase(tokens_[it->second].id);
        tokens_[it->second] = token;
        byId_[token.id] = it->second;
        return;
    }
    byContent_[token.content] = tokens_.size();
    byId_[token.id] = tokens_.size();
    tokens_.push_back(token);
}

void AddedVocabulary::finish(const Normalizer* normalizer) {
    raw_ = Trie{};
    normalized_ = Trie{};
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
        const AddedToken& t = tokens_[i];
        if (t.content.empty()) continue;
        if (!t.normalized) {
            raw_.insert(t.content, static_cast<std::int32_t>(i));
            continue;
        }
        NormalizedText text(t.content, 0);
        if (normalizer) normalizer->normalize(text);
        if (!text.empty()) normalized_.insert(text.text(), static_cast<std::int32_t>(i));
    }
}

void AddedVocabulary::Trie::insert(const std::string& s, std::int32_t token) {
    std::int32_t node = 0;
    firstByte[static_cast<unsigned char>(s[0])] = true;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        auto it = nodes[static_cast<std::size_t>(node)].next.find(b);
        if (it == nodes[static_cast<std::size_t>(node)].next.end()) {
            nodes.push_back(Node{});
            const auto created = static_cast<std::int32_t>(nodes.size() - 1);
            nodes[static_cast<std::size_t>(node)].next[b] = created;
            node = created;
        } else {
            node = it->second;
        }
    }
    nodes[static_cast<std::size_t>(node)].token = token;
}

std::int32_t AddedVocabulary::Trie::longestAt(std::string_view text, std::size_t pos, std::size_t& length) const {
    std::int32_t found = -1;
    std::int32_t node = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const auto& next = nodes[static_cast<std::size_t>(node)].next;
        const auto it = next.find(static_cast<unsigned char>(text[i]));
        if (it == next.end()) break;
        node = it->second;
        if (nodes[static_cast<std::size_t>(node)].token >= 0) {
            found = nodes[static_cast<std::size_t>(node)].token;
            length = i + 1 - pos;
        }
    }
    return found;
}

void AddedVocabulary::splitPiece(const Piece& piece, const Trie& trie, std::vector<Piece>& out) const {
    const std::string& text = piece.text.text();
    struct Match {
        Span span;
        std::int64_t id;
    };
    std::vector<Match> matches;
    std::size_t consumed = 0;  // end of the previous match, after rstrip
    for (std::size_t pos = 0; pos < text.size();) {
        if (!trie.firstByte[static_cast<unsigned char>(text[pos])]) {
            ++pos;
            continue;
        }
        std::size_t length = 0;
        const std::int32_t index = trie.longestAt(text, pos, length);
        if (index < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = tokens_[static_cast<std::size_t>(index)];
        std::size_t start = pos, stop = pos + length;
        if (token.singleWord) {
            std::size_t at = 0, len = 0;
            const bool wordBefore = start > 0 && isWordChar(lastCodePoint(text, start, at));
            const bool wordAfter = stop < text.size() && isWordChar(codePointAt(text, stop, len));
            if (wordBefore || wordAfter) {
                pos = stop;  // Hugging Face's match iterator resumes after a rejected match
                continue;
            }
        }
        if (token.lstrip) {
            std::size_t s = start;
            while (s > consumed) {
                std::size_t prev = 0;
                if (!isWhitespace(lastCodePoint(text, s, prev))) break;
                s = prev;
            }
            start = s;
        }
        if (token.rstrip) {
            std::size_t len = 0;
            while (stop < text.size() && isWhitespace(codePointAt(text, stop, len))) stop += len;
        }
        matches.push_back({{start, stop}, token.id});
        consumed = stop;
        pos = stop;
    }
    if (matches.empty()) {
        out.push_back(piece);
        return;
    }
    std::size_t prev = 0;
    for (const Match& m : matches) {
        if (m.span.begin > prev) {
            Piece gap;
            gap.text = piece.text.slice(prev, m.span.begin);
            out.push_back(std::move(gap));
        }
        Piece added;
        added.text = piece.text.slice(m.span.begin, m.span.end);
        added.addedId = m.id;
        out.push_back(std::move(added));
        prev = m.span.end;
    }
    if (prev < text.size()) {
        Piece gap;
        gap.text = piece.text.slice(prev, text.size());
        out.push_back(std::move(gap));
    }
}

void AddedVocabulary::split(std::vector<Piece>& pieces, bool normalizedPass) const {
    const Trie& trie = normalizedPass ? normalized_ : raw_;
    if (trie.nodes.size() <= 1) return;
    splitEach(pieces, [&](const Piece& p, std::vector<Piece>& out) { splitPiece(p, trie, out); });
}

const AddedToken* AddedVocabulary::byId(std::int64_t id) const {
    const auto it = byId_.find(id);
    return it == byId_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::byContent(std::string_view content) const {
    const auto it = byContent_.find(std::string(content));
    return it == byContent_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace prominence::tok
