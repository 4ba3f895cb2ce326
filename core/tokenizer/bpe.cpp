#include "core/tokenizer/bpe.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <queue>

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/utf8.h"

namespace prominence::tok {
namespace {

constexpr std::uint32_t kNoRank = std::numeric_limits<std::uint32_t>::max();
// Words up to this many symbols merge by scanning; longer ones use a heap (same order, n log n).
constexpr std::size_t kScanLimit = 48;

std::string byteToken(unsigned char b) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "<0x%02X>", b);
    return buffer;
}

}  // namespace

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                   const std::vector<std::size_t>& mergeLines, BpeOptions options, const std::string& where)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
    auto mergeWhere = [&](std::size_t i) {
        return mergeLines.empty() ? child(child(where, "merges"), i) : where + ":" + std::to_string(mergeLines[i]);
    };
    merges_.reserve(merges.size());
    const std::size_t prefixLength = options_.continuingSubwordPrefix.size();
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto left = vocab_.find(a);
        const auto right = vocab_.find(b);
        if (!left) formatError(mergeWhere(rank), "merge '" + a + " " + b + "': token '" + a + "' is not in the vocabulary");
        if (!right) formatError(mergeWhere(rank), "merge '" + a + " " + b + "': token '" + b + "' is not in the vocabulary");
        // With a continuing-subword prefix the right half carries it, the merged token only once.
        const bool stripPrefix = prefixLength > 0 && b.compare(0, prefixLength, options_.continuingSubwordPrefix) == 0;
        const std::string merged = a + (stripPrefix ? b.substr(prefixLength) : b);
        const auto id = vocab_.find(merged);
        if (!id) formatError(mergeWhere(rank), "merge '" + a + " " + b + "': the result '" + merged + "' is not in the vocabulary");
        merges_.insert(*left, *right, {static_cast<std::uint32_t>(rank), *id});
    }
    if (options_.unkToken) {
        const auto id = vocab_.find(*options_.unkToken);
        if (!id) formatError(child(where, "unk_token"), "'" + *options_.unkToken + "' is not in the vocabulary");
        unkId_ = *id;
    }
    for (int b = 0; b < 256; ++b) {
        const auto sym = vocab_.find(byteLevelChar(static_cast<unsigned char>(b)));
        byteSymbol_[b] = sym ? static_cast<std::int32_t>(*sym) : -1;
        const auto fb = vocab_.find(byteToken(static_cast<unsigned char>(b)));
        fallbackByte_[b] = fb ? static_cast<std::int32_t>(*fb) : -1;
    }
}

std::unique_ptr<BpeModel> BpeModel::fromJson(const Json& model, const std::string& where) {
    if (!model.is_object()) formatError(where, "expected an object, found " + describeType(model));
    const std::string type = optionalString(model, "type", where, model.contains("merges") ? "BPE" : "");
    if (type != "BPE")
        formatError(child(where, "type"), "unsupported model '" + type + "' (supported: BPE)");
    const auto dropout = model.find("dropout");
    if (dropout != model.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0))
        formatError(child(where, "dropout"), "BPE dropout is not supported (it makes encoding random); set it to null");

    BpeOptions options;
    const std::string unk = optionalString(model, "unk_token", where, "");
    if (!unk.empty()) options.unkToken = unk;
    options.fuseUnk = optionalBool(model, "fuse_unk", where, false);
    options.byteFallback = optionalBool(model, "byte_fallback", where, false);
    options.ignoreMerges = optionalBool(model, "ignore_merges", where, false);
    options.continuingSubwordPrefix = optionalString(model, "continuing_subword_prefix", where, "");
    options.endOfWordSuffix = optionalString(model, "end_of_word_suffix", where, "");

    const std::string vocabWhere = child(where, "vocab");
    const Json& vocabJson = requireKey(model, "vocab", where);
    if (!vocabJson.is_object()) formatError(vocabWhere, "expected an object of token → id, found " + describeType(vocabJson));
    Vocab vocab;
    for (auto it = vocabJson.begin(); it != vocabJson.end(); ++it) {
        const Json& id = it.value();
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())
            formatError(vocabWhere, "token '" + it.key() + "' has id " + id.dump() + ", expected an integer in [0, 2^31)");
        vocab.add(it.key(), static_cast<std::uint32_t>(id.get<std::int64_t>()));
    }
    vocab.finish();

    const std::string mergesWhere = child(where, "merges");
    const Json& mergesJson = requireKey(model, "merges", where);
    if (!mergesJson.is_array()) formatError(mergesWhere, "expected an array, found " + describeType(mergesJson));
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(mergesJson.size());
    for (std::size_t i = 0; i < mergesJson.size(); ++i) {
        const Json& m = mergesJson[i];
        if (m.is_string()) {
            // "a b": exactly one space, as Hugging Face requires.
            const std::string& s = m.get_ref<const std::string&>();
            const std::size_t space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                formatError(child(mergesWhere, i), "merge '" + s + "' must be two tokens separated by one space");
            merges.emplace_back(s.substr(0, space), s.substr(space + 1));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        } else {
            formatError(child(mergesWhere, i), "expected \"a b\" or [\"a\", \"b\"], found " + m.dump().substr(0, 80));
        }
    }
    return std::make_unique<BpeModel>(std::move(vocab), merges, std::vector<std::size_t>{}, std::move(options), where);
}

std::optional<std::int64_t> BpeModel::tokenToId(std::string_view token) const {
    const auto id = vocab_.find(token);
    if (!id) return std::nullopt;
    return static_cast<std::int64_t>(*id);
}

void BpeModel::addMissing(std::string_view symbol, std::uint32_t byteLength, std::vector<SubToken>& symbols,
                          std::optional<SubToken>& pendingUnk) const {
    if (options_.byteFallback) {
        bool all = true;
        for (const char c : symbol) all = all && fallbackByte_[static_cast<unsigned char>(c)] >= 0;
        if (all) {
            // One <0xXX> per byte; each covers one byte of the piece when the symbol is those bytes.
            for (std::size_t k = 0; k < symbol.size(); ++k) {
                const std::uint32_t len = symbol.size() == byteLength ? 1u : (k == 0 ? byteLength : 0u);
                symbols.push_back({static_cast<std::uint32_t>(fallbackByte_[static_cast<unsigned char>(symbol[k])]), len});
            }
            return;
        }
    }
    if (!unkId_) return;  // Hugging Face drops a character it cannot represent when there is no unk token
    if (pendingUnk && options_.fuseUnk) {
        pendingUnk->length += byteLength;
        return;
    }
    if (pendingUnk) symbols.push_back(*pendingUnk);
    pendingUnk = SubToken{static_cast<std::uint32_t>(*unkId_), byteLength};
}

void BpeModel::computeWord(std::string_view text, bool byteLevel, std::vector<SubToken>& symbols) const {
    symbols.clear();
    std::optional<SubToken> pendingUnk;
    auto flushUnk = [&] {
        if (pendingUnk) symbols.push_back(*pendingUnk);
        pendingUnk.reset();
    };
    const bool affixes = !options_.continuingSubwordPrefix.empty() || !options_.endOfWordSuffix.empty();
    if (byteLevel && !affixes) {
        for (const char c : text) {
            const auto b = static_cast<unsigned char>(c);
            if (byteSymbol_[b] >= 0) {
                flushUnk();
                symbols.push_back({static_cast<std::uint32_t>(byteSymbol_[b]), 1});
            } else {
                addMissing(byteLevelChar(b), 1, symbols, pendingUnk);
            }
        }
    } else {
        std::string symbol;
        for (std::size_t i = 0; i < text.size();) {
            const std::size_t n = byteLevel ? 1 : utf8SequenceLength(text, i);
            symbol.clear();
            if (i > 0) symbol += options_.continuingSubwordPrefix;
            if (byteLevel) symbol += byteLevelChar(static_cast<unsigned char>(text[i]));
            else symbol.append(text.data() + i, n);
            if (i + n >= text.size()) symbol += options_.endOfWordSuffix;
            if (const auto id = vocab_.find(symbol)) {
                flushUnk();
                symbols.push_back({*id, static_cast<std::uint32_t>(n)});
            } else {
                addMissing(symbol, static_cast<std::uint32_t>(n), symbols, pendingUnk);
            }
            i += n;
        }
    }
    flushUnk();
    mergeSymbols(symbols);
}

void BpeModel::mergeSymbols(std::vector<SubToken>& symbols) const {
    const std::size_t n = symbols.size();
    if (n < 2 || merges_.size() == 0) return;
    if (n <= kScanLimit) {
        // ranks[i] is the rank of the pair (i, i+1); merging keeps the left index, as Hugging Face does.
        std::uint32_t ranks[kScanLimit];
        std::uint32_t ids[kScanLimit];
        std::size_t size = n;
        auto lookup = [&](std::size_t i) {
            const MergeTable::Merge* m = merges_.find(symbols[i].id, symbols[i + 1].id);
            ranks[i] = m ? m->rank : kNoRank;
            ids[i] = m ? m->id : 0;
        };
        for (std::size_t i = 0; i + 1 < size; ++i) lookup(i);
        while (size > 1) {
            std::size_t best = 0;
            for (std::size_t i = 1; i + 1 < size; ++i)
                if (ranks[i] < ranks[best]) best = i;
            if (ranks[best] == kNoRank) break;
            symbols[best].id = ids[best];
            symbols[best].length += symbols[best + 1].length;
            symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
            if (best + 2 < size) {
                std::copy(ranks + best + 2, ranks + size - 1, ranks + best + 1);
                std::copy(ids + best + 2, ids + size - 1, ids + best + 1);
            }
            --size;
            if (best + 1 < size) lookup(best);
            if (best > 0) lookup(best - 1);
        }
        return;
    }

    // Long words: a doubly linked list of symbols and a min-heap of (rank, left position); stale heap
    // entries are recognised by the pair no longer producing the recorded id.
    struct Node {
        SubToken sym;
        std::int64_t prev, next;
    };
    struct Candidate {
        std::uint32_t rank;
        std::size_t pos;
        std::uint32_t id;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::vector<Node> nodes(n);
    for (std::size_t i = 0; i < n; ++i)
        nodes[i] = {symbols[i], static_cast<std::int64_t>(i) - 1, i + 1 < n ? static_cast<std::int64_t>(i + 1) : -1};
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
    auto push = [&](std::size_t left) {
        const std::int64_t right = nodes[left].next;
        if (right < 0) return;
        if (const MergeTable::Merge* m = merges_.find(nodes[left].sym.id, nodes[static_cast<std::size_t>(right)].sym.id))
            heap.push({m->rank, left, m->id});
    };
    for (std::size_t i = 0; i + 1 < n; ++i) push(i);
    while (!heap.empty()) {
        const Candidate top = heap.top();
        heap.pop();
        Node& left = nodes[top.pos];
        if (left.sym.length == 0 || left.next < 0) continue;
        Node& right = nodes[static_cast<std::size_t>(left.next)];
        const MergeTable::Merge* m = merges_.find(left.sym.id, right.sym.id);
        if (!m || m->id != top.id) continue;
        left.sym.id = top.id;
        left.sym.length += right.sym.length;
        right.sym.length = 0;
        left.next = right.next;
        if (right.next >= 0) nodes[static_cast<std::size_t>(right.next)].prev = static_cast<std::int64_t>(top.pos);
        if (left.prev >= 0) push(static_cast<std::size_t>(left.prev));
        push(top.pos);
    }
    symbols.clear();
    for (std::int64_t i = 0; i >= 0; i = nodes[static_cast<std::size_t>(i)].next) symbols.push_back(nodes[static_cast<std::size_t>(i)].sym);
}

void BpeModel::tokenize(const Piece& piece, std::vector<Token>& out) const {
    const std::string& text = piece.text.text();
    if (text.empty()) return;
    thread_local std::vector<SubToken> word;
    if (!cache_.get(text, word)) {
        const auto whole = !options_.ignoreMerges ? std::nullopt
                           : piece.byteLevel     ? vocab_.find(toByteLevel(text))
                                                 : vocab_.find(text);
        if (whole) word.assign(1, SubToken{*whole, static_cast<std::uint32_t>(text.size())});
        else computeWord(text, piece.byteLevel, word);
        cache_.put(text, word);
    }
    std::size_t pos = 0;
    for (const SubToken& s : word) {
        const std::size_t end = std::min(text.size(), pos + s.length);
        out.push_back({s.id, piece.text.original(pos, end), false});
        pos = end;
    }
}

}  // namespace prominence::tok
