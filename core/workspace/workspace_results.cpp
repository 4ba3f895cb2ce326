// Results that belong to one run: per-item eval results, selections of them, per-item IG and the
// aggregated neuron score matrices.
#include <set>

#include "core/workspace/tensor_blob.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_internal.h"

namespace prominence::workspace {

using detail::kNowSql;

// ---- eval items ------------------------------------------------------------------------------

namespace {

void checkItem(Id runId, const ItemResult& it) {
    const std::string where = "addItems: run " + std::to_string(runId) + " item " + std::to_string(it.index);
    if (it.index < 0) throw InvalidArgument(where + ": the index is negative");
    if (it.scores.empty()) throw InvalidArgument(where + ": no option scores");
    if (it.probs.size() != it.scores.size())
        throw InvalidArgument(where + ": " + std::to_string(it.probs.size()) + " probabilities for " +
                              std::to_string(it.scores.size()) + " scores");
    const auto n = static_cast<std::int64_t>(it.scores.size());
    if (it.pred < 0 || it.pred >= n)
        throw InvalidArgument(where + ": pred " + std::to_string(it.pred) + " is outside [0, " + std::to_string(n) + ")");
    if (it.gold < 0 || it.gold >= n)
        throw InvalidArgument(where + ": gold " + std::to_string(it.gold) + " is outside [0, " + std::to_string(n) + ")");
}

ItemResult readItem(Id runId, const Statement& st) {
    ItemResult it;
    it.index = st.getInt(0);
    const std::string what = "run_items (run " + std::to_string(runId) + ", item " + std::to_string(it.index) + ")";
    it.itemId = st.getText(1);
    it.prompt = st.getText(2);
    it.continuations = stringsFromJson(st.getText(3), what + " continuations_json");
    it.scores = doublesFromJson(st.getText(4), what + " scores_json");
    it.probs = doublesFromJson(st.getText(5), what + " probs_json");
    it.pred = st.getInt(6);
    it.gold = st.getInt(7);
    it.correct = st.getInt(8) != 0;
    it.pCorrect = st.getDouble(9);
    it.margin = st.getDouble(10);
    it.extra = parseJsonColumn(st.getText(11), what + " extra_json");
    return it;
}

}  // namespace

void Workspace::addItems(Id runId, const std::vector<ItemResult>& items) {
    for (const ItemResult& it : items) checkItem(runId, it);
    const std::string purpose = "saving items of run " + std::to_string(runId);
    Transaction tx(db_, purpose);
    requireRunning(runId, purpose);
    Statement ins = db_.prepare(
        "INSERT INTO run_items(run_id, item_index, item_id, prompt, continuations_json, scores_json, probs_json, "
        "pred, gold, correct, p_correct, margin, extra_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        purpose);
    for (const ItemResult& it : items) {
        ins.bindAll(runId, it.index, it.itemId, it.prompt, stringsToJson(it.continuations), doublesToJson(it.scores),
                    doublesToJson(it.probs), it.pred, it.gold, std::int64_t{it.correct ? 1 : 0}, it.pCorrect,
                    it.margin, dumpJson(it.extra, "item extra"));
        ins.run();
    }
    tx.commit();
}

std::vector<ItemResult> Workspace::items(Id runId, ReadScope scope) {
    const std::string purpose = "reading items of run " + std::to_string(runId);
    requireReadable(runId, scope, purpose);
    Statement st = db_.prepare(
        "SELECT item_index, item_id, prompt, continuations_json, scores_json, probs_json, pred, gold, correct, "
        "p_correct, margin, extra_json FROM run_items WHERE run_id = ? ORDER BY item_index",
        purpose);
    st.bind(1, runId);
    std::vector<ItemResult> out;
    while (st.step()) out.push_back(readItem(runId, st));
    return out;
}

std::vector<std::int64_t> Workspace::itemIndices(Id runId, ReadScope scope) {
    const std::string purpose = "listing items of run " + std::to_string(runId);
    requireReadable(runId, scope, purpose);
    Statement st = db_.prepare("SELECT item_index FROM run_items WHERE run_id = ? ORDER BY item_index", purpose);
    st.bind(1, runId);
    std::vector<std::int64_t> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
}

// ---- selections ------------------------------------------------------------------------------

Id Workspace::saveSelection(const Selection& sel) {
    const std::string purpose = "saving selection '" + sel.name + "' of run " + std::to_string(sel.runId);
    if (sel.name.empty()) throw InvalidArgument("saveSelection: the selection name is empty");
    std::set<std::int64_t> seen;
    for (std::int64_t i : sel.itemIndices)
        if (!seen.insert(i).second)
            throw InvalidArgument(purpose + ": item " + std::to_string(i) + " is listed twice");
    Transaction tx(db_, purpose);
    const RunStatus s = statusOf(sel.runId, purpose);
    if (s != RunStatus::Completed)
        throw InvalidArgument(purpose + ": run is '" + runStatusName(s) + "'; selections are made from completed runs");
    Statement exists = db_.prepare("SELECT 1 FROM run_items WHERE run_id = ? AND item_index = ?", purpose);
    for (std::int64_t i : sel.itemIndices) {
        exists.bindAll(sel.runId, i);
        const bool found = exists.step();
        exists.reset();
        if (!found) throw InvalidArgument(purpose + ": the run has no item " + std::to_string(i));
    }
    if (findSelection(sel.runId, sel.name))
        throw InvalidArgument(purpose + ": the run already has a selection of that name");
    db_.prepare(std::string("INSERT INTO selections(run_id, name, criteria_json, created_at) VALUES (?, ?, ?, ") +
                    kNowSql + ")",
                purpose)
        .bindAll(sel.runId, sel.name, dumpJson(sel.criteria, "selection criteria"))
        .run();
    const Id id = db_.lastInsertId();
    Statement ins = db_.prepare(
        "INSERT INTO selection_items(selection_id, position, run_id, item_index) VALUES (?, ?, ?, ?)", purpose);
    std::int64_t position = 0;
    for (std::int64_t i : sel.itemIndices) {
        ins.bindAll(id, position++, sel.runId, i);
        ins.run();
    }
    tx.commit();
    return id;
}

Selection Workspace::selection(Id selectionId) {
    Statement st = db_.prepare("SELECT id, run_id, name, criteria_json, created_at FROM selections WHERE id = ?",
                               "reading selection");
    st.bind(1, selectionId);
    if (!st.step()) detail::notFound(path(), "selection", selectionId);
    Selection sel;
    sel.id = st.getInt(0);
    sel.runId = st.getInt(1);
    sel.name = st.getText(2);
    sel.criteria = parseJsonColumn(st.getText(3), "selections " + std::to_string(sel.id) + " criteria_json");
    sel.createdAt = st.getText(4);
    Statement items = db_.prepare(
        "SELECT item_index FROM selection_items WHERE selection_id = ? ORDER BY position", "reading selection items");
    items.bind(1, selectionId);
    while (items.step()) sel.itemIndices.push_back(items.getInt(0));
    return sel;
}

std::optional<Selection> Workspace::findSelection(Id runId, const std::string& name) {
    Statement st = db_.prepare("SELECT id FROM selections WHERE run_id = ? AND name = ?", "looking up a selection");
    st.bindAll(runId, name);
    if (!st.step()) return std::nullopt;
    return selection(st.getInt(0));
}

std::vector<Selection> Workspace::selections(std::optional<Id> runId) {
    Statement st = db_.prepare("SELECT id FROM selections WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id",
                               "listing selections");
    st.bind(1, runId);
    std::vector<Id> ids;
    while (st.step()) ids.push_back(st.getInt(0));
    std::vector<Selection> out;
    for (Id id : ids) out.push_back(selection(id));
    return out;
}

// ---- integrated gradients per item -----------------------------------------------------------

void Workspace::addIgItems(Id runId, const std::vector<IgItem>& items) {
    const std::string purpose = "saving IG items of run " + std::to_string(runId);
    for (const IgItem& it : items) {
        const std::string where = purpose + ": item " + std::to_string(it.itemIndex) + " layer " +
                                  std::to_string(it.layer);
        if (it.itemIndex < 0 || it.layer < 0 || it.neurons < 0)
            throw InvalidArgument(where + ": item, layer and neuron count must be non-negative");
        if (!it.attribution.empty() && static_cast<std::int64_t>(it.attribution.size()) != it.neurons)
            throw InvalidArgument(where + ": attribution has " + std::to_string(it.attribution.size()) +
                                  " values, expected " + std::to_string(it.neurons) + " (one per neuron) or none");
    }
    Transaction tx(db_, purpose);
    requireRunning(runId, purpose);
    Statement ins = db_.prepare(
        "INSERT INTO ig_items(run_id, item_index, layer, item_id, target, f_input, f_baseline, delta, neurons, "
        "attribution, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        purpose);
    for (const IgItem& it : items) {
        ins.bindAll(runId, it.itemIndex, it.layer, it.itemId, it.target, it.fInput, it.fBaseline, it.delta,
                    it.neurons);
        std::vector<unsigned char> blob;
        if (it.attribution.empty()) {
            ins.bindNull(10);
        } else {
            blob = encodeFloat32(it.attribution);
            ins.bind(10, BlobRef{blob.data(), blob.size()});
        }
        ins.bind(11, dumpJson(it.summary, "IG item summary"));
        ins.run();
    }
    tx.commit();
}

std::vector<IgItem> Workspace::igItems(Id runId, std::optional<std::int64_t> layer, ReadScope scope) {
    const std::string purpose = "reading IG items of run " + std::to_string(runId);
    requireReadable(runId, scope, purpose);
    Statement st = db_.prepare(
        "SELECT item_index, layer, item_id, target, f_input, f_baseline, delta, neurons, attribution, summary_json "
        "FROM ig_items WHERE run_id = ?1 AND (?2 IS NULL OR layer = ?2) ORDER BY item_index, layer",
        purpose);
    st.bind(1, runId);
    st.bind(2, layer);
    std::vector<IgItem> out;
    while (st.step()) {
        IgItem it;
        it.itemIndex = st.getInt(0);
        it.layer = st.getInt(1);
        const std::string what = "ig_items (run " + std::to_string(runId) + ", item " + std::to_string(it.itemIndex) +
                                 ", layer " + std::to_string(it.layer) + ")";
        it.itemId = st.getText(2);
        it.target = st.getOptionalInt(3);
        it.fInput = st.getDouble(4);
        it.fBaseline = st.getDouble(5);
        it.delta = st.getDouble(6);
        it.neurons = st.getInt(7);
        if (!st.isNull(8)) it.attribution = decodeFloat32(st.getBlob(8), it.neurons, what + " attribution");
        it.summary = parseJsonColumn(st.getText(9), what + " summary_json");
        out.push_back(std::move(it));
    }
    return out;
}

// ---- neuron score matrices -------------------------------------------------------------------

namespace {

constexpr const char* kScoreColumns =
    "SELECT id, run_id, dataset, benchmark_id, selection_id, kind, layers, neurons, scores, counts, item_count, "
    "params_json, created_at FROM neuron_scores";

NeuronScores readScores(const Statement& st) {
    NeuronScores s;
    s.id = st.getInt(0);
    const std::string what = "neuron_scores " + std::to_string(s.id);
    s.runId = st.getInt(1);
    s.dataset = st.getText(2);
    s.benchmarkId = st.getOptionalInt(3);
    s.selectionId = st.getOptionalInt(4);
    s.kind = st.getText(5);
    s.layers = st.getInt(6);
    s.neurons = st.getInt(7);
    // A damaged row must not make layers * neurons overflow.
    if (s.layers < 0 || s.neurons < 0 || (s.neurons > 0 && s.layers > (std::int64_t{1} << 40) / s.neurons))
        throw StorageError(what + ": shape [" + std::to_string(s.layers) + ", " + std::to_string(s.neurons) +
                           "] is not a valid matrix shape");
    s.scores = decodeFloat32(st.getBlob(8), s.layers * s.neurons, what + " scores");
    if (!st.isNull(9)) s.counts = decodeInt32(st.getBlob(9), s.layers * s.neurons, what + " counts");
    s.itemCount = st.getInt(10);
    s.params = parseJsonColumn(st.getText(11), what + " params_json");
    s.createdAt = st.getText(12);
    return s;
}

}  // namespace

Id Workspace::saveNeuronScores(const NeuronScores& s) {
    const std::string purpose =
        "saving " + s.kind + " scores of '" + s.dataset + "' for run " + std::to_string(s.runId);
    if (s.kind.empty() || s.dataset.empty()) throw InvalidArgument(purpose + ": kind and dataset must be named");
    if (s.layers < 0 || s.neurons < 0 || s.itemCount < 0)
        throw InvalidArgument(purpose + ": layers, neurons and item count must be non-negative");
    const std::int64_t n = s.layers * s.neurons;
    const std::string shape = "[" + std::to_string(s.layers) + ", " + std::to_string(s.neurons) + "]";
    if (static_cast<std::int64_t>(s.scores.size()) != n)
        throw ShapeError(purpose + ": scores hold " + std::to_string(s.scores.size()) + " values, expected " + shape);
    if (!s.counts.empty() && static_cast<std::int64_t>(s.counts.size()) != n)
        throw ShapeError(purpose + ": counts hold " + std::to_string(s.counts.size()) + " values, expected " + shape +
                         " or none");
    const std::vector<unsigned char> scores = encodeFloat32(s.scores);
    const std::vector<unsigned char> counts = encodeInt32(s.counts);
    Transaction tx(db_, purpose);
    requireRunning(s.runId, purpose);
    Statement ins = db_.prepare(
        std::string("INSERT INTO neuron_scores(run_id, dataset, benchmark_id, selection_id, kind, layers, neurons, "
                    "scores, counts, item_count, params_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ") +
            kNowSql + ")",
        purpose);
    ins.bindAll(s.runId, s.dataset, s.benchmarkId, s.selectionId, s.kind, s.layers, s.neurons);
    ins.bind(8, BlobRef{scores.data(), scores.size()});
    if (s.counts.empty())
        ins.bindNull(9);
    else
        ins.bind(9, BlobRef{counts.data(), counts.size()});
    ins.bind(10, s.itemCount);
    ins.bind(11, dumpJson(s.params, "neuron score parameters"));
    ins.run();
    const Id id = db_.lastInsertId();
    tx.commit();
    return id;
}

NeuronScores Workspace::neuronScores(Id id, ReadScope scope) {
    Statement st = db_.prepare(std::string(kScoreColumns) + " WHERE id = ?", "reading neuron scores");
    st.bind(1, id);
    if (!st.step()) detail::notFound(path(), "neuron_scores", id);
    NeuronScores s = readScores(st);
    requireReadable(s.runId, scope, "reading neuron scores " + std::to_string(id));
    return s;
}

std::vector<NeuronScores> Workspace::neuronScoresOf(Id runId, ReadScope scope) {
    const std::string purpose = "reading neuron scores of run " + std::to_string(runId);
    requireReadable(runId, scope, purpose);
    Statement st = db_.prepare(std::string(kScoreColumns) + " WHERE run_id = ? ORDER BY id", purpose);
    st.bind(1, runId);
    std::vector<NeuronScores> out;
    while (st.step()) out.push_back(readScores(st));
    return out;
}

}  // namespace prominence::workspace
