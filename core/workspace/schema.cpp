#include "core/workspace/schema.h"

#include <string>

#include "core/common/error.h"
#include "core/common/version.h"

namespace prominence::workspace {
namespace {

// 'PROM' in ASCII, so `file` and other tools can tell a workspace from any SQLite file.
constexpr const char* kApplicationIdPragma = "PRAGMA application_id = 1347571533";

// Tables that version 1 already had, unchanged since.
constexpr const char* kBaseTables = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE models (
  id           INTEGER PRIMARY KEY,
  path         TEXT NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  architecture TEXT NOT NULL DEFAULT '',
  config_hash  TEXT NOT NULL,
  weights_hash TEXT NOT NULL,
  info_json    TEXT NOT NULL DEFAULT '{}',
  added_at     TEXT NOT NULL,
  UNIQUE (path, config_hash, weights_hash)
);
CREATE TABLE benchmarks (
  id                 INTEGER PRIMARY KEY,
  path               TEXT NOT NULL,
  name               TEXT NOT NULL DEFAULT '',
  hash               TEXT NOT NULL,
  format             TEXT NOT NULL,
  field_mapping_json TEXT NOT NULL DEFAULT '{}',
  item_count         INTEGER NOT NULL CHECK (item_count >= 0),
  added_at           TEXT NOT NULL,
  UNIQUE (path, hash, format, field_mapping_json)
);
)sql";

constexpr const char* kRunItemsAndSelections = R"sql(
CREATE TABLE run_items (
  run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item_index         INTEGER NOT NULL CHECK (item_index >= 0),
  item_id            TEXT NOT NULL,
  prompt             TEXT NOT NULL,
  continuations_json TEXT NOT NULL DEFAULT '[]',
  scores_json        TEXT NOT NULL,
  probs_json         TEXT NOT NULL,
  pred               INTEGER NOT NULL,
  gold               INTEGER NOT NULL,
  correct            INTEGER NOT NULL CHECK (correct IN (0, 1)),
  p_correct          REAL NOT NULL,
  margin             REAL NOT NULL,
  extra_json         TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, item_index)
) WITHOUT ROWID;
CREATE TABLE selections (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  criteria_json TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL,
  UNIQUE (run_id, name)
);
CREATE TABLE selection_items (
  selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  run_id       INTEGER NOT NULL,
  item_index   INTEGER NOT NULL,
  PRIMARY KEY (selection_id, position),
  UNIQUE (selection_id, item_index),
  FOREIGN KEY (run_id, item_index) REFERENCES run_items(run_id, item_index) ON DELETE CASCADE
) WITHOUT ROWID;
)sql";

// Tables and indexes that version 2 added; shared by createSchema() and the 1 -> 2 migration so a
// migrated file ends up with the same definitions as a new one.
constexpr const char* kVersion2Additions = R"sql(
CREATE TABLE run_inputs (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  input_run_id INTEGER NOT NULL REFERENCES runs(id),
  role         TEXT NOT NULL,
  UNIQUE (run_id, input_run_id, role)
);
CREATE TABLE ig_items (
  run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item_index       INTEGER NOT NULL CHECK (item_index >= 0),
  layer            INTEGER NOT NULL CHECK (layer >= 0),
  item_id          TEXT NOT NULL,
  target           INTEGER,
  f_input          REAL NOT NULL,
  f_baseline       REAL NOT NULL,
  delta            REAL NOT NULL,
  neurons          INTEGER NOT NULL CHECK (neurons >= 0),
  attribution      BLOB,
  summary_json     TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, item_index, layer)
) WITHOUT ROWID;
CREATE TABLE neuron_scores (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset       TEXT NOT NULL,
  benchmark_id  INTEGER REFERENCES benchmarks(id),
  selection_id  INTEGER REFERENCES selections(id),
  kind          TEXT NOT NULL,
  layers        INTEGER NOT NULL CHECK (layers >= 0),
  neurons       INTEGER NOT NULL CHECK (neurons >= 0),
  scores        BLOB NOT NULL,
  counts        BLOB,
  item_count    INTEGER NOT NULL CHECK (item_count >= 0),
  params_json   TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL,
  UNIQUE (run_id, dataset, kind)
);
CREATE TABLE masks (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  model_id        INTEGER REFERENCES models(id),
  layers          INTEGER NOT NULL CHECK (layers >= 0),
  neurons         INTEGER NOT NULL CHECK (neurons >= 0),
  neuron_count    INTEGER NOT NULL CHECK (neuron_count >= 0),
  provenance_json TEXT NOT NULL DEFAULT '{}',
  created_at      TEXT NOT NULL
);
CREATE TABLE mask_neurons (
  mask_id INTEGER NOT NULL REFERENCES masks(id) ON DELETE CASCADE,
  layer   INTEGER NOT NULL CHECK (layer >= 0),
  neuron  INTEGER NOT NULL CHECK (neuron >= 0),
  PRIMARY KEY (mask_id, layer, neuron)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step         INTEGER NOT NULL,
  path         TEXT NOT NULL,
  mask_id      INTEGER REFERENCES masks(id),
  metrics_json TEXT NOT NULL DEFAULT '{}',
  created_at   TEXT NOT NULL
);
CREATE TABLE comparisons (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  table_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE exports (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  mask_id    INTEGER REFERENCES masks(id) ON DELETE SET NULL,
  kind       TEXT NOT NULL,
  path       TEXT NOT NULL,
  meta_json  TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE TABLE artifacts (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  kind       TEXT NOT NULL,
  path       TEXT NOT NULL,
  meta_json  TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX runs_by_kind ON runs(kind, status);
CREATE INDEX runs_by_parent ON runs(parent_run_id);
CREATE INDEX run_inputs_by_input ON run_inputs(input_run_id);
CREATE INDEX selections_by_run ON selections(run_id);
CREATE INDEX neuron_scores_by_run ON neuron_scores(run_id);
CREATE INDEX masks_by_run ON masks(run_id);
CREATE INDEX checkpoints_by_run ON checkpoints(run_id);
CREATE INDEX comparisons_by_run ON comparisons(run_id);
CREATE INDEX exports_by_run ON exports(run_id);
CREATE INDEX artifacts_by_run ON artifacts(run_id);
)sql";

// Indexes that version 3 added: one per sortable column of the example browser (core/workspace/
// item_query.h), each ordered exactly as its ORDER BY and holding the columns its filters test
// (correct, p_correct), so a sorted, filtered query over a million items is one walk of an index.
constexpr const char* kVersion3Indexes = R"sql(
CREATE INDEX run_items_by_index ON run_items(run_id, item_index, correct, p_correct);
CREATE INDEX run_items_by_item_id ON run_items(run_id, item_id, p_correct, correct);
CREATE INDEX run_items_by_gold ON run_items(run_id, gold, p_correct, correct);
CREATE INDEX run_items_by_pred ON run_items(run_id, pred, p_correct, correct);
CREATE INDEX run_items_by_p_correct ON run_items(run_id, p_correct, correct);
CREATE INDEX run_items_by_margin ON run_items(run_id, margin, p_correct, correct);
CREATE INDEX run_items_by_correct ON run_items(run_id, correct, p_correct);
)sql";

constexpr const char* kRunsTable = R"sql(
CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY,
  kind               TEXT NOT NULL,
  name               TEXT NOT NULL DEFAULT '',
  model_id           INTEGER REFERENCES models(id),
  benchmark_id       INTEGER REFERENCES benchmarks(id),
  params_json        TEXT NOT NULL DEFAULT '{}',
  summary_json       TEXT NOT NULL DEFAULT '{}',
  prominence_version TEXT NOT NULL,
  status             TEXT NOT NULL
                     CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'incomplete')),
  error              TEXT NOT NULL DEFAULT '',
  started_at         TEXT NOT NULL,
  ended_at           TEXT,
  parent_run_id      INTEGER REFERENCES runs(id),
  pid                INTEGER,
  hostname           TEXT,
  process_start      TEXT
);
)sql";

void setMeta(Database& db, const std::string& key, const std::string& value) {
    db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               "writing meta." + key)
        .bindAll(key, value)
        .run();
}

// Version 1 had no process identity on runs, no lineage and no attribution or pruning tables.
void migrate1to2(Database& db) {
    db.exec(R"sql(
ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id);
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN hostname TEXT;
ALTER TABLE runs ADD COLUMN process_start TEXT;
)sql",
            "migrating schema 1 -> 2 (runs columns)");
    db.exec(kVersion2Additions, "migrating schema 1 -> 2 (new tables)");
}

void migrate2to3(Database& db) { db.exec(kVersion3Indexes, "migrating schema 2 -> 3 (item indexes)"); }

}  // namespace

void createSchema(Database& db) {
    Transaction tx(db, "creating the workspace schema");
    db.exec(kBaseTables, "creating the workspace schema (base tables)");
    db.exec(kRunsTable, "creating the workspace schema (runs)");
    db.exec(kRunItemsAndSelections, "creating the workspace schema (items and selections)");
    db.exec(kVersion2Additions, "creating the workspace schema (pipeline tables)");
    db.exec(kVersion3Indexes, "creating the workspace schema (item indexes)");
    db.exec(kApplicationIdPragma, "setting the application id");
    setMeta(db, "application", kApplicationTag);
    setMeta(db, "schema_version", std::to_string(kSchemaVersion));
    setMeta(db, "created_with", kVersion);
    db.prepare("INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
               "writing meta.created_at")
        .run();
    tx.commit();
}

int readSchemaVersion(Database& db) {
    const std::string notOurs = "'" + db.path() + "' is not a Prominence workspace: ";
    if (db.queryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
                    "looking for the meta table") == 0) {
        const bool empty = db.queryInt("SELECT count(*) FROM sqlite_schema", "listing tables") == 0;
        throw StorageError(notOurs + (empty ? "the SQLite database is empty"
                                            : "it is an SQLite database without a meta table "
                                              "(a file of another application?)"));
    }
    Statement app = db.prepare("SELECT value FROM meta WHERE key = 'application'", "reading meta.application");
    if (!app.step() || app.getText(0) != kApplicationTag)
        throw StorageError(notOurs + "meta.application is not '" + std::string(kApplicationTag) + "'");
    Statement ver = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'", "reading meta.schema_version");
    if (!ver.step()) throw StorageError("workspace '" + db.path() + "': meta.schema_version is missing");
    const std::string text = ver.getText(0);
    std::size_t used = 0;
    int version = 0;
    try {
        version = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || version < 1)
        throw StorageError("workspace '" + db.path() + "': meta.schema_version is '" + text +
                           "', expected a positive integer");
    return version;
}

void migrate(Database& db, int fromVersion) {
    if (fromVersion > kSchemaVersion)
        throw StorageError("workspace '" + db.path() + "' has schema version " + std::to_string(fromVersion) +
                           ", newer than this Prominence " + kVersion + " understands (" +
                           std::to_string(kSchemaVersion) + "); open it with a newer Prominence");
    if (fromVersion < 1)
        throw StorageError("workspace '" + db.path() + "': cannot migrate from schema version " +
                           std::to_string(fromVersion));
    for (int v = fromVersion; v < kSchemaVersion; ++v) {
        const std::string purpose = "migrating schema " + std::to_string(v) + " -> " + std::to_string(v + 1);
        Transaction tx(db, purpose);
        switch (v) {
            case 1:
                migrate1to2(db);
                break;
            case 2:
                migrate2to3(db);
                break;
            default:
                throw StorageError("workspace '" + db.path() + "': no migration from schema version " +
                                   std::to_string(v));
        }
        db.exec(kApplicationIdPragma, purpose + " (application id)");
        setMeta(db, "schema_version", std::to_string(v + 1));
        setMeta(db, "migrated_with", kVersion);
        tx.commit();
    }
}

}  // namespace prominence::workspace
