#pragma once
// The workspace: one SQLite file (*.prominence) that records every model, benchmark, run, its full
// parameters, per-item results, neuron scores, masks, checkpoints and exported paths, so that any
// figure can be traced to the run that produced it. docs/workspace.md documents the schema.
//
// Runs and crash safety. beginRun() stores a run as 'running' with this process's pid, host and
// start time. Its results are written in transactions (a batch of items is all there or not at
// all); finishRun()/cancelRun()/failRun() close it. When a workspace is opened, runs left
// 'running' by a process on this host that no longer exists are marked 'incomplete'. Readers see
// only completed runs' results unless they ask for ReadScope::Any; a cancelled, failed or
// incomplete run keeps its finished items and resumeRun() continues it.
//
// Thread safety: a Workspace is one SQLite connection; use it from one thread at a time. A job on a
// worker thread opens its own Workspace on the same path (WAL lets readers and one writer work at
// once; writers wait up to the busy timeout for each other).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/workspace/database.h"
#include "core/workspace/records.h"

namespace prominence::workspace {

enum class ReadScope {
    CompletedOnly,  // results of completed runs; asking for another run's results is an error
    Any,            // also running, cancelled, failed and incomplete runs (resume, diagnostics)
};

struct RunQuery {
    std::string kind;  // empty: every kind
    bool includeUnfinished = false;
};

class Workspace {
public:
    // Creates a new workspace; throws StorageError when the file already exists.
    static Workspace create(const std::string& path);
    // Opens an existing workspace, migrating an older schema and marking dead runs 'incomplete'.
    // Throws StorageError for a missing file, a file that is not a Prominence workspace, or one
    // written by a newer Prominence (schema version above kSchemaVersion).
    static Workspace open(const std::string& path);
    static Workspace openOrCreate(const std::string& path);

    const std::string& path() const { return db_.path(); }
    int schemaVersion();
    // Runs this open() found dead and marked 'incomplete'.
    const std::vector<Id>& recoveredRuns() const { return recovered_; }
    // For queries this API does not cover; keep writes inside a Transaction.
    Database& database() { return db_; }
    // "ok", or SQLite's list of problems.
    std::string integrityCheck();

    // Models and benchmarks are deduplicated: adding the same path with the same hashes returns
    // the id stored before.
    Id addModel(const ModelRecord& model);
    ModelRecord model(Id id);
    std::vector<ModelRecord> models();
    Id addBenchmark(const BenchmarkRecord& benchmark);
    BenchmarkRecord benchmark(Id id);
    std::vector<BenchmarkRecord> benchmarks();

    Id beginRun(const RunStart& start);
    void finishRun(Id runId, const Json& summary = Json::object());
    void cancelRun(Id runId, const Json& summary = Json::object());
    void failRun(Id runId, const std::string& message);
    // Turns a cancelled, failed or incomplete run back to 'running' under this process and returns
    // the indices of the items it already holds, so the job can skip them.
    std::vector<std::int64_t> resumeRun(Id runId);
    RunRecord run(Id runId);
    std::vector<RunRecord> runs(const RunQuery& query = {});

    // All items in one transaction; the run must be 'running'. An index stored before is an error.
    void addItems(Id runId, const std::vector<ItemResult>& items);
    std::vector<ItemResult> items(Id runId, ReadScope scope = ReadScope::CompletedOnly);
    std::vector<std::int64_t> itemIndices(Id runId, ReadScope scope = ReadScope::CompletedOnly);

    // The run must be completed and hold every listed item; names are unique per run.
    Id saveSelection(const Selection& selection);
    Selection selection(Id selectionId);
    std::optional<Selection> findSelection(Id runId, const std::string& name);
    std::vector<Selection> selections(std::optional<Id> runId = std::nullopt);

    void addIgItems(Id runId, const std::vector<IgItem>& items);
    // All layers when `layer` is empty; ordered by item, then layer.
    std::vector<IgItem> igItems(Id runId, std::optional<std::int64_t> layer = std::nullopt,
                                ReadScope scope = ReadScope::CompletedOnly);

    // (run, dataset, kind) is unique.
    Id saveNeuronScores(const NeuronScores& scores);
    NeuronScores neuronScores(Id id, ReadScope scope = ReadScope::CompletedOnly);
    std::vector<NeuronScores> neuronScoresOf(Id runId, ReadScope scope = ReadScope::CompletedOnly);

    // Every neuron must lie inside [0, layers) x [0, neurons); duplicates are an error.
    Id saveMask(const MaskRecord& mask);
    MaskRecord mask(Id id);
    std::vector<MaskRecord> masks();

    Id addCheckpoint(const CheckpointRecord& checkpoint);
    std::vector<CheckpointRecord> checkpoints(Id runId, ReadScope scope = ReadScope::CompletedOnly);

    Id saveComparison(const ComparisonRecord& comparison);
    ComparisonRecord comparison(Id id, ReadScope scope = ReadScope::CompletedOnly);
    std::vector<ComparisonRecord> comparisons(ReadScope scope = ReadScope::CompletedOnly);

    Id addExport(const ExportRecord& record);
    std::vector<ExportRecord> exports(std::optional<Id> runId = std::nullopt);
    Id addArtifact(const ArtifactRecord& record);
    std::vector<ArtifactRecord> artifacts(std::optional<Id> runId = std::nullopt);

private:
    explicit Workspace(Database db);
    void recoverDeadRuns();
    RunStatus statusOf(Id runId, const std::string& purpose);
    void requireRunning(Id runId, const std::string& purpose);
    void requireReadable(Id runId, ReadScope scope, const std::string& purpose);
    void closeRun(Id runId, RunStatus status, const Json& summary, const std::string& error);

    Database db_;
    std::vector<Id> recovered_;
};

}  // namespace prominence::workspace
