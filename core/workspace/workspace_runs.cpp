// Run lifecycle: begin, close (completed / cancelled / failed), resume, and recovery of runs whose
// process died.
#include "core/common/version.h"
#include "core/workspace/process_identity.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_internal.h"

namespace prominence::workspace {

using detail::kNowSql;

std::string runStatusName(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return "running";
        case RunStatus::Completed: return "completed";
        case RunStatus::Cancelled: return "cancelled";
        case RunStatus::Failed: return "failed";
        case RunStatus::Incomplete: return "incomplete";
    }
    return "unknown";
}

RunStatus runStatusFromName(const std::string& text) {
    for (RunStatus s : {RunStatus::Running, RunStatus::Completed, RunStatus::Cancelled, RunStatus::Failed,
                        RunStatus::Incomplete})
        if (runStatusName(s) == text) return s;
    throw StorageError("run status '" + text + "' is none of running, completed, cancelled, failed, incomplete");
}

namespace {

constexpr const char* kRunColumns =
    "SELECT id, kind, name, model_id, benchmark_id, parent_run_id, params_json, summary_json, prominence_version, "
    "status, error, started_at, ended_at, pid, hostname FROM runs";

RunRecord readRun(const Statement& st) {
    RunRecord r;
    r.id = st.getInt(0);
    const std::string what = "runs " + std::to_string(r.id);
    r.kind = st.getText(1);
    r.name = st.getText(2);
    r.modelId = st.getOptionalInt(3);
    r.benchmarkId = st.getOptionalInt(4);
    r.parentRunId = st.getOptionalInt(5);
    r.params = parseJsonColumn(st.getText(6), what + " params_json");
    r.summary = parseJsonColumn(st.getText(7), what + " summary_json");
    r.prominenceVersion = st.getText(8);
    r.status = runStatusFromName(st.getText(9));
    r.error = st.getText(10);
    r.startedAt = st.getText(11);
    r.endedAt = st.getOptionalText(12);
    r.pid = st.getOptionalInt(13).value_or(0);
    r.hostname = st.getOptionalText(14).value_or("");
    return r;
}

}  // namespace

void Workspace::recoverDeadRuns() {
    recovered_.clear();
    Statement st = db_.prepare("SELECT id, pid, hostname, process_start FROM runs WHERE status = 'running'",
                               "looking for runs left running");
    std::vector<Id> dead;
    while (st.step()) {
        ProcessIdentity writer{st.getOptionalInt(1).value_or(0), st.getOptionalText(2).value_or(""),
                               st.getOptionalText(3).value_or("")};
        if (livenessOf(writer) == Liveness::Dead) dead.push_back(st.getInt(0));
    }
    st.reset();
    if (dead.empty()) return;
    Transaction tx(db_, "marking runs of dead processes incomplete");
    Statement mark = db_.prepare(std::string("UPDATE runs SET status = 'incomplete', ended_at = ") + kNowSql +
                                     ", error = 'the process writing this run ended without closing it' "
                                     "WHERE id = ? AND status = 'running'",
                                 "marking a run of a dead process incomplete");
    for (Id id : dead) {
        mark.bind(1, id);
        mark.run();
        if (db_.changes() == 1) recovered_.push_back(id);
    }
    tx.commit();
}

Id Workspace::beginRun(const RunStart& start) {
    if (start.kind.empty()) throw InvalidArgument("beginRun: the run kind is empty");
    const ProcessIdentity me = currentProcess();
    Transaction tx(db_, "starting a " + start.kind + " run");
    db_.prepare(std::string("INSERT INTO runs(kind, name, model_id, benchmark_id, parent_run_id, params_json, "
                            "prominence_version, status, started_at, pid, hostname, process_start) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ") +
                    kNowSql + ", ?, ?, ?)",
                "starting a " + start.kind + " run")
        .bindAll(start.kind, start.name, start.modelId, start.benchmarkId, start.parentRunId,
                 dumpJson(start.params, "run parameters"), std::string(kVersion), me.pid, me.hostname,
                 me.startTime)
        .run();
    const Id id = db_.lastInsertId();
    Statement input = db_.prepare("INSERT INTO run_inputs(run_id, input_run_id, role) VALUES (?, ?, ?)",
                                  "recording the inputs of run " + std::to_string(id));
    for (const RunInput& in : start.inputs) {
        input.bindAll(id, in.runId, in.role);
        input.run();
    }
    tx.commit();
    return id;
}

RunStatus Workspace::statusOf(Id runId, const std::string& purpose) {
    Statement st = db_.prepare("SELECT status FROM runs WHERE id = ?", purpose);
    st.bind(1, runId);
    if (!st.step()) detail::notFound(path(), "run", runId);
    return runStatusFromName(st.getText(0));
}

void Workspace::requireRunning(Id runId, const std::string& purpose) {
    const RunStatus s = statusOf(runId, purpose);
    if (s != RunStatus::Running)
        throw InvalidArgument(purpose + ": run " + std::to_string(runId) + " is '" + runStatusName(s) +
                              "'; results are written only while a run is 'running' (resumeRun() reopens it)");
}

void Workspace::requireReadable(Id runId, ReadScope scope, const std::string& purpose) {
    const RunStatus s = statusOf(runId, purpose);
    if (scope == ReadScope::CompletedOnly && s != RunStatus::Completed)
        throw InvalidArgument(purpose + ": run " + std::to_string(runId) + " is '" + runStatusName(s) +
                              "', not 'completed'; read it with ReadScope::Any to see partial results");
}

void Workspace::closeRun(Id runId, RunStatus status, const Json& summary, const std::string& error) {
    const std::string purpose = "closing run " + std::to_string(runId) + " as " + runStatusName(status);
    Transaction tx(db_, purpose);
    requireRunning(runId, purpose);
    db_.prepare(std::string("UPDATE runs SET status = ?, summary_json = ?, error = ?, ended_at = ") + kNowSql +
                    " WHERE id = ?",
                purpose)
        .bindAll(runStatusName(status), dumpJson(summary, "run summary"), error, runId)
        .run();
    tx.commit();
}

void Workspace::finishRun(Id runId, const Json& summary) { closeRun(runId, RunStatus::Completed, summary, ""); }
void Workspace::cancelRun(Id runId, const Json& summary) { closeRun(runId, RunStatus::Cancelled, summary, ""); }
void Workspace::failRun(Id runId, const std::string& message) {
    closeRun(runId, RunStatus::Failed, Json::object(), message);
}

std::vector<std::int64_t> Workspace::resumeRun(Id runId) {
    const std::string purpose = "resuming run " + std::to_string(runId);
    const ProcessIdentity me = currentProcess();
    Transaction tx(db_, purpose);
    const RunStatus s = statusOf(runId, purpose);
    if (s != RunStatus::Cancelled && s != RunStatus::Failed && s != RunStatus::Incomplete)
        throw InvalidArgument(purpose + ": run is '" + runStatusName(s) +
                              "'; only cancelled, failed or incomplete runs can be resumed");
    db_.prepare("UPDATE runs SET status = 'running', ended_at = NULL, error = '', pid = ?, hostname = ?, "
                "process_start = ? WHERE id = ?",
                purpose)
        .bindAll(me.pid, me.hostname, me.startTime, runId)
        .run();
    std::vector<std::int64_t> done = itemIndices(runId, ReadScope::Any);
    tx.commit();
    return done;
}

RunRecord Workspace::run(Id runId) {
    Statement st = db_.prepare(std::string(kRunColumns) + " WHERE id = ?", "reading run");
    st.bind(1, runId);
    if (!st.step()) detail::notFound(path(), "run", runId);
    RunRecord r = readRun(st);
    Statement in = db_.prepare("SELECT input_run_id, role FROM run_inputs WHERE run_id = ? ORDER BY rowid",
                               "reading the inputs of run " + std::to_string(runId));
    in.bind(1, runId);
    while (in.step()) r.inputs.push_back({in.getInt(0), in.getText(1)});
    return r;
}

std::vector<RunRecord> Workspace::runs(const RunQuery& query) {
    std::string sql = std::string(kRunColumns) + " WHERE (?1 = '' OR kind = ?1)";
    if (!query.includeUnfinished) sql += " AND status = 'completed'";
    Statement st = db_.prepare(sql + " ORDER BY id", "listing runs");
    st.bind(1, query.kind);
    std::vector<Id> ids;
    while (st.step()) ids.push_back(st.getInt(0));
    std::vector<RunRecord> out;
    out.reserve(ids.size());
    for (Id id : ids) out.push_back(run(id));
    return out;
}

}  // namespace prominence::workspace
