// What the pipeline produces from results: masks, fine-tuning checkpoints, comparison tables and
// files written for users (exports, artifacts).
#include <algorithm>
#include <set>
#include <utility>

#include "core/workspace/workspace.h"
#include "core/workspace/workspace_internal.h"

namespace prominence::workspace {

using detail::kNowSql;

// ---- masks -----------------------------------------------------------------------------------

Id Workspace::saveMask(const MaskRecord& m) {
    const std::string purpose = "saving mask '" + m.name + "'";
    if (m.name.empty()) throw InvalidArgument("saveMask: the mask name is empty");
    if (m.layers <= 0 || m.neurons <= 0)
        throw InvalidArgument(purpose + ": model shape [" + std::to_string(m.layers) + ", " +
                              std::to_string(m.neurons) + "] must be positive");
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (const NeuronRef& n : m.pruned) {
        const std::string at = std::to_string(n.layer) + ":" + std::to_string(n.neuron);
        if (n.layer < 0 || n.layer >= m.layers || n.neuron < 0 || n.neuron >= m.neurons)
            throw InvalidArgument(purpose + ": neuron " + at + " is outside [0, " + std::to_string(m.layers) +
                                  ") x [0, " + std::to_string(m.neurons) + ")");
        if (!seen.insert({n.layer, n.neuron}).second)
            throw InvalidArgument(purpose + ": neuron " + at + " is listed twice");
    }
    Transaction tx(db_, purpose);
    db_.prepare(std::string("INSERT INTO masks(name, run_id, model_id, layers, neurons, neuron_count, "
                            "provenance_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(m.name, m.runId, m.modelId, m.layers, m.neurons, static_cast<std::int64_t>(m.pruned.size()),
                 dumpJson(m.provenance, "mask provenance"))
        .run();
    const Id id = db_.lastInsertId();
    Statement ins = db_.prepare("INSERT INTO mask_neurons(mask_id, layer, neuron) VALUES (?, ?, ?)", purpose);
    for (const NeuronRef& n : m.pruned) {
        ins.bindAll(id, n.layer, n.neuron);
        ins.run();
    }
    tx.commit();
    return id;
}

MaskRecord Workspace::mask(Id id) {
    Statement st = db_.prepare(
        "SELECT id, name, run_id, model_id, layers, neurons, provenance_json, created_at FROM masks WHERE id = ?",
        "reading mask");
    st.bind(1, id);
    if (!st.step()) detail::notFound(path(), "mask", id);
    MaskRecord m;
    m.id = st.getInt(0);
    m.name = st.getText(1);
    m.runId = st.getOptionalInt(2);
    m.modelId = st.getOptionalInt(3);
    m.layers = st.getInt(4);
    m.neurons = st.getInt(5);
    m.provenance = parseJsonColumn(st.getText(6), "masks " + std::to_string(id) + " provenance_json");
    m.createdAt = st.getText(7);
    Statement ns = db_.prepare("SELECT layer, neuron FROM mask_neurons WHERE mask_id = ? ORDER BY layer, neuron",
                               "reading the neurons of mask " + std::to_string(id));
    ns.bind(1, id);
    while (ns.step()) m.pruned.push_back({ns.getInt(0), ns.getInt(1)});
    return m;
}

std::vector<MaskRecord> Workspace::masks() {
    Statement st = db_.prepare("SELECT id FROM masks ORDER BY id", "listing masks");
    std::vector<Id> ids;
    while (st.step()) ids.push_back(st.getInt(0));
    std::vector<MaskRecord> out;
    for (Id id : ids) out.push_back(mask(id));
    return out;
}

// ---- checkpoints -----------------------------------------------------------------------------

Id Workspace::addCheckpoint(const CheckpointRecord& c) {
    const std::string purpose = "recording checkpoint '" + c.path + "' of run " + std::to_string(c.runId);
    if (c.path.empty()) throw InvalidArgument("addCheckpoint: the checkpoint path is empty");
    Transaction tx(db_, purpose);
    requireRunning(c.runId, purpose);
    db_.prepare(std::string("INSERT INTO checkpoints(run_id, step, path, mask_id, metrics_json, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(c.runId, c.step, c.path, c.maskId, dumpJson(c.metrics, "checkpoint metrics"))
        .run();
    const Id id = db_.lastInsertId();
    tx.commit();
    return id;
}

std::vector<CheckpointRecord> Workspace::checkpoints(Id runId, ReadScope scope) {
    const std::string purpose = "reading checkpoints of run " + std::to_string(runId);
    requireReadable(runId, scope, purpose);
    Statement st = db_.prepare(
        "SELECT id, run_id, step, path, mask_id, metrics_json, created_at FROM checkpoints WHERE run_id = ? "
        "ORDER BY step, id",
        purpose);
    st.bind(1, runId);
    std::vector<CheckpointRecord> out;
    while (st.step()) {
        CheckpointRecord c;
        c.id = st.getInt(0);
        c.runId = st.getInt(1);
        c.step = st.getInt(2);
        c.path = st.getText(3);
        c.maskId = st.getOptionalInt(4);
        c.metrics = parseJsonColumn(st.getText(5), "checkpoints " + std::to_string(c.id) + " metrics_json");
        c.createdAt = st.getText(6);
        out.push_back(std::move(c));
    }
    return out;
}

// ---- comparisons -----------------------------------------------------------------------------

namespace {

ComparisonRecord readComparison(const Statement& st) {
    ComparisonRecord c;
    c.id = st.getInt(0);
    c.runId = st.getInt(1);
    c.name = st.getText(2);
    c.table = parseJsonColumn(st.getText(3), "comparisons " + std::to_string(c.id) + " table_json");
    c.createdAt = st.getText(4);
    return c;
}

}  // namespace

Id Workspace::saveComparison(const ComparisonRecord& c) {
    const std::string purpose = "saving comparison '" + c.name + "' of run " + std::to_string(c.runId);
    if (c.name.empty()) throw InvalidArgument("saveComparison: the comparison name is empty");
    Transaction tx(db_, purpose);
    requireRunning(c.runId, purpose);
    db_.prepare(std::string("INSERT INTO comparisons(run_id, name, table_json, created_at) VALUES (?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(c.runId, c.name, dumpJson(c.table, "comparison table"))
        .run();
    const Id id = db_.lastInsertId();
    tx.commit();
    return id;
}

ComparisonRecord Workspace::comparison(Id id, ReadScope scope) {
    Statement st = db_.prepare("SELECT id, run_id, name, table_json, created_at FROM comparisons WHERE id = ?",
                               "reading comparison");
    st.bind(1, id);
    if (!st.step()) detail::notFound(path(), "comparison", id);
    ComparisonRecord c = readComparison(st);
    requireReadable(c.runId, scope, "reading comparison " + std::to_string(id));
    return c;
}

std::vector<ComparisonRecord> Workspace::comparisons(ReadScope scope) {
    std::string sql =
        "SELECT c.id, c.run_id, c.name, c.table_json, c.created_at FROM comparisons c JOIN runs r ON r.id = c.run_id";
    if (scope == ReadScope::CompletedOnly) sql += " WHERE r.status = 'completed'";
    Statement st = db_.prepare(sql + " ORDER BY c.id", "listing comparisons");
    std::vector<ComparisonRecord> out;
    while (st.step()) out.push_back(readComparison(st));
    return out;
}

// ---- exports and artifacts -------------------------------------------------------------------

Id Workspace::addExport(const ExportRecord& e) {
    const std::string purpose = "recording export '" + e.path + "'";
    if (e.path.empty() || e.kind.empty()) throw InvalidArgument("addExport: kind and path must be given");
    Transaction tx(db_, purpose);
    db_.prepare(std::string("INSERT INTO exports(run_id, mask_id, kind, path, meta_json, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(e.runId, e.maskId, e.kind, e.path, dumpJson(e.meta, "export metadata"))
        .run();
    const Id id = db_.lastInsertId();
    tx.commit();
    return id;
}

std::vector<ExportRecord> Workspace::exports(std::optional<Id> runId) {
    Statement st = db_.prepare(
        "SELECT id, run_id, mask_id, kind, path, meta_json, created_at FROM exports "
        "WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id",
        "listing exports");
    st.bind(1, runId);
    std::vector<ExportRecord> out;
    while (st.step()) {
        ExportRecord e;
        e.id = st.getInt(0);
        e.runId = st.getOptionalInt(1);
        e.maskId = st.getOptionalInt(2);
        e.kind = st.getText(3);
        e.path = st.getText(4);
        e.meta = parseJsonColumn(st.getText(5), "exports " + std::to_string(e.id) + " meta_json");
        e.createdAt = st.getText(6);
        out.push_back(std::move(e));
    }
    return out;
}

Id Workspace::addArtifact(const ArtifactRecord& a) {
    const std::string purpose = "recording artifact '" + a.path + "'";
    if (a.path.empty() || a.kind.empty()) throw InvalidArgument("addArtifact: kind and path must be given");
    Transaction tx(db_, purpose);
    db_.prepare(std::string("INSERT INTO artifacts(run_id, kind, path, meta_json, created_at) VALUES (?, ?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(a.runId, a.kind, a.path, dumpJson(a.meta, "artifact metadata"))
        .run();
    const Id id = db_.lastInsertId();
    tx.commit();
    return id;
}

std::vector<ArtifactRecord> Workspace::artifacts(std::optional<Id> runId) {
    Statement st = db_.prepare(
        "SELECT id, run_id, kind, path, meta_json, created_at FROM artifacts WHERE ?1 IS NULL OR run_id = ?1 "
        "ORDER BY id",
        "listing artifacts");
    st.bind(1, runId);
    std::vector<ArtifactRecord> out;
    while (st.step()) {
        ArtifactRecord a;
        a.id = st.getInt(0);
        a.runId = st.getOptionalInt(1);
        a.kind = st.getText(2);
        a.path = st.getText(3);
        a.meta = parseJsonColumn(st.getText(4), "artifacts " + std::to_string(a.id) + " meta_json");
        a.createdAt = st.getText(5);
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace prominence::workspace
