#include "ui/workspace/study_snapshot.h"

#include <chrono>
#include <cstdio>

#include "core/workspace/workspace.h"

namespace prominence::ui {

namespace {

template <typename T>
const T* byId(const std::vector<T>& rows, workspace::Id id) {
    for (const auto& r : rows)
        if (r.id == id) return &r;
    return nullptr;
}

workspace::Json parsed(const std::string& text) {
    return workspace::Json::parse(text, nullptr, false);
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

}  // namespace

const workspace::RunRecord* StudySnapshot::run(workspace::Id id) const { return byId(runs, id); }
const workspace::ModelRecord* StudySnapshot::model(workspace::Id id) const { return byId(models, id); }
const workspace::BenchmarkRecord* StudySnapshot::benchmark(workspace::Id id) const { return byId(benchmarks, id); }
const SelectionInfo* StudySnapshot::selection(workspace::Id id) const { return byId(selections, id); }
const ScoresInfo* StudySnapshot::scoresRow(workspace::Id id) const { return byId(scores, id); }
const MaskInfo* StudySnapshot::mask(workspace::Id id) const { return byId(masks, id); }
const ComparisonInfo* StudySnapshot::comparison(workspace::Id id) const { return byId(comparisons, id); }
const workspace::ExportRecord* StudySnapshot::exportRow(workspace::Id id) const { return byId(exports, id); }

StudySnapshot loadStudySnapshot(const std::string& path) {
    const auto started = std::chrono::steady_clock::now();
    StudySnapshot s;
    workspace::Workspace ws = workspace::Workspace::open(path);
    s.path = path;
    s.schemaVersion = ws.schemaVersion();
    s.recoveredRuns = ws.recoveredRuns();
    s.models = ws.models();
    s.benchmarks = ws.benchmarks();
    s.runs = ws.runs({"", true});
    s.exports = ws.exports();

    workspace::Database& db = ws.database();
    // Selections with their sizes, not their item lists.
    auto sel = db.prepare(
        "SELECT s.id, s.run_id, s.name, s.criteria_json, s.created_at, "
        "(SELECT count(*) FROM selection_items i WHERE i.selection_id = s.id) FROM selections s ORDER BY s.id",
        "read the selections");
    while (sel.step())
        s.selections.push_back({sel.getInt(0), sel.getInt(1), sel.getText(2), parsed(sel.getText(3)), sel.getInt(5),
                                sel.getText(4)});
    // Score matrices' shapes, not their blobs.
    auto sc = db.prepare(
        "SELECT id, run_id, dataset, kind, layers, neurons, item_count, params_json, created_at FROM neuron_scores ORDER BY id",
        "read the score matrices");
    while (sc.step())
        s.scores.push_back({sc.getInt(0), sc.getInt(1), sc.getText(2), sc.getText(3), sc.getInt(4), sc.getInt(5),
                            sc.getInt(6), parsed(sc.getText(7)), sc.getText(8)});
    auto mk = db.prepare(
        "SELECT id, name, run_id, model_id, layers, neurons, neuron_count, provenance_json, created_at FROM masks ORDER BY id",
        "read the masks");
    while (mk.step())
        s.masks.push_back({mk.getInt(0), mk.getText(1), mk.getOptionalInt(2), mk.getOptionalInt(3), mk.getInt(4),
                           mk.getInt(5), mk.getInt(6), parsed(mk.getText(7)), mk.getText(8)});
    auto cp = db.prepare("SELECT id, run_id, name, created_at FROM comparisons ORDER BY id", "read the comparisons");
    while (cp.step()) s.comparisons.push_back({cp.getInt(0), cp.getInt(1), cp.getText(2), cp.getText(3)});
    auto ck = db.prepare("SELECT id, run_id, step, path, mask_id, metrics_json, created_at FROM checkpoints ORDER BY id",
                         "read the checkpoints");
    while (ck.step()) {
        workspace::CheckpointRecord c;
        c.id = ck.getInt(0);
        c.runId = ck.getInt(1);
        c.step = ck.getInt(2);
        c.path = ck.getText(3);
        c.maskId = ck.getOptionalInt(4);
        c.metrics = parsed(ck.getText(5));
        c.createdAt = ck.getText(6);
        s.checkpoints.push_back(std::move(c));
    }
    s.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return s;
}

std::string runKeyNumber(const workspace::RunRecord& run) {
    const workspace::Json& m = run.summary;
    auto num = [&](const char* key) -> const workspace::Json* {
        auto it = m.find(key);
        return it != m.end() && it->is_number() ? &*it : nullptr;
    };
    if (run.kind == "eval") {
        if (const auto* acc = num("acc")) {
            std::string out = "acc " + fixed(acc->get<double>(), 3);
            if (const auto* n = num("n")) out += " (n " + std::to_string(n->get<std::int64_t>()) + ")";
            return out;
        }
    }
    if (const auto* items = num("items")) return std::to_string(items->get<std::int64_t>()) + " items";
    if (const auto* n = num("neurons")) return std::to_string(n->get<std::int64_t>()) + " neurons";
    if (const auto* n = num("neuron_count")) return std::to_string(n->get<std::int64_t>()) + " neurons";
    if (const auto* steps = num("steps")) return std::to_string(steps->get<std::int64_t>()) + " steps";
    if (const auto* n = num("n")) return "n " + std::to_string(n->get<std::int64_t>());
    return {};
}

}  // namespace prominence::ui
