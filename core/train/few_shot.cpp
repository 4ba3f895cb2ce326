// Few-shot fine-tuning items and their answer-only training examples.
#include "core/train/few_shot.h"

#include <algorithm>
#include <set>

#include "core/common/error.h"
#include "core/data/rendering.h"
#include "core/data/sampling.h"
#include "core/data/text_utils.h"

namespace prominence::train {

std::string answerStyleName(AnswerStyle style) { return style == AnswerStyle::Letter ? "letter" : "loglik"; }

AnswerStyle parseAnswerStyle(const std::string& name) {
    if (name == "letter") return AnswerStyle::Letter;
    if (name == "loglik") return AnswerStyle::Loglik;
    throw InvalidArgument("unknown scoring '" + name + "' (known: letter, loglik)");
}

TrainExample mcExample(const data::McItem& item, const Tokenizer& tokenizer, const McExampleOptions& options) {
    const std::string what = "item '" + item.id + "'";
    if (item.gold < 0 || item.gold >= static_cast<int>(item.choices.size()))
        throw InvalidArgument(what + ": no gold answer among its " + std::to_string(item.choices.size()) + " choices");
    std::string context, continuation;
    if (options.style == AnswerStyle::Letter) {
        context = data::fullPrompt(item, {}, data::PromptStyle::Letter);
        continuation = " " + data::optionLetter(static_cast<std::size_t>(item.gold));
    } else {
        context = data::fullPrompt(item, {}, data::PromptStyle::Loglik);
        continuation = data::loglikContinuations(item).at(static_cast<std::size_t>(item.gold));
    }
    const std::string trimmed = data::rstrip(context);
    continuation = context.substr(trimmed.size()) + continuation;
    const std::vector<std::int64_t> body = tokenizer.encode(trimmed, false);
    if (body.empty()) throw InvalidArgument(what + ": the prompt encodes to no tokens");
    const std::vector<std::int64_t> whole = tokenizer.encode(trimmed + continuation, false);
    if (whole.size() <= body.size())
        throw InvalidArgument(what + ": the answer '" + continuation + "' adds no tokens to the prompt");
    const std::vector<std::int64_t> cont(whole.begin() + static_cast<std::ptrdiff_t>(body.size()), whole.end());
    std::vector<std::int64_t> ctx;
    if (options.addBos) {
        const auto bos = tokenizer.bosId();
        if (!bos) throw InvalidArgument(what + ": add-bos: the tokenizer defines no BOS token");
        ctx.push_back(*bos);
    }
    ctx.insert(ctx.end(), body.begin(), body.end());
    return continuationExample(ctx, cont);
}

std::vector<TrainExample> mcExamples(const std::vector<data::McItem>& items, const Tokenizer& tokenizer,
                                     const McExampleOptions& options) {
    std::vector<TrainExample> out;
    out.reserve(items.size());
    for (const data::McItem& item : items) out.push_back(mcExample(item, tokenizer, options));
    return out;
}

FewShotSplit holdOutFewShot(const std::vector<data::McItem>& items, std::size_t k, std::uint64_t seed) {
    if (k < 1 || k >= items.size())
        throw InvalidArgument("few-shot k = " + std::to_string(k) + " must be in [1, " + std::to_string(items.size()) +
                              ") to leave items for evaluation");
    data::SeededRng rng(seed);
    FewShotSplit split;
    split.trainIndices = data::sampleIndices(items.size(), k, rng);
    const std::set<std::size_t> taken(split.trainIndices.begin(), split.trainIndices.end());
    for (std::size_t i : split.trainIndices) split.train.push_back(items[i]);
    for (std::size_t i = 0; i < items.size(); ++i)
        if (!taken.count(i)) split.evaluation.push_back(items[i]);
    return split;
}

std::vector<data::McItem> sampleFewShot(const std::vector<data::McItem>& pool, std::size_t k, std::uint64_t seed,
                                        const std::vector<data::McItem>& evaluated) {
    std::set<std::string> ids;
    std::set<std::pair<std::string, std::vector<std::string>>> texts;
    for (const data::McItem& e : evaluated) {
        if (!e.id.empty()) ids.insert(e.id);
        texts.insert({e.question, e.choices});
    }
    std::vector<std::size_t> allowed;
    for (std::size_t i = 0; i < pool.size(); ++i)
        if (!(!pool[i].id.empty() && ids.count(pool[i].id)) && !texts.count({pool[i].question, pool[i].choices}))
            allowed.push_back(i);
    if (k < 1 || k > allowed.size())
        throw InvalidArgument("few-shot k = " + std::to_string(k) + ": the training pool has " + std::to_string(allowed.size()) +
                              " items not among the evaluated ones (of " + std::to_string(pool.size()) + ")");
    data::SeededRng rng(seed);
    std::vector<data::McItem> out;
    for (std::size_t i : data::sampleIndices(allowed.size(), k, rng)) out.push_back(pool[allowed[i]]);
    return out;
}

}  // namespace prominence::train
