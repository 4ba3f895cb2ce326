#pragma once
// The before/after comparison of the method against its baselines.
//
// For a source benchmark (where neurons were scored and the fine-tuning items come from) and transfer
// benchmarks, accuracy is measured for each condition:
//   before              the model as loaded
//   method              prune by the dataset-specific score (the given mask), then fine-tune
//   finetune_only       fine-tune, nothing pruned
//   prune_only          the method's mask, no fine-tuning
//   random_finetune     random neurons (same count per layer as the method), then fine-tune
//   magnitude_finetune  largest mean |activation| on the source selection (same count per layer),
//                       then fine-tune
// Conditions that fine-tune run once per seed: the seed draws the k fine-tuning items from the pool,
// shuffles the training order and draws the random mask; within a seed every condition trains on the
// same items in the same order (a paired design). before and prune_only do not depend on a seed and
// run once. Every run evaluates the same items of every benchmark, so cells pair across conditions:
// per cell the mean, sd over seeds and a percentile-bootstrap CI over items (statistics.h), and
// McNemar's test between method and finetune_only on each benchmark (seeds pooled).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compare/statistics.h"
#include "core/data/mc_item.h"
#include "core/eval/evaluator.h"
#include "core/jobs/progress.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

namespace prominence::compare {

enum class Condition { Before, Method, FinetuneOnly, PruneOnly, RandomFinetune, MagnitudeFinetune };
std::string conditionName(Condition c);  // before, method, finetune_only, prune_only, random_finetune, magnitude_finetune
Condition parseCondition(const std::string& name);  // InvalidArgument listing the known names
const std::vector<Condition>& allConditions();
bool conditionTrains(Condition c);
bool conditionPrunes(Condition c);

struct BenchmarkSet {
    std::string name;  // label in the table
    std::string path;  // file it came from (recorded)
    std::string format;
    std::vector<data::McItem> items;  // the evaluated items (the source's exclude its fine-tuning pool)
};

struct ComparisonSetup {
    std::string modelDir;  // reloaded for every run, so no run sees another's changes
    LoadOptions load;
    const Tokenizer* tokenizer = nullptr;
    BenchmarkSet source;
    std::vector<BenchmarkSet> transfer;
    // Source items the k fine-tuning examples are drawn from; must not overlap source.items.
    std::vector<data::McItem> finetunePool;
    std::size_t shots = 16;
    eval::EvalOptions eval;    // scoring decides the loss target (letter token or continuation)
    train::TrainOptions train; // seed is set per run; checkpointDir per run when checkpoints are kept
    prune::PruneMask methodMask;
    nlohmann::json methodProvenance = nlohmann::json::object();
    // Exact prompt texts of the source's high-confidence selection (for activation magnitudes).
    std::vector<std::string> selectionPrompts;
    std::vector<std::uint64_t> seeds = {1, 2, 3};
    std::vector<Condition> conditions = allConditions();
    BootstrapOptions bootstrap;

    // InvalidArgument naming what is missing or inconsistent.
    void validate() const;
    nlohmann::json toJson() const;  // every parameter except the item lists (their sizes instead)
};

// One finished (condition, seed) run, handed to the hooks with its model.
struct ConditionRun {
    Condition condition = Condition::Before;
    std::optional<std::uint64_t> seed;  // empty for before and prune_only
    prune::PruneMask mask;              // empty for before and finetune_only
    std::map<std::string, eval::EvalResult> evals;  // by benchmark name
    std::optional<train::TrainResult> training;
    std::string label() const;  // "method/seed 3", "before"
};

struct ComparisonHooks {
    // Called before training with the directory for this run's checkpoints, or empty for none.
    std::function<std::string(Condition, std::uint64_t seed)> checkpointDir;
    // Called after each run with the model in its final state (for storing results and artefacts).
    std::function<void(const ConditionRun&, const Model&)> onRun;
};

struct ComparisonResult {
    nlohmann::json table;  // what saveComparison stores and formatTable prints
    std::vector<ConditionRun> runs;
};

// Throws InvalidArgument (setup), Cancelled (progress), or whatever loading/eval/training throws.
ComparisonResult runComparison(const ComparisonSetup& setup, const ComparisonHooks& hooks = {},
                               Progress& progress = Progress::none());

// The table from finished runs (exposed for tests): cells, McNemar rows, masks, training summaries.
nlohmann::json buildTable(const ComparisonSetup& setup, const std::vector<ConditionRun>& runs);

// Plain-text rendering of a table: one row per benchmark x condition, then the McNemar rows.
std::string formatTable(const nlohmann::json& table);

// runComparison with everything stored in `ws`: a 'compare' run (parent `parentRunId`), one eval
// run per (condition, seed, benchmark) with per-item results, the masks with provenance, fine-tuned
// checkpoints under <workspace dir>/checkpoints/compare-<run>/ when `keepCheckpoints`, and the table
// as a comparison record. Returns the result with table["run_id"] and table["comparison_id"] set.
struct StoredComparison {
    ComparisonResult result;
    workspace::Id runId = 0;
    workspace::Id comparisonId = 0;
};
StoredComparison runAndStoreComparison(workspace::Workspace& ws, const ComparisonSetup& setup, const std::string& name,
                                       bool keepCheckpoints, std::optional<workspace::Id> parentRunId = std::nullopt,
                                       Progress& progress = Progress::none(),
                                       const std::function<void(const ConditionRun&, const Model&)>& onRun = {});

}  // namespace prominence::compare
