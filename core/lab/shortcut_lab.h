#pragma once
// The Shortcut Lab end to end: build (or reuse) the lab model, then run the method as Prominence runs it
// on real data -- letter eval, high-confidence selection, neuron IG, contrast with the tag-free reference
// benchmarks, prune mask -- and core/compare's before/after comparison against every baseline over
// seeds. On top, the ground truth only the lab knows: how often the model follows the planted tags
// before and after, and how much ablating the chosen neurons alone changes that compared with random
// neurons of the same count and layers. docs/shortcut-lab.md.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attribution/contrast.h"
#include "core/attribution/params.h"
#include "core/jobs/progress.h"
#include "core/lab/recipe.h"

namespace prominence::lab {

struct DemoOptions {
    LabRecipe recipe = LabRecipe::defaults();
    std::string cacheRoot;      // empty: defaultCacheRoot()
    std::string workspacePath;  // empty: nothing stored
    int seeds = 5;
    std::uint64_t baseSeed = 1;  // seeds are baseSeed, baseSeed + 1, ...

    // The method, with the defaults the prototype's evidence points to (docs/shortcut-lab.md).
    double confidence = 0.9;   // high-confidence: correct with p(correct) >= this
    int attributedItems = 64;  // per dataset, a seeded sample of its high-confidence items
    attribution::AttributionParams ig;     // see defaults()
    attribution::ContrastParams contrast;  // see defaults()
    double prunePercent = 5.0;             // of the selectable neurons, best contrast first
    // Few-shot fine-tuning of every fine-tuned condition: `shots` source training items per seed.
    int shots = 32;
    // Where the shots come from: false = `source_train` (tags consistent with the gold, as the source
    // benchmark's own training data would be: the default), true = `member_train` (the same question
    // without tags or ambiguous items: fine-tuning data where the shortcut does not pay off).
    bool untaggedFinetune = false;
    train::TrainOptions finetune;  // see defaults()
    int bootstrapResamples = 1000;
    // The localisation probe (ablation only, no fine-tuning): the method's top p% against random neurons
    // of the same count per layer and against an oracle that knows the ground truth, for each p here.
    std::vector<double> probePercents = {2, 5, 10, 20};

    static DemoOptions defaults();
    // Seconds, for tests: LabRecipe::tiny(), few items, steps and seeds. Its numbers mean nothing.
    static DemoOptions tiny();
    nlohmann::json toJson() const;
};

// Per condition (core/compare's names plus random_prune_only), one value per run in seed order
// (before and prune_only run once).
struct GroundTruthSeries {
    std::vector<double> cueFollowing;     // source_conflict: share of answers = the option the tags name
    std::vector<double> conflictAccuracy; // source_conflict accuracy
    std::vector<double> ambiguousAccuracy;// source items with two members: only the tags decide
};

struct DemoResult {
    LabBuild build;
    nlohmann::json comparison;  // core/compare's table
    std::map<std::string, GroundTruthSeries> groundTruth;
    nlohmann::json mask;        // the method's mask: neurons, per-layer counts, IG mass per layer
    nlohmann::json summary;     // reliance, ablation, paired differences
    nlohmann::json probe;       // localisation probe: sweep over pruned fractions, whole-layer ablations
    nlohmann::json timings;     // seconds per stage
    double wallSeconds = 0;
    std::int64_t workspaceRunId = 0;  // the demo run, when a workspace was given

    nlohmann::json toJson() const;
};

// The lab model's letter behaviour per evaluation benchmark, before any method runs: accuracy, mean
// p(correct), the number of items correct with p >= `confidence`, and -- where the item carries tags --
// how often the answer is the option the tags name. Ambiguous source items (two members; only the tags
// decide) are reported separately. This is what decides whether a recipe gives the method something to
// find: the references need high-confidence items and the source must rely on the tags.
nlohmann::json measureLab(const LabBuild& build, double confidence, Progress& progress = Progress::none());

DemoResult runShortcutLab(const DemoOptions& options, Progress& progress = Progress::none());

// core/compare's table, then the ground truth and the timings, as `prominence-cli demo` prints them.
std::string formatDemoReport(const DemoResult& result);

}  // namespace prominence::lab
