#pragma once
// Everything the navigator shows of a workspace, read in one go on a worker thread: the records'
// metadata, never their bulk (items, IG vectors and score matrices stay in the file until a view asks
// for them), so a workspace with a million item rows opens as fast as an empty one.
#include <cstdint>
#include <string>
#include <vector>

#include "core/workspace/records.h"

namespace prominence::ui {

struct SelectionInfo {
    workspace::Id id = 0;
    workspace::Id runId = 0;
    std::string name;
    workspace::Json criteria;
    std::int64_t items = 0;
    std::string createdAt;
};

struct ScoresInfo {
    workspace::Id id = 0;
    workspace::Id runId = 0;
    std::string dataset;
    std::string kind;
    std::int64_t layers = 0;
    std::int64_t neurons = 0;
    std::int64_t itemCount = 0;
    workspace::Json params;
    std::string createdAt;
};

struct MaskInfo {
    workspace::Id id = 0;
    std::string name;
    std::optional<workspace::Id> runId;
    std::optional<workspace::Id> modelId;
    std::int64_t layers = 0;
    std::int64_t neurons = 0;
    std::int64_t neuronCount = 0;
    workspace::Json provenance;
    std::string createdAt;
};

struct ComparisonInfo {
    workspace::Id id = 0;
    workspace::Id runId = 0;
    std::string name;
    std::string createdAt;
};

struct StudySnapshot {
    std::string path;
    int schemaVersion = 0;
    std::vector<workspace::Id> recoveredRuns;
    std::vector<workspace::ModelRecord> models;
    std::vector<workspace::BenchmarkRecord> benchmarks;
    std::vector<workspace::RunRecord> runs;  // every run, unfinished ones too, in id order
    std::vector<SelectionInfo> selections;
    std::vector<ScoresInfo> scores;
    std::vector<MaskInfo> masks;
    std::vector<workspace::CheckpointRecord> checkpoints;
    std::vector<ComparisonInfo> comparisons;
    std::vector<workspace::ExportRecord> exports;
    double loadMs = 0.0;

    const workspace::RunRecord* run(workspace::Id id) const;
    const workspace::ModelRecord* model(workspace::Id id) const;
    const workspace::BenchmarkRecord* benchmark(workspace::Id id) const;
    const SelectionInfo* selection(workspace::Id id) const;
    const ScoresInfo* scoresRow(workspace::Id id) const;
    const MaskInfo* mask(workspace::Id id) const;
    const ComparisonInfo* comparison(workspace::Id id) const;
    const workspace::ExportRecord* exportRow(workspace::Id id) const;
};

// Opens the workspace (as the CLI does: older schemas are migrated, runs of dead processes marked
// 'incomplete') and reads its metadata. Throws the core's StorageError for a file that is not a
// workspace or is newer than this Prominence. Call it on a worker thread.
StudySnapshot loadStudySnapshot(const std::string& path);

// The number a navigator row shows beside a run: accuracy of an eval, items of an attribution, ...
std::string runKeyNumber(const workspace::RunRecord& run);

}  // namespace prominence::ui
