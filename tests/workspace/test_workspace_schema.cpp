// The workspace file itself: creation, reopening, the schema version, migration from version 1 (and
// its rollback), transactions, tensor blobs, and files that are not workspaces.
#include <QFile>
#include <QtTest>

#include <cstring>
#include <map>
#include <set>

#include "core/common/error.h"
#include "core/common/version.h"
#include "core/workspace/schema.h"
#include "core/workspace/tensor_blob.h"
#include "core/workspace/workspace.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::workspace;

namespace {

// The layout of schema version 1, frozen as it was shipped: evaluation only, runs without process
// identity or lineage.
const char* const kVersion1 = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE models (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  architecture TEXT NOT NULL DEFAULT '', config_hash TEXT NOT NULL, weights_hash TEXT NOT NULL,
  info_json TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL, UNIQUE (path, config_hash, weights_hash));
CREATE TABLE benchmarks (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL,
  format TEXT NOT NULL, field_mapping_json TEXT NOT NULL DEFAULT '{}',
  item_count INTEGER NOT NULL CHECK (item_count >= 0), added_at TEXT NOT NULL,
  UNIQUE (path, hash, format, field_mapping_json));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  model_id INTEGER REFERENCES models(id), benchmark_id INTEGER REFERENCES benchmarks(id),
  params_json TEXT NOT NULL DEFAULT '{}', summary_json TEXT NOT NULL DEFAULT '{}',
  prominence_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'incomplete')),
  error TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, ended_at TEXT);
CREATE TABLE run_items (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item_index INTEGER NOT NULL CHECK (item_index >= 0), item_id TEXT NOT NULL, prompt TEXT NOT NULL,
  continuations_json TEXT NOT NULL DEFAULT '[]', scores_json TEXT NOT NULL, probs_json TEXT NOT NULL,
  pred INTEGER NOT NULL, gold INTEGER NOT NULL, correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
  p_correct REAL NOT NULL, margin REAL NOT NULL, extra_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, item_index)) WITHOUT ROWID;
CREATE TABLE selections (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL, criteria_json TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL,
  UNIQUE (run_id, name));
CREATE TABLE selection_items (
  selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,
  position INTEGER NOT NULL, run_id INTEGER NOT NULL, item_index INTEGER NOT NULL,
  PRIMARY KEY (selection_id, position), UNIQUE (selection_id, item_index),
  FOREIGN KEY (run_id, item_index) REFERENCES run_items(run_id, item_index) ON DELETE CASCADE) WITHOUT ROWID;
INSERT INTO meta VALUES ('application', 'prominence-workspace'), ('schema_version', '1');
INSERT INTO models VALUES (1, '/models/gpt2', 'gpt2', 'gpt2', 'cfg1', 'st1', '{}', '2024-01-01T00:00:00.000Z');
INSERT INTO benchmarks VALUES (1, '/data/arc.jsonl', 'arc', 'h1', 'arc', '{}', 2, '2024-01-01T00:00:00.000Z');
INSERT INTO runs VALUES (1, 'eval', 'old eval', 1, 1, '{"scoring":"letter"}', '{"acc":0.5}', '0.0.9',
  'completed', '', '2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z');
INSERT INTO run_items VALUES (1, 0, 'a', 'Q0', '["A","B"]', '[-0.25,-1.5]', '[0.75,0.25]', 0, 0, 1, 0.75, 0.5, '{}');
INSERT INTO run_items VALUES (1, 1, 'b', 'Q1', '["A","B"]', '[-2.0,-0.125]', '[0.125,0.875]', 1, 0, 0, 0.125, 0.75, '{}');
INSERT INTO selections VALUES (1, 1, 'confident', '{"threshold":0.7}', '2024-01-01T00:02:00.000Z');
INSERT INTO selection_items VALUES (1, 0, 1, 0);
)sql";

QString freshPath(const char* name) {
    const QString p = test::tempDir() + QLatin1Char('/') + QString::fromUtf8(name);
    QFile::remove(p);
    QFile::remove(p + QStringLiteral("-wal"));
    QFile::remove(p + QStringLiteral("-shm"));
    return p;
}

std::string str(const QString& s) { return s.toStdString(); }

void buildVersion1(const std::string& path, const std::string& extraSql = "") {
    Database db = Database::open(path, true);
    db.exec(kVersion1, "building a version 1 workspace");
    if (!extraSql.empty()) db.exec(extraSql, "adding to the version 1 workspace");
}

// table -> its columns (name and declared type) and the index names: the shape of a schema.
std::map<std::string, std::set<std::string>> schemaShape(Database& db) {
    std::map<std::string, std::set<std::string>> shape;
    Statement tables = db.prepare("SELECT name, type FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", "list");
    std::vector<std::pair<std::string, std::string>> names;
    while (tables.step()) names.emplace_back(tables.getText(0), tables.getText(1));
    for (const auto& [name, type] : names) {
        if (type == "index") {
            shape["(indexes)"].insert(name);
            continue;
        }
        Statement cols = db.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", "columns");
        cols.bind(1, name);
        while (cols.step())
            shape[name].insert(cols.getText(0) + " " + cols.getText(1) + " " + std::to_string(cols.getInt(2)) +
                               " " + std::to_string(cols.getInt(3)));
        Statement fks = db.prepare("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?)", "fk");
        fks.bind(1, name);
        while (fks.step())
            shape[name].insert("fk " + fks.getText(0) + "." + fks.getText(2) + " <- " + fks.getText(1) + " " +
                               fks.getText(3));
    }
    return shape;
}

std::string metaValue(Database& db, const std::string& key) {
    Statement st = db.prepare("SELECT value FROM meta WHERE key = ?", "meta");
    st.bind(1, key);
    return st.step() ? st.getText(0) : std::string("<missing>");
}

}  // namespace

class TestWorkspaceSchema : public QObject {
    Q_OBJECT

private slots:
    void createThenReopen() {
        const std::string path = str(freshPath("create.prominence"));
        {
            Workspace ws = Workspace::create(path);
            QCOMPARE(ws.schemaVersion(), kSchemaVersion);
            QCOMPARE(ws.path(), path);
            QCOMPARE(metaValue(ws.database(), "application"), std::string(kApplicationTag));
            QCOMPARE(ws.database().queryInt("PRAGMA foreign_keys", "fk"), std::int64_t{1});
            QCOMPARE(ws.database().queryInt("PRAGMA application_id", "app id"), std::int64_t{1347571533});
            {
                Statement mode = ws.database().prepare("PRAGMA journal_mode", "mode");
                QVERIFY(mode.step());
                QCOMPARE(mode.getText(0), std::string("wal"));
            }
            ws.addModel({0, "/models/m", "m", "gpt2", "c", "w", Json::object(), ""});
        }
        QVERIFY_THROWS_EXCEPTION(StorageError, Workspace::create(path));
        Workspace again = Workspace::open(path);
        QCOMPARE(again.schemaVersion(), kSchemaVersion);
        QCOMPARE(again.models().size(), std::size_t{1});
        QCOMPARE(again.integrityCheck(), std::string("ok"));
    }

    void openOrCreateCreatesOnce() {
        const std::string path = str(freshPath("ooc.prominence"));
        Workspace::openOrCreate(path).addModel({0, "/m", "", "", "c", "w", Json::object(), ""});
        QCOMPARE(Workspace::openOrCreate(path).models().size(), std::size_t{1});
    }

    void migratesVersion1() {
        const std::string path = str(freshPath("v1.prominence"));
        buildVersion1(path);
        Workspace ws = Workspace::open(path);
        QCOMPARE(ws.schemaVersion(), kSchemaVersion);
        QCOMPARE(metaValue(ws.database(), "migrated_with"), std::string(kVersion));
        // Data of version 1 survives and reads through the current API.
        const RunRecord old = ws.run(1);
        QCOMPARE(old.kind, std::string("eval"));
        QCOMPARE(old.status, RunStatus::Completed);
        QCOMPARE(old.summary.at("acc").get<double>(), 0.5);
        QCOMPARE(old.pid, std::int64_t{0});
        const std::vector<ItemResult> items = ws.items(1);
        QCOMPARE(items.size(), std::size_t{2});
        QCOMPARE(items[1].scores, (std::vector<double>{-2.0, -0.125}));
        QCOMPARE(items[1].continuations, (std::vector<std::string>{"A", "B"}));
        QCOMPARE(ws.selection(1).itemIndices, (std::vector<std::int64_t>{0}));
        // The tables version 2 added work on the migrated file.
        RunStart start;
        start.kind = "attribution";
        start.inputs = {{1, "eval"}};
        const Id run = ws.beginRun(start);
        QCOMPARE(ws.run(run).inputs, (std::vector<RunInput>{{1, "eval"}}));
        QVERIFY(ws.run(run).pid > 0);

        // A migrated file has exactly the layout of a new one.
        const std::string freshFile = str(freshPath("v2fresh.prominence"));
        Workspace fresh = Workspace::create(freshFile);
        const auto migratedShape = schemaShape(ws.database());
        const auto freshShape = schemaShape(fresh.database());
        QCOMPARE(migratedShape.size(), freshShape.size());
        for (const auto& [table, columns] : freshShape) {
            QVERIFY2(migratedShape.count(table) == 1, table.c_str());
            QVERIFY2(migratedShape.at(table) == columns, table.c_str());
        }
        QCOMPARE(ws.integrityCheck(), std::string("ok"));
    }

    void failedMigrationRollsBack() {
        const std::string path = str(freshPath("v1broken.prominence"));
        // A table named like one version 2 adds makes the migration fail half way through.
        buildVersion1(path, "CREATE TABLE masks (x INTEGER);");
        try {
            Workspace::open(path);
            QFAIL("opening should have failed");
        } catch (const StorageError& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains(QStringLiteral("migrating schema 1 -> 2")), e.what());
            QVERIFY2(what.contains(QString::fromStdString(path)), e.what());
        }
        Database db = Database::open(path, false);
        QCOMPARE(readSchemaVersion(db), 1);
        QCOMPARE(db.queryInt("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'pid'", "pid"),
                 std::int64_t{0});
        QCOMPARE(db.queryInt("SELECT count(*) FROM sqlite_schema WHERE name IN ('ig_items', 'run_inputs')", "t"),
                 std::int64_t{0});
        QCOMPARE(db.queryInt("SELECT count(*) FROM run_items", "items"), std::int64_t{2});
    }

    void newerSchemaIsRefused() {
        const std::string path = str(freshPath("newer.prominence"));
        {
            Workspace ws = Workspace::create(path);
            ws.database().exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'", "bump");
        }
        try {
            Workspace::open(path);
            QFAIL("opening should have failed");
        } catch (const StorageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("schema version 99, newer")), e.what());
        }
    }

    void nonSqliteFileIsRefused() {
        const QString qpath = freshPath("notes.prominence");
        QFile f(qpath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray text = QByteArrayLiteral("these are my notes, not a database\n").repeated(100);
        f.write(text);
        f.close();
        try {
            Workspace::open(str(qpath));
            QFAIL("opening should have failed");
        } catch (const StorageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("not an SQLite database")), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(qpath), e.what());
        }
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), text);
    }

    void otherApplicationsSqliteIsRefused() {
        const std::string path = str(freshPath("photos.db"));
        {
            Database db = Database::open(path, true);
            db.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)", "other app");
        }
        try {
            Workspace::open(path);
            QFAIL("opening should have failed");
        } catch (const StorageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is not a Prominence workspace")), e.what());
        }
        // The other application's file is left as it was, journal mode included.
        Database db = Database::open(path, false);
        Statement mode = db.prepare("PRAGMA journal_mode", "mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.getText(0), std::string("delete"));

        const std::string metaOnly = str(freshPath("meta.db"));
        {
            Database other = Database::open(metaOnly, true);
            other.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('application', 'x')", "x");
        }
        QVERIFY_THROWS_EXCEPTION(StorageError, Workspace::open(metaOnly));
    }

    void missingFileIsRefusedAndNotCreated() {
        const QString qpath = freshPath("missing.prominence");
        QVERIFY_THROWS_EXCEPTION(StorageError, Workspace::open(str(qpath)));
        QVERIFY(!QFile::exists(qpath));
        QVERIFY_THROWS_EXCEPTION(StorageError, Workspace::open(str(test::tempDir())));
    }

    void transactionRollsBackUnlessCommitted() {
        Workspace ws = Workspace::create(str(freshPath("tx.prominence")));
        Database& db = ws.database();
        {
            Transaction tx(db, "outer");
            ws.addModel({0, "/a", "", "", "c", "w", Json::object(), ""});  // nested: a savepoint
            {
                Transaction inner(db, "inner");
                ws.addModel({0, "/b", "", "", "c", "w", Json::object(), ""});
            }
            QCOMPARE(db.queryInt("SELECT count(*) FROM models", "count"), std::int64_t{1});
            tx.commit();
        }
        QCOMPARE(ws.models().size(), std::size_t{1});
        QCOMPARE(ws.models()[0].path, std::string("/a"));
        try {
            Transaction tx(db, "failing");
            ws.addModel({0, "/c", "", "", "c", "w", Json::object(), ""});
            db.exec("INSERT INTO no_such_table VALUES (1)", "a write that fails");
            tx.commit();
            QFAIL("the write should have failed");
        } catch (const StorageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("a write that fails")), e.what());
        }
        QCOMPARE(ws.models().size(), std::size_t{1});
        QVERIFY(!db.inTransaction());
    }

    void blobsAreLittleEndianFloat32() {
        const std::vector<unsigned char> bytes = encodeFloat32({1.0f, -2.0f});
        QCOMPARE(bytes, (std::vector<unsigned char>{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0}));
        QCOMPARE(decodeFloat32(bytes, 2, "x"), (std::vector<float>{1.0f, -2.0f}));
        QCOMPARE(encodeInt32({-2}), (std::vector<unsigned char>{0xfe, 0xff, 0xff, 0xff}));
        try {
            decodeFloat32(bytes, 3, "neuron_scores 7 scores");
            QFAIL("a short blob should be refused");
        } catch (const StorageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("neuron_scores 7 scores: blob holds 8 bytes, expected 3")),
                     e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceSchema)
#include "test_workspace_schema.moc"
