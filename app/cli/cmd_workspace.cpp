// prominence-cli workspace: what a workspace holds, as JSON for scripts; --add-model / --add-benchmark
// register one without evaluating it (study::addModel / addBenchmark).
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/study_call.h"
#include "core/study/field_mapping_json.h"
#include "core/study/register.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

using workspace::Json;

template <typename T>
Json optionalId(const std::optional<T>& v) {
    return v ? Json(*v) : Json(nullptr);
}

Json runJson(const workspace::RunRecord& r) {
    Json inputs = Json::array();
    for (const auto& in : r.inputs) inputs.push_back({{"run_id", in.runId}, {"role", in.role}});
    return {{"id", r.id},
            {"kind", r.kind},
            {"name", r.name},
            {"status", workspace::runStatusName(r.status)},
            {"model_id", optionalId(r.modelId)},
            {"benchmark_id", optionalId(r.benchmarkId)},
            {"parent_run_id", optionalId(r.parentRunId)},
            {"inputs", inputs},
            {"params", r.params},
            {"summary", r.summary},
            {"error", r.error},
            {"prominence_version", r.prominenceVersion},
            {"started_at", r.startedAt},
            {"ended_at", r.endedAt ? Json(*r.endedAt) : Json(nullptr)}};
}

Json runsJson(workspace::Workspace& ws) {
    Json out = Json::array();
    for (const auto& r : ws.runs({"", true})) out.push_back(runJson(r));
    return out;
}

Json selectionJson(const workspace::Selection& s) {
    return {{"id", s.id}, {"run_id", s.runId}, {"name", s.name}, {"criteria", s.criteria},
            {"items", s.itemIndices}, {"created_at", s.createdAt}};
}

Json modelJson(const workspace::ModelRecord& m) {
    return {{"id", m.id}, {"path", m.path}, {"name", m.name}, {"architecture", m.architecture},
            {"config_hash", m.configHash}, {"weights_hash", m.weightsHash}, {"info", m.info}};
}

Json benchmarkJson(const workspace::BenchmarkRecord& b) {
    return {{"id", b.id}, {"path", b.path}, {"name", b.name}, {"hash", b.hash},
            {"format", b.format}, {"field_mapping", b.fieldMapping}, {"count", b.itemCount}};
}

Json overviewJson(workspace::Workspace& ws) {
    Json models = Json::array();
    for (const auto& m : ws.models()) models.push_back(modelJson(m));
    Json benchmarks = Json::array();
    for (const auto& b : ws.benchmarks()) benchmarks.push_back(benchmarkJson(b));
    Json selections = Json::array();
    for (const auto& s : ws.selections()) selections.push_back(selectionJson(s));
    Json masks = Json::array();
    for (const auto& m : ws.masks())
        masks.push_back({{"id", m.id}, {"name", m.name}, {"run_id", optionalId(m.runId)},
                         {"model_id", optionalId(m.modelId)}, {"neuron_count", m.pruned.size()},
                         {"provenance", m.provenance}});
    return {{"workspace", ws.path()},       {"schema_version", ws.schemaVersion()},
            {"models", models},             {"benchmarks", benchmarks},
            {"runs", runsJson(ws)},         {"selections", selections},
            {"masks", masks},               {"recovered_runs", ws.recoveredRuns()}};
}

// One run with everything it produced. Partial results of unfinished runs are shown too: this is a
// diagnostic view, and the run's status says how far to trust them.
Json runDetailJson(workspace::Workspace& ws, workspace::Id id) {
    using workspace::ReadScope;
    Json items = Json::array();
    for (const auto& it : ws.items(id, ReadScope::Any))
        items.push_back({{"index", it.index}, {"id", it.itemId}, {"prompt", it.prompt},
                         {"continuations", it.continuations}, {"scores", it.scores}, {"probs", it.probs},
                         {"pred", it.pred}, {"gold", it.gold}, {"correct", it.correct}, {"p_correct", it.pCorrect},
                         {"margin", it.margin}, {"extra", it.extra}});
    Json selections = Json::array();
    for (const auto& s : ws.selections(id)) selections.push_back(selectionJson(s));
    Json scores = Json::array();
    for (const auto& s : ws.neuronScoresOf(id, ReadScope::Any))
        scores.push_back({{"id", s.id}, {"dataset", s.dataset}, {"kind", s.kind}, {"layers", s.layers},
                          {"neurons", s.neurons}, {"item_count", s.itemCount}, {"params", s.params}});
    Json checkpoints = Json::array();
    for (const auto& c : ws.checkpoints(id, ReadScope::Any))
        checkpoints.push_back({{"id", c.id}, {"step", c.step}, {"path", c.path}, {"mask_id", optionalId(c.maskId)},
                               {"metrics", c.metrics}});
    Json exports = Json::array();
    for (const auto& e : ws.exports(id))
        exports.push_back({{"id", e.id}, {"kind", e.kind}, {"path", e.path}, {"meta", e.meta}});
    Json artifacts = Json::array();
    for (const auto& a : ws.artifacts(id))
        artifacts.push_back({{"id", a.id}, {"kind", a.kind}, {"path", a.path}, {"meta", a.meta}});
    return {{"run", runJson(ws.run(id))},
            {"items", items},
            {"selections", selections},
            {"neuron_scores", scores},
            {"ig_items", ws.igItems(id, std::nullopt, ReadScope::Any).size()},
            {"checkpoints", checkpoints},
            {"exports", exports},
            {"artifacts", artifacts}};
}

void print(const Json& out, Context& ctx) {
    ctx.out << out.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

// --add-model DIR or --add-benchmark FILE: the stored record, as the overview lists it.
int addRecord(const Args& args, Context& ctx) {
    if (args.has("add-model") && args.has("add-benchmark")) throw UsageError("give --add-model or --add-benchmark, not both");
    if (args.has("runs") || args.has("run")) throw UsageError("--add-model and --add-benchmark do not combine with --runs or --run");
    if (args.has("add-model")) {
        for (const char* benchmarkOnly : {"format", "field", "answer-encoding", "choice-text-key"})
            if (args.has(benchmarkOnly))
                throw UsageError(std::string("--") + benchmarkOnly + " belongs to --add-benchmark FILE");
        print(modelJson(callStudy([&] { return study::addModel(args.get("workspace"), args.get("add-model")); })), ctx);
        return 0;
    }
    data::LoadOptions load;
    try {
        load.format = data::parseFormat(args.get("format"));
        for (const auto& spec : args.all("field")) data::applyFieldSpec(load.fields, spec);
        load.fields.encoding = data::parseAnswerEncoding(args.get("answer-encoding"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    load.fields.choiceTextKey = args.get("choice-text-key");
    const std::string file = args.get("add-benchmark");
    print(benchmarkJson(callStudy([&] { return study::addBenchmark(args.get("workspace"), file, load, stderrLog(ctx)); })), ctx);
    return 0;
}

int runWorkspace(const Args& args, Context& ctx) {
    if (args.has("add-model") || args.has("add-benchmark")) return addRecord(args, ctx);
    for (const char* benchmarkOnly : {"format", "field", "answer-encoding", "choice-text-key"})
        if (args.has(benchmarkOnly)) throw UsageError(std::string("--") + benchmarkOnly + " belongs to --add-benchmark FILE");
    if (args.has("runs") && args.has("run")) throw UsageError("give --runs or --run ID, not both");
    workspace::Workspace ws = workspace::Workspace::open(args.get("workspace"));
    Json out;
    if (args.has("runs")) {
        out = {{"runs", runsJson(ws)}};
    } else if (args.has("run")) {
        const long long id = args.getInt("run");
        if (id <= 0) throw UsageError("option '--run' expects a positive run id, got '" + args.get("run") + "'");
        out = runDetailJson(ws, id);
    } else {
        out = overviewJson(ws);
    }
    print(out, ctx);
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "workspace",
    "print what a workspace (*.prominence) holds as JSON: models, benchmarks, runs, selections, masks",
    "Without --runs or --run: an overview (models, benchmarks, every run with its status, selections, masks).\n"
    "--runs: only the list of runs. --run ID: one run with its per-item results, selections, neuron score\n"
    "matrices (shapes, not values), checkpoints, exports and artifacts; partial results of a cancelled or\n"
    "incomplete run are shown too, the run's status says so. Opening migrates an older workspace and marks\n"
    "runs of dead processes 'incomplete'. Schema: docs/workspace.md.\n"
    "--add-model DIR / --add-benchmark FILE: register a checkpoint (its layer sizes and config hash) or a\n"
    "benchmark (format, field mapping, item count, hash) without evaluating it, creating the workspace if\n"
    "missing, and print the stored record (the one stored before when it is already there).",
    {
        {"workspace", "W", "the workspace file", "", true, false},
        {"runs", "", "print only the list of runs", "", false, false},
        {"run", "ID", "print one run and its results", "", false, false},
        {"add-model", "DIR", "register this checkpoint directory", "", false, false},
        {"add-benchmark", "FILE", "register this benchmark file or directory", "", false, false},
        {"format", "NAME", "--add-benchmark: benchmark format", data::formatName(data::LoadOptions{}.format), false, false},
        {"field", "NAME=PATH", "--add-benchmark: generic importer field (as eval --field)", "", false, true},
        {"answer-encoding", "ENC", "--add-benchmark: generic answers: index0 | index1 | letter | text",
         study::answerEncodingName(data::LoadOptions{}.fields.encoding), false, false},
        {"choice-text-key", "KEY", "--add-benchmark: generic choices given as objects: their text field",
         data::LoadOptions{}.fields.choiceTextKey, false, false},
    },
    runWorkspace});

}  // namespace prominence::cli
