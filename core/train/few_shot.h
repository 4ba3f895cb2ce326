#pragma once
// Few-shot fine-tuning data from multiple-choice benchmarks: which k items are trained on (seeded,
// never an item that is evaluated), and how an item becomes a TrainExample with the loss on its
// answer: the letter token(s) after "Answer:" in letter scoring, the correct choice's continuation in
// loglik scoring. Prompts are rendered by core/data exactly as evaluation renders them (no exemplars).
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/mc_item.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/example.h"

namespace prominence::train {

enum class AnswerStyle { Letter, Loglik };
std::string answerStyleName(AnswerStyle style);       // letter, loglik
AnswerStyle parseAnswerStyle(const std::string& name);  // InvalidArgument listing the known names

struct McExampleOptions {
    AnswerStyle style = AnswerStyle::Letter;
    // The tokenizer's BOS id before the context, as core/eval's EvalOptions::addBos.
    bool addBos = false;
};

// context = the prompt; continuation = " <gold letter>" (letter) or the gold choice's continuation
// (loglik). Tokenised as core/eval (and lm-evaluation-harness) tokenise them: trailing whitespace of
// the context moves to the continuation, ctx = [BOS] + encode(context), whole = encode(context +
// continuation), continuation tokens = whole[len(encode(context)):]. InvalidArgument naming the item
// when it has no gold answer, the context has no tokens, or the continuation encodes to nothing.
TrainExample mcExample(const data::McItem& item, const Tokenizer& tokenizer, const McExampleOptions& options);
std::vector<TrainExample> mcExamples(const std::vector<data::McItem>& items, const Tokenizer& tokenizer,
                                     const McExampleOptions& options);

struct FewShotSplit {
    std::vector<data::McItem> train;       // the k fine-tuning items, in draw order
    std::vector<data::McItem> evaluation;  // the items left for evaluation, in file order
    std::vector<std::size_t> trainIndices; // positions of `train` in the source list
};

// Holds k items out of `items` for fine-tuning (seeded draw); the rest are the evaluation items.
// InvalidArgument when k < 1 or k >= items.size() (nothing would be left to evaluate).
FewShotSplit holdOutFewShot(const std::vector<data::McItem>& items, std::size_t k, std::uint64_t seed);

// k items drawn (seeded) from a separate train/dev `pool`, skipping any that also appears among
// `evaluated` (same id, or same question and choices). InvalidArgument when fewer than k remain.
std::vector<data::McItem> sampleFewShot(const std::vector<data::McItem>& pool, std::size_t k, std::uint64_t seed,
                                        const std::vector<data::McItem>& evaluated);

}  // namespace prominence::train
