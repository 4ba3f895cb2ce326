#pragma once
// Scores multiple-choice items with a causal LM, the two ways the method uses:
//  - letter: the options listed as "A. ..." lines, then "Answer:"; the prediction is the argmax of the
//    next-token log-probabilities of " A", " B", ... (the method paper's setting);
//  - loglik: each choice's continuation log-likelihood after the context, with acc / acc_norm
//    (sum divided by the choice's length in characters) / acc_bytes as lm-evaluation-harness defines them.
// docs/eval.md describes tokenisation, batching and the per-item fields.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/data/mc_item.h"
#include "core/jobs/progress.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"

namespace prominence::eval {

enum class Scoring { Letter, Loglik };
std::string scoringName(Scoring s);
Scoring parseScoring(const std::string& name);  // "letter" | "loglik"; InvalidArgument otherwise

struct EvalOptions {
    Scoring scoring = Scoring::Loglik;
    int shots = 0;
    std::uint64_t seed = 1234;
    bool shuffleOptions = false;
    // Loglik: run each item's context once and score all its continuations against its KV cache.
    bool reuseContext = true;
    // Batch limits: rows per forward call and padded tokens (rows x longest row) per call.
    std::int64_t maxBatchRows = 32;
    std::int64_t maxBatchTokens = 8192;
    // Prepend the tokenizer's BOS to every prompt (lm-eval's add_bos_token); off as in lm-eval.
    bool addBos = false;

    void validate() const;  // InvalidArgument echoing the bad value
};

struct ItemScore {
    std::int64_t index = 0;  // position in the evaluated list
    std::string id;
    std::string prompt;                       // exact context text, description and exemplars included
    std::vector<std::string> continuations;   // loglik: each choice's continuation; letter: "A", "B", ...
    std::vector<double> scores;               // summed log-likelihood / letter log-prob (full vocabulary)
    std::vector<double> probs;                // softmax of scores over the options
    int pred = 0;
    int gold = 0;
    std::vector<int> golds;
    bool correct = false;
    double pCorrect = 0.0;  // probs[gold]; for several golds (MC2) their sum
    double margin = 0.0;    // probs[pred] - the runner-up's prob
    // Loglik only.
    std::optional<int> predNorm;   // argmax of score / choice length in characters (code points)
    std::optional<int> predBytes;  // argmax of score / choice length in UTF-8 bytes
    std::vector<std::int64_t> continuationTokens;  // tokens per continuation
};

struct EvalSummary {
    std::int64_t n = 0;
    double acc = 0.0;
    std::optional<double> accNorm;   // loglik
    std::optional<double> accBytes;  // loglik
    std::optional<double> mc2;       // items with several golds (TruthfulQA MC2): mean true-answer mass
};

struct EvalResult {
    std::vector<ItemScore> items;
    EvalSummary summary;
};

// Scores `items` in order. Exemplars come from `exemplarPool` (a dev split) when given, else from
// `items` themselves without the item. Throws InvalidArgument (options, a letter that is not one
// token, an empty continuation), ShapeError (vocabulary mismatch) or Cancelled.
EvalResult evaluate(const Model& model, const Tokenizer& tokenizer, const std::vector<data::McItem>& items,
                    const std::vector<data::McItem>* exemplarPool, const EvalOptions& options,
                    Progress& progress = Progress::none());

EvalSummary summarize(const std::vector<ItemScore>& items, Scoring scoring);

}  // namespace prominence::eval
