#pragma once
// What the comparison view and the report show, read from the workspace (off the GUI thread): the
// stored comparison table of a 'compare' run as it is (cells with their means and 95% intervals,
// McNemar rows, seeds), then the paired differences the table does not store, from the eval runs it
// lists: per benchmark, method minus finetune_only and method minus random_finetune, item by item
// within each seed (the paired design), with core's percentile bootstrap over items and McNemar's
// test (core/compare/statistics.h, the functions the comparison itself uses). Where the compare run
// belongs to a Shortcut Lab run, the lab's stored ground truth and localisation probe come with it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/workspace/records.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

// One stored cell: a condition on a benchmark.
struct ComparisonCell {
    std::string condition;
    std::string benchmark;
    bool source = false;  // the in-domain benchmark
    int seeds = 0;
    int items = 0;
    double mean = 0.0;
    double sd = 0.0;
    double ciLow = 0.0;
    double ciHigh = 0.0;
    std::vector<double> perSeed;  // accuracy of each seed (one value for seed-free conditions)
};

// `a` minus `b` on one benchmark, paired by seed and item.
struct PairedDifference {
    std::string a;
    std::string b;
    std::string benchmark;
    bool source = false;
    int items = 0;
    std::vector<std::uint64_t> seeds;  // the seeds paired (empty for two seed-free conditions)
    double mean = 0.0;                 // mean over items of the per-item difference averaged over seeds
    double ciLow = 0.0;
    double ciHigh = 0.0;
    double level = 0.95;
    std::int64_t onlyA = 0;  // McNemar's discordant counts, seeds pooled
    std::int64_t onlyB = 0;
    double exactP = 1.0;
    double chi2P = 1.0;
    // The eval runs paired, per seed: (run of a, run of b); what "show the flipped items" opens.
    std::vector<std::pair<workspace::Id, workspace::Id>> runPairs;
    bool significant() const { return ciLow > 0.0 || ciHigh < 0.0; }
};

// One row of the in-domain x transfer matrix: a comparison of the same model whose source is `source`.
struct MatrixRow {
    workspace::Id runId = 0;
    workspace::Id comparisonId = 0;
    std::string name;
    std::string source;
    std::vector<PairedDifference> differences;  // every contrast on every benchmark of that comparison
};

struct ComparisonData {
    workspace::Id runId = 0;
    workspace::Id comparisonId = 0;
    std::string name;
    std::string model;
    nlohmann::json table;  // as stored
    std::string source;
    std::vector<std::string> benchmarks;  // in-domain first, then transfer, as stored
    std::vector<std::string> conditions;  // in the table's order
    std::vector<std::uint64_t> seeds;
    std::string scoring;
    int shots = 0;
    double ciLevel = 0.95;
    std::int64_t pruned = 0;  // neurons of the method's mask
    std::vector<ComparisonCell> cells;
    // The Shortcut Lab run this comparison belongs to: its summary's ground_truth and probe.
    std::optional<workspace::Id> labRunId;
    nlohmann::json groundTruth;
    nlohmann::json probe;

    // Filled by loadPairedDifferences.
    bool pairedLoaded = false;
    std::vector<PairedDifference> differences;  // this comparison's, by contrast then benchmark
    std::vector<MatrixRow> matrix;              // this comparison first, then the others of its model

    const ComparisonCell* cell(const std::string& condition, const std::string& benchmark) const;
    const PairedDifference* difference(const std::string& a, const std::string& b, const std::string& benchmark) const;
};

// The contrasts the view offers: (a, b) pairs, "method" against each control.
const std::vector<std::pair<std::string, std::string>>& comparisonContrasts();

// The stored table of the 'compare' run `compareRunId` (StorageError when the run stores no
// comparison; FormatError when the table lacks its cells).
ComparisonData loadComparisonTable(const std::string& workspacePath, workspace::Id compareRunId);

// Paired differences of `data` and of every other stored comparison of the same model, from the
// per-item results of their eval runs.
void loadPairedDifferences(const std::string& workspacePath, ComparisonData& data);

// The paired difference of two sets of eval runs on one benchmark (exposed for tests): `aRuns` and
// `bRuns` map seed -> eval run; a seed-free condition has the single key 0 and pairs with every seed.
PairedDifference pairedDifference(workspace::Workspace& ws, const std::vector<std::pair<std::uint64_t, workspace::Id>>& aRuns,
                                  const std::vector<std::pair<std::uint64_t, workspace::Id>>& bRuns, int resamples,
                                  std::uint64_t bootstrapSeed, double level);

}  // namespace prominence::study
