#include "core/eval/evaluator.h"

#include "core/common/error.h"
#include "core/data/rendering.h"
#include "core/data/sampling.h"
#include "core/data/text_utils.h"
#include "core/eval/item_metrics.h"
#include "core/eval/scorers.h"

namespace prominence::eval {
namespace {

using data::McItem;

// Option shuffling draws from its own stream so that it does not move the exemplar draws.
constexpr std::uint64_t kShuffleStream = 0x5348554646ull;

struct Split {
    std::string context;
    std::string continuation;
};

// lm-eval's _encode_pair: trailing whitespace of the context belongs to the continuation.
Split moveTrailingSpace(const std::string& context, const std::string& continuation) {
    const std::string trimmed = data::rstrip(context);
    return {trimmed, context.substr(trimmed.size()) + continuation};
}

std::vector<std::int64_t> encodeContext(const Tokenizer& tok, const std::string& text, const EvalOptions& o,
                                        const std::string& itemId) {
    std::vector<std::int64_t> ids;
    if (o.addBos) {
        const auto bos = tok.bosId();
        if (!bos) throw InvalidArgument("add-bos: the tokenizer defines no BOS token");
        ids.push_back(*bos);
    }
    const auto body = tok.encode(text, false);
    ids.insert(ids.end(), body.begin(), body.end());
    if (ids.empty()) {
        // lm-eval scores a continuation with an empty context after the end-of-text token.
        auto eot = tok.eosId() ? tok.eosId() : tok.bosId();
        if (!eot) throw InvalidArgument("item '" + itemId + "': empty context and the tokenizer has no EOS/BOS token");
        ids.push_back(*eot);
    }
    return ids;
}

// whole = encode(context + continuation); the continuation is whole[len(encode(context)):].
std::vector<std::int64_t> continuationTokens(const Tokenizer& tok, const Split& s, std::size_t contextLen,
                                             const EvalOptions& o) {
    std::vector<std::int64_t> whole = tok.encode(s.context + s.continuation, false);
    const std::size_t offset = contextLen - (o.addBos ? 1 : 0);
    if (s.context.empty()) return whole;
    if (whole.size() <= offset) return {};
    return std::vector<std::int64_t>(whole.begin() + static_cast<std::ptrdiff_t>(offset), whole.end());
}

std::vector<const McItem*> exemplarsFor(std::size_t i, const std::vector<McItem>& items,
                                        const std::vector<McItem>* pool, const EvalOptions& o) {
    std::vector<const McItem*> out;
    if (o.shots == 0) return out;
    const std::vector<McItem>& source = pool != nullptr ? *pool : items;
    for (std::size_t k : data::fewShotIndices(source.size(), static_cast<std::size_t>(o.shots), o.seed, i, pool == nullptr))
        out.push_back(&source[k]);
    return out;
}

}  // namespace

std::string scoringName(Scoring s) { return s == Scoring::Letter ? "letter" : "loglik"; }

Scoring parseScoring(const std::string& name) {
    if (name == "letter") return Scoring::Letter;
    if (name == "loglik") return Scoring::Loglik;
    throw InvalidArgument("scoring '" + name + "': expected letter or loglik");
}

void EvalOptions::validate() const {
    if (shots < 0) throw InvalidArgument("shots " + std::to_string(shots) + ": expected 0 or more");
    if (maxBatchRows < 1) throw InvalidArgument("max batch rows " + std::to_string(maxBatchRows) + ": expected 1 or more");
    if (maxBatchTokens < 1)
        throw InvalidArgument("max batch tokens " + std::to_string(maxBatchTokens) + ": expected 1 or more");
}

EvalResult evaluate(const Model& model, const Tokenizer& tokenizer, const std::vector<McItem>& rawItems,
                    const std::vector<McItem>* exemplarPool, const EvalOptions& options, Progress& progress) {
    options.validate();
    if (tokenizer.vocabSize() > model.vocabSize())
        throw ShapeError("evaluate: tokenizer has " + std::to_string(tokenizer.vocabSize()) +
                         " tokens, the model's vocabulary only " + std::to_string(model.vocabSize()));
    std::vector<McItem> items;
    items.reserve(rawItems.size());
    for (std::size_t i = 0; i < rawItems.size(); ++i) {
        if (!options.shuffleOptions) {
            items.push_back(rawItems[i]);
            continue;
        }
        data::SeededRng rng(data::deriveSeed(options.seed ^ kShuffleStream, i));
        items.push_back(data::shuffleChoices(rawItems[i], rng));
    }

    EvalResult result;
    result.items.resize(items.size());
    std::vector<std::vector<std::string>> choiceTexts(items.size());
    progress.setStage("tokenizing");
    if (options.scoring == Scoring::Loglik) {
        std::vector<detail::LoglikRequest> requests(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            ItemScore& s = result.items[i];
            const McItem& item = items[i];
            s.prompt = data::fullPrompt(item, exemplarsFor(i, rawItems, exemplarPool, options), data::PromptStyle::Loglik);
            s.continuations = data::loglikContinuations(item);
            const std::string trimmed = data::rstrip(s.prompt);
            requests[i].context = encodeContext(tokenizer, trimmed, options, item.id);
            for (std::size_t c = 0; c < s.continuations.size(); ++c) {
                const Split split = moveTrailingSpace(s.prompt, s.continuations[c]);
                auto cont = continuationTokens(tokenizer, split, requests[i].context.size(), options);
                if (cont.empty())
                    throw InvalidArgument("item '" + item.id + "' choice " + std::to_string(c) +
                                          ": the continuation '" + s.continuations[c] + "' has no tokens of its own");
                s.continuationTokens.push_back(static_cast<std::int64_t>(cont.size()));
                requests[i].continuations.push_back(std::move(cont));
                choiceTexts[i].push_back(s.continuations[c].substr(s.continuations[c].empty() ? 0 : 1));
            }
            if (i % 256 == 0) progress.check();
        }
        progress.setStage("scoring (loglik)");
        const auto scores = detail::scoreLoglik(model, requests, options, progress);
        for (std::size_t i = 0; i < items.size(); ++i) result.items[i].scores = scores[i];
    } else {
        std::vector<detail::LetterRequest> requests(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            ItemScore& s = result.items[i];
            const McItem& item = items[i];
            s.prompt = data::fullPrompt(item, exemplarsFor(i, rawItems, exemplarPool, options), data::PromptStyle::Letter);
            const std::string trimmed = data::rstrip(s.prompt);
            requests[i].prompt = encodeContext(tokenizer, trimmed, options, item.id);
            const std::size_t bodyLen = requests[i].prompt.size() - (options.addBos ? 1 : 0);
            const std::vector<std::int64_t> body(requests[i].prompt.begin() + (options.addBos ? 1 : 0),
                                                 requests[i].prompt.end());
            for (std::size_t c = 0; c < item.choices.size(); ++c) {
                const std::string letter = data::optionLetter(c);
                s.continuations.push_back(letter);
                const Split split = moveTrailingSpace(s.prompt, " " + letter);
                const auto whole = tokenizer.encode(split.context + split.continuation, false);
                const bool prefixKept = whole.size() == bodyLen + 1 && std::equal(body.begin(), body.end(), whole.begin());
                if (!prefixKept)
                    throw InvalidArgument("item '" + item.id + "': the option letter '" + split.continuation +
                                          "' is not exactly one token after the prompt (got " +
                                          std::to_string(static_cast<long long>(whole.size()) -
                                                         static_cast<long long>(bodyLen)) +
                                          " tokens, or the prompt's last token merged with it); letter scoring "
                                          "needs single-token letters, use --scoring loglik");
                requests[i].letterIds.push_back(whole.back());
            }
            if (i % 256 == 0) progress.check();
        }
        progress.setStage("scoring (letter)");
        const auto scores = detail::scoreLetters(model, requests, options, progress);
        for (std::size_t i = 0; i < items.size(); ++i) result.items[i].scores = scores[i];
    }

    for (std::size_t i = 0; i < items.size(); ++i) {
        ItemScore& s = result.items[i];
        s.index = static_cast<std::int64_t>(i);
        s.id = items[i].id;
        s.gold = items[i].gold;
        s.golds = items[i].golds.empty() ? std::vector<int>{items[i].gold} : items[i].golds;
        fillItemMetrics(s, choiceTexts[i], options.scoring == Scoring::Loglik);
    }
    result.summary = summarize(result.items, options.scoring);
    return result;
}

}  // namespace prominence::eval
