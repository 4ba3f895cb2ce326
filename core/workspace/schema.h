#pragma once
// The workspace schema and its versions. createSchema() builds the current layout in a new file;
// migrate() upgrades an older file one version at a time, each step in its own transaction that
// rolls back (leaving the file at the previous version) and rethrows on failure.
#include "core/workspace/database.h"

namespace prominence::workspace {

// Version history (docs/workspace.md has the tables):
//   1  models, benchmarks, runs, run_items, selections (evaluation only)
//   2  runs gain process identity and lineage (pid, hostname, process_start, parent_run_id,
//      run_inputs); ig_items, neuron_scores, masks, checkpoints, comparisons, exports, artifacts
//   3  indexes on run_items for the example browser's sorted, filtered queries (item_query.h)
inline constexpr int kSchemaVersion = 3;
// Written to meta.application; a SQLite file without it is not a workspace.
inline constexpr const char* kApplicationTag = "prominence-workspace";

// Builds every table of kSchemaVersion in an empty database.
void createSchema(Database& db);
// The stored version; throws StorageError when the file is not a Prominence workspace.
int readSchemaVersion(Database& db);
// Upgrades from `fromVersion` to kSchemaVersion. Throws StorageError for a version newer than
// kSchemaVersion or older than 1.
void migrate(Database& db, int fromVersion);

}  // namespace prominence::workspace
