#include "core/workspace/workspace.h"

#include <filesystem>
#include <system_error>

#include "core/workspace/schema.h"
#include "core/workspace/workspace_internal.h"

namespace prominence::workspace {

using detail::kNowSql;

Workspace::Workspace(Database db) : db_(std::move(db)) {}

Workspace Workspace::create(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
        throw StorageError("workspace '" + path + "': creating: the file already exists");
    Database db = Database::open(path, true);
    db.enableWal();
    createSchema(db);
    return Workspace(std::move(db));
}

Workspace Workspace::open(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw StorageError("workspace '" + path + "' does not exist or is not a file");
    Database db = Database::open(path, false);
    // Identify the file before changing anything in it (journal mode, schema).
    const int version = readSchemaVersion(db);
    if (version != kSchemaVersion) migrate(db, version);
    db.enableWal();
    Workspace ws(std::move(db));
    ws.recoverDeadRuns();
    return ws;
}

Workspace Workspace::openOrCreate(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec) ? open(path) : create(path);
}

int Workspace::schemaVersion() { return readSchemaVersion(db_); }

std::string Workspace::integrityCheck() {
    Statement st = db_.prepare("PRAGMA integrity_check", "checking integrity");
    std::string out;
    while (st.step()) out += (out.empty() ? "" : "\n") + st.getText(0);
    return out;
}

// ---- models and benchmarks -------------------------------------------------------------------

namespace {

ModelRecord readModel(const Statement& st) {
    ModelRecord m;
    m.id = st.getInt(0);
    m.path = st.getText(1);
    m.name = st.getText(2);
    m.architecture = st.getText(3);
    m.configHash = st.getText(4);
    m.weightsHash = st.getText(5);
    m.info = parseJsonColumn(st.getText(6), "models " + std::to_string(m.id) + " info_json");
    m.addedAt = st.getText(7);
    return m;
}

BenchmarkRecord readBenchmark(const Statement& st) {
    BenchmarkRecord b;
    b.id = st.getInt(0);
    b.path = st.getText(1);
    b.name = st.getText(2);
    b.hash = st.getText(3);
    b.format = st.getText(4);
    b.fieldMapping = parseJsonColumn(st.getText(5), "benchmarks " + std::to_string(b.id) + " field_mapping_json");
    b.itemCount = st.getInt(6);
    b.addedAt = st.getText(7);
    return b;
}

constexpr const char* kModelColumns =
    "SELECT id, path, name, architecture, config_hash, weights_hash, info_json, added_at FROM models";
constexpr const char* kBenchmarkColumns =
    "SELECT id, path, name, hash, format, field_mapping_json, item_count, added_at FROM benchmarks";

}  // namespace

Id Workspace::addModel(const ModelRecord& m) {
    if (m.path.empty()) throw InvalidArgument("addModel: the model path is empty");
    Transaction tx(db_, "adding model '" + m.path + "'");
    db_.prepare(std::string("INSERT INTO models(path, name, architecture, config_hash, weights_hash, info_json, "
                            "added_at) VALUES (?, ?, ?, ?, ?, ?, ") +
                    kNowSql + ") ON CONFLICT(path, config_hash, weights_hash) DO NOTHING",
                "adding model '" + m.path + "'")
        .bindAll(m.path, m.name, m.architecture, m.configHash, m.weightsHash, dumpJson(m.info, "model info"))
        .run();
    Statement find = db_.prepare("SELECT id FROM models WHERE path = ? AND config_hash = ? AND weights_hash = ?",
                                 "looking up model '" + m.path + "'");
    find.bindAll(m.path, m.configHash, m.weightsHash);
    if (!find.step()) throw StorageError("workspace '" + path() + "': model '" + m.path + "' vanished after insert");
    const Id id = find.getInt(0);
    find.reset();
    tx.commit();
    return id;
}

ModelRecord Workspace::model(Id id) {
    Statement st = db_.prepare(std::string(kModelColumns) + " WHERE id = ?", "reading model");
    st.bind(1, id);
    if (!st.step()) detail::notFound(path(), "model", id);
    return readModel(st);
}

std::vector<ModelRecord> Workspace::models() {
    Statement st = db_.prepare(std::string(kModelColumns) + " ORDER BY id", "listing models");
    std::vector<ModelRecord> out;
    while (st.step()) out.push_back(readModel(st));
    return out;
}

Id Workspace::addBenchmark(const BenchmarkRecord& b) {
    if (b.path.empty()) throw InvalidArgument("addBenchmark: the benchmark path is empty");
    if (b.format.empty()) throw InvalidArgument("addBenchmark: benchmark '" + b.path + "' has no format");
    if (b.itemCount < 0)
        throw InvalidArgument("addBenchmark: item count " + std::to_string(b.itemCount) + " is negative");
    const std::string mapping = dumpJson(b.fieldMapping, "benchmark field mapping");
    Transaction tx(db_, "adding benchmark '" + b.path + "'");
    db_.prepare(std::string("INSERT INTO benchmarks(path, name, hash, format, field_mapping_json, item_count, "
                            "added_at) VALUES (?, ?, ?, ?, ?, ?, ") +
                    kNowSql + ") ON CONFLICT(path, hash, format, field_mapping_json) DO NOTHING",
                "adding benchmark '" + b.path + "'")
        .bindAll(b.path, b.name, b.hash, b.format, mapping, b.itemCount)
        .run();
    Statement find = db_.prepare(
        "SELECT id FROM benchmarks WHERE path = ? AND hash = ? AND format = ? AND field_mapping_json = ?",
        "looking up benchmark '" + b.path + "'");
    find.bindAll(b.path, b.hash, b.format, mapping);
    if (!find.step())
        throw StorageError("workspace '" + path() + "': benchmark '" + b.path + "' vanished after insert");
    const Id id = find.getInt(0);
    find.reset();
    tx.commit();
    return id;
}

BenchmarkRecord Workspace::benchmark(Id id) {
    Statement st = db_.prepare(std::string(kBenchmarkColumns) + " WHERE id = ?", "reading benchmark");
    st.bind(1, id);
    if (!st.step()) detail::notFound(path(), "benchmark", id);
    return readBenchmark(st);
}

std::vector<BenchmarkRecord> Workspace::benchmarks() {
    Statement st = db_.prepare(std::string(kBenchmarkColumns) + " ORDER BY id", "listing benchmarks");
    std::vector<BenchmarkRecord> out;
    while (st.step()) out.push_back(readBenchmark(st));
    return out;
}

}  // namespace prominence::workspace
