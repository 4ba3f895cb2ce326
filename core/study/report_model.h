#pragma once
// What a report says about one study of a workspace, gathered by core from the stored runs (no Qt
// here): the cover facts, the headline paragraph, every parameter of every step with the defaults
// marked, the data behind each figure (contrast heatmap with the mask, pruned neurons per layer, the
// source's p(correct) histogram with the selection threshold, the comparison with its paired
// differences, the Shortcut Lab's probe and ground truth), the top neurons with the items behind them
// and their direct output effect, the comparison table as `compare` prints it, and the commands that
// reproduce the study. The Qt side (ui/report) only draws this struct, so the PDF shows the numbers
// the GUI and the CLI show. docs/report.md lists what each page holds.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/study/comparison_data.h"
#include "core/study/neuron_step.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct ReportParams {
    std::string workspacePath;  // required; opened read-only in spirit (nothing is written here)
    // The study to report: a demo, pipeline, compare or attribution run. Neither set: the newest
    // completed demo or pipeline run, else the newest compare run, else the newest attribution run.
    std::optional<workspace::Id> runId;
    std::optional<workspace::Id> comparisonId;  // a stored comparison: its compare run's study
    int top = 20;  // top neurons listed (0: none)
    // Load the model for the top neurons' direct output effects; a model directory that no longer
    // exists gives a note instead.
    bool directEffects = true;
    int effectTokens = 5;  // tokens up and down per neuron

    void validate() const;  // ParamsError
};

// One parameter of one step, flattened: "attribution.steps" = "16".
struct ReportParam {
    std::string key;
    std::string value;  // the stored JSON value as text (strings without quotes)
    bool isDefault = false;  // equal to the default of core's parameter structs for this step
};

struct ReportStep {
    workspace::Id runId = 0;
    std::string kind;  // eval, attribution, prune, finetune, compare, export, pipeline, demo
    std::string name;
    std::string status;
    std::string startedAt;
    std::string endedAt;
    std::vector<ReportParam> params;
    int defaults = 0;  // how many of `params` are defaults
};

struct ReportBenchmark {
    workspace::BenchmarkRecord record;
    std::string role;  // source, reference, transfer
};

// The contrast (or other) score matrix the method pruned from, with the method's mask.
struct ReportHeatmap {
    workspace::Id scoresId = 0;
    workspace::Id runId = 0;  // the attribution run that stored it
    std::string kind;         // contrast_member_outlier, mean_ig, ...
    std::string dataset;
    std::int64_t layers = 0;
    std::int64_t neurons = 0;
    std::vector<float> scores;  // row-major [layers, neurons]
    std::optional<workspace::Id> maskId;
    std::string maskName;
    std::vector<workspace::NeuronRef> mask;  // the method's pruned neurons
    std::vector<std::int64_t> prunedPerLayer;  // [layers]
};

// p(correct) of every item of the source's eval run, and the selection made over it.
struct ReportHistogram {
    workspace::Id evalRunId = 0;
    std::string benchmark;
    std::vector<double> pCorrect;
    std::vector<bool> correct;
    std::optional<workspace::Id> selectionId;
    std::string selectionName;
    std::int64_t selected = 0;
    std::optional<double> threshold;  // the selection's p(correct) threshold (top-k: the smallest selected)
    std::string criterion;            // the selection's criteria as text
};

struct ReportNeuronItem {
    std::int64_t itemIndex = 0;
    std::string itemId;
    double attribution = 0.0;  // the item's IG at this neuron
    std::string question;      // shortened
    std::vector<std::string> options;  // shortened
    std::int64_t gold = 0;
    std::int64_t pred = 0;
};

struct ReportNeuron {
    std::int64_t layer = 0;
    std::int64_t neuron = 0;
    double score = 0.0;
    std::int64_t rank = 0;  // 1 = the largest score of the matrix
    bool pruned = false;    // in the method's mask
    std::vector<ReportNeuronItem> items;  // the top 3 items by IG at this neuron
    std::vector<TokenEffect> up;          // direct output effect (empty: see effectNote)
    std::vector<TokenEffect> down;
};

// One figure or table and the stored objects it was drawn from.
struct ReportSource {
    std::string what;  // "Figure 1: contrast heatmap"
    std::string from;  // "scores 4 of attribution run 5; mask 1"
};

struct ReportModel {
    std::string title;
    std::string generatedAt;  // UTC ISO 8601
    std::string prominenceVersion;
    std::string workspacePath;  // absolute
    workspace::Id studyRunId = 0;
    std::string studyKind;  // demo, pipeline, compare, attribution
    std::string studyName;

    std::optional<workspace::ModelRecord> model;
    std::int64_t parameterCount = 0;
    std::vector<ReportBenchmark> benchmarks;
    nlohmann::ordered_json machine;  // threads, blas, device, host of the study run

    std::string summary;  // the headline paragraph
    std::vector<ReportStep> steps;

    std::optional<ReportHeatmap> heatmap;
    std::optional<ReportHistogram> histogram;
    std::optional<ComparisonData> comparison;  // with the paired differences loaded
    std::string comparisonText;                // compare::formatTable of the stored table
    std::vector<ReportNeuron> topNeurons;
    std::string neuronNote;  // why items or effects are missing, when they are

    std::vector<std::string> reproduction;  // shell command lines, in order
    std::string pipelineConfig;             // a pipeline's configuration (pretty JSON), when there is one
    std::vector<ReportSource> sources;
    std::vector<std::string> notes;  // what the report left out and why

    // The headline numbers as JSON: {"study_run", "high_confidence", "pruned", "per_layer",
    // "differences": [{"benchmark", "source", "contrast", "mean", "ci_low", "ci_high"}]} — what tests
    // compare with the demo's JSON.
    nlohmann::ordered_json headline;
};

// Reads everything from the workspace (StorageError: not a workspace; ParamsError: an unknown run or
// comparison, a run that is not completed, or a run of a kind that is no study).
ReportModel buildReportModel(const ReportParams& params, Progress& progress = Progress::none(),
                             const Log& log = {});

// The comparison cell value as `compare` prints it ("0.875 [0.812, 0.938]"), for tables.
std::string formatCell(const ComparisonCell& cell);
// A signed difference with its interval: "+0.021 [-0.010, +0.052]".
std::string formatDifference(const PairedDifference& d);

}  // namespace prominence::study
