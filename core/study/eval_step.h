#pragma once
// The eval step: score a benchmark with a model, optionally write per-item JSONL, store the run in
// a workspace and select its high-confidence items; and the select step, which stores a selection
// of an eval run stored earlier. `prominence-cli eval` / `select` and the GUI's eval form call
// these.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/benchmark_loader.h"
#include "core/eval/evaluator.h"
#include "core/eval/selection.h"
#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/item_query.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct EvalParams {
    std::string modelDir;       // Hugging Face checkpoint directory (required)
    std::string tokenizer;      // tokenizer directory or tokenizer.json; empty: the model directory
    std::string benchmarkPath;  // benchmark file or directory (required)
    data::LoadOptions load;     // format (auto), generic field mapping, skipInvalid, language
    std::string fewshotFrom;    // exemplars from this file; empty: from the benchmark itself
    std::int64_t limit = -1;    // evaluate only the first `limit` items; -1: all
    // scoring loglik, shots 0, seed 1234, batches of 32 rows / 8192 tokens, context reuse, no BOS.
    eval::EvalOptions options;
    std::string dtype = "float32";  // compute dtype: float32 | bfloat16 | float16
    std::string device = "cpu";     // cpu | cuda | cuda:N
    std::string itemsPath;          // write one JSON line per item here; empty: none
    std::string workspacePath;      // store the run here (created if missing); empty: not stored
    // Store the correct items meeting these criteria as selection `selectionName` of the run (needs
    // workspacePath).
    std::optional<eval::SelectionCriteria> select;
    std::string selectionName;

    // ParamsError naming the offending field (the CLI's messages); options as
    // EvalOptions::validate.
    void validate() const;
};

struct EvalResult {
    // What `prominence-cli eval` prints: n, acc (acc_norm, acc_bytes, mc2 where defined), scoring,
    // shots, benchmark, format, skipped, and run_id / selection when stored.
    nlohmann::json summary;
    eval::EvalResult scores;  // every item's scores, as evaluated
    std::optional<workspace::Id> runId;
    std::optional<workspace::Id> selectionId;
    std::vector<std::int64_t> selectedItems;  // item indices of the selection, best first
};

// Loads, evaluates and stores. Throws ParamsError (see validate), LoadError / FormatError
// (benchmark, model, tokenizer), InvalidArgument (data the scorer refuses), StorageError, or
// Cancelled.
EvalResult runEval(const EvalParams& params, Progress& progress = Progress::none(),
                   const Log& log = {});

struct SelectParams {
    std::string workspacePath;         // required
    workspace::Id runId = 0;           // a completed eval run of the workspace
    std::string name;                  // selection name, unique per run
    // Exactly one of: criteria's threshold, criteria's topK, or a filter.
    eval::SelectionCriteria criteria;
    // The example browser's filter: the selection holds the items it matches, in `sort` order (a
    // hand-curated set: wrong answers, items that flipped, a p(correct) band, a text search).
    std::optional<workspace::ItemFilter> filter;
    workspace::ItemSort sort;

    void validate() const;  // ParamsError
};

struct SelectResult {
    nlohmann::ordered_json summary;  // {"id", "name", "run_id", "items": count}
    workspace::Id selectionId = 0;
    std::vector<std::int64_t> itemIndices;  // best first
};

// Stores the high-confidence selection of a stored eval run (eval::selectHighConfidence over its
// items), or the items a filter matches (workspace::ItemQuery, criteria {"filter", "sort"}).
// ParamsError when the run is not an eval run, is not completed, the name is taken, or the filter is
// refused or matches no item.
SelectResult runSelect(const SelectParams& params, Progress& progress = Progress::none());

}  // namespace prominence::study
