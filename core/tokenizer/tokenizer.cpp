// Encoding and decoding: the pipeline of pipeline.h run in Hugging Face's order.
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer_impl.h"
#include "core/tokenizer/utf8.h"

namespace prominence {

std::optional<std::int64_t> Tokenizer::Impl::idOf(std::string_view token) const {
    if (const tok::AddedToken* t = added.byContent(token)) return t->id;
    return model->tokenToId(token);
}

const std::string* Tokenizer::Impl::tokenOf(std::int64_t id) const {
    if (const tok::AddedToken* t = added.byId(id)) return &t->content;
    return model->idToToken(id);
}

namespace {

// transformers' clean_up_tokenization: the spaces a word-level detokenizer would have left.
std::string cleanUpTokenization(std::string text) {
    static const std::pair<const char*, const char*> rules[] = {
        {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : rules) {
        const std::string f(from), t(to);
        std::string out;
        std::size_t pos = 0;
        for (std::size_t hit = text.find(f); hit != std::string::npos; hit = text.find(f, pos)) {
            out.append(text, pos, hit - pos);
            out += t;
            pos = hit + f.size();
        }
        if (pos == 0) continue;
        out.append(text, pos, std::string::npos);
        text = std::move(out);
    }
    return text;
}

}  // namespace

void Tokenizer::encodeInto(std::string_view text, bool addSpecialTokens, Encoding* full,
                           std::vector<std::int64_t>* idsOnly) const {
    const Impl& impl = *impl_;
    tok::Piece root;
    if (tok::isValidUtf8(text)) {
        root.text = tok::NormalizedText(std::string(text), 0);
    } else {
        std::vector<tok::Span> alignment;
        std::string repaired = tok::repairUtf8(text, &alignment);
        root.text = tok::NormalizedText(std::move(repaired), std::move(alignment));
    }
    std::vector<tok::Piece> pieces;
    pieces.push_back(std::move(root));
    impl.added.split(pieces, false);
    if (impl.normalizer)
        for (tok::Piece& p : pieces)
            if (p.addedId < 0) impl.normalizer->normalize(p.text);
    impl.added.split(pieces, true);
    if (impl.preTokenizer) impl.preTokenizer->split(pieces);

    std::vector<tok::Token> tokens;
    tokens.reserve(text.size() / 3 + 4);
    for (const tok::Piece& p : pieces) {
        if (p.addedId >= 0) tokens.push_back({p.addedId, p.text.original(0, p.text.size()), false});
        else impl.model->tokenize(p, tokens);
    }
    if (impl.postProcessor) {
        const tok::TokenString tokenString = [&impl](std::int64_t id) {
            const std::string* s = impl.tokenOf(id);
            return s ? *s : std::string();
        };
        impl.postProcessor->process(tokens, tokenString, addSpecialTokens);
    }

    if (idsOnly) {
        idsOnly->clear();
        idsOnly->reserve(tokens.size());
        for (const tok::Token& t : tokens) idsOnly->push_back(t.id);
    }
    if (full) {
        full->ids.clear();
        full->tokens.clear();
        full->offsets.clear();
        full->special.clear();
        for (const tok::Token& t : tokens) {
            full->ids.push_back(t.id);
            const std::string* s = impl.tokenOf(t.id);
            full->tokens.push_back(s ? *s : std::string());
            full->offsets.push_back({t.offsets.begin, t.offsets.end});
            full->special.push_back(t.special);
        }
    }
}

std::vector<std::int64_t> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    std::vector<std::int64_t> ids;
    encodeInto(text, addSpecialTokens, nullptr, &ids);
    return ids;
}

Encoding Tokenizer::encodeWithOffsets(std::string_view text, bool addSpecialTokens) const {
    Encoding e;
    encodeInto(text, addSpecialTokens, &e, nullptr);
    return e;
}

std::vector<std::vector<std::int64_t>> Tokenizer::encodeBatch(const std::vector<std::string>& texts,
                                                              bool addSpecialTokens, int threads) const {
    std::vector<std::vector<std::int64_t>> out(texts.size());
    if (threads < 0) throw InvalidArgument("encodeBatch: threads must be >= 0, got " + std::to_string(threads));
    std::size_t workers = threads > 0 ? static_cast<std::size_t>(threads)
                                      : std::min<std::size_t>(8, std::max(1u, std::thread::hardware_concurrency()));
    workers = std::min(workers, (texts.size() + 15) / 16);
    if (workers <= 1) {
        for (std::size_t i = 0; i < texts.size(); ++i) encodeInto(texts[i], addSpecialTokens, nullptr, &out[i]);
        return out;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto work = [&] {
        try {
            for (std::size_t i = next++; i < texts.size() && !failed; i = next++)
                encodeInto(texts[i], addSpecialTokens, nullptr, &out[i]);
        } catch (...) {
            if (!failed.exchange(true)) failure = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < workers; ++w) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    return out;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids, bool skipSpecialTokens) const {
    const Impl& impl = *impl_;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int64_t id : ids) {
        const tok::AddedToken* added = impl.added.byId(id);
        if (added) {
            if (!(skipSpecialTokens && added->special)) tokens.push_back(added->content);
            continue;
        }
        const std::string* s = impl.model->idToToken(id);
        if (!s)
            throw InvalidArgument("decode: id " + std::to_string(id) + " is not in the vocabulary of " + impl.source +
                                  " (" + std::to_string(impl.vocabSize) + " ids)");
        tokens.push_back(*s);
    }
    std::string text;
    if (impl.decoder) {
        impl.decoder->decodeChain(tokens);
        for (const std::string& t : tokens) text += t;
    } else {
        // Hugging Face joins with spaces when there is no decoder.
        for (std::size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
    }
    if (!tok::isValidUtf8(text)) text = tok::repairUtf8(text, nullptr);
    return impl.cleanUpTokenizationSpaces ? cleanUpTokenization(std::move(text)) : text;
}

std::optional<std::int64_t> Tokenizer::tokenToId(std::string_view token) const { return impl_->idOf(token); }

std::string Tokenizer::idToToken(std::int64_t id) const {
    const std::string* s = impl_->tokenOf(id);
    if (!s)
        throw InvalidArgument("idToToken: id " + std::to_string(id) + " is not in the vocabulary of " + impl_->source);
    return *s;
}

bool Tokenizer::isSpecial(std::int64_t id) const {
    const tok::AddedToken* t = impl_->added.byId(id);
    return t && t->special;
}

std::optional<std::int64_t> Tokenizer::bosId() const { return impl_->bos; }
std::optional<std::int64_t> Tokenizer::eosId() const { return impl_->eos; }
std::optional<std::int64_t> Tokenizer::padId() const { return impl_->pad; }
std::optional<std::int64_t> Tokenizer::unkId() const { return impl_->unk; }
std::int64_t Tokenizer::vocabSize() const { return impl_->vocabSize; }
std::size_t Tokenizer::specialTokensAdded() const {
    return impl_->postProcessor ? impl_->postProcessor->addedCount() : 0;
}
const std::string& Tokenizer::sourcePath() const { return impl_->source; }

}  // namespace prominence
