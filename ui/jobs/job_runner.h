#pragma once
// The GUI's job runner: every long operation (model loads, evaluation, attribution, fine-tuning, SQL
// over many rows) runs here, off the GUI thread, as a job: a function of a Progress in, a JSON result
// out. Workers never touch widgets; they post progress and the outcome back to the runner, which lives
// on the GUI thread and turns them into signals and into the Jobs dock's rows.
//
// Two pools. `compute` runs the method's steps; its width comes from the thread settings in force
// (docs/performance.md: one LibTorch thread and OpenBLAS as wide as the machine, so one heavy job
// already uses every core and a second one would only oversubscribe them): cores / BLAS threads, at
// least one. `io` runs short workspace reads (the navigator's snapshot, a table page) so they never
// queue behind a twenty-minute attribution.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"

namespace prominence::ui {

enum class JobState { Queued, Running, Finished, Failed, Cancelled };
QString jobStateName(JobState state);

// What a job needs to run: the work itself and what the user sees of it.
struct JobSpec {
    QString title;          // "Evaluate arc_easy.jsonl with stories260K"
    QString kind;           // eval, select, attribute, ... (tests and the dock's icon)
    QStringList command;    // the equivalent prominence-cli argv ("Copy as command"); may be empty
    QString workspacePath;  // the workspace the job writes, if any (the navigator refreshes after it)
    bool visible = true;    // false for internal reads (snapshot loads): not listed in the Jobs dock
    bool io = false;        // true: a short read, run on the io pool
    std::function<nlohmann::json(Progress&)> work;
};

// One job as the GUI sees it. Owned by the runner; read it on the GUI thread only.
struct JobRecord {
    int id = 0;
    JobSpec spec;
    JobState state = JobState::Queued;
    QString stage;
    qint64 done = 0;
    qint64 total = 0;
    QElapsedTimer clock;   // started when the job starts running
    qint64 elapsedMs = 0;  // frozen when it ends
    QString error;
    nlohmann::json result;
    std::shared_ptr<CancelFlag> cancel = std::make_shared<CancelFlag>();

    bool finished() const { return state != JobState::Queued && state != JobState::Running; }
    // Estimated milliseconds left from the progress so far, or -1 when unknown.
    qint64 etaMs() const;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    // Queues the job and returns its id. The callbacks run on the GUI thread when it ends.
    int start(JobSpec spec, std::function<void(const nlohmann::json&)> onDone = {},
              std::function<void(const QString&)> onError = {});
    void cancel(int id);
    void cancelAll();
    // Blocks until every job has ended (for shutdown and tests); returns false on timeout.
    bool waitForAll(int timeoutMs = -1);

    const JobRecord* job(int id) const;
    const std::vector<std::unique_ptr<JobRecord>>& jobs() const { return jobs_; }
    int activeCount(bool visibleOnly = true) const;
    int computeThreads() const { return compute_.maxThreadCount(); }

Q_SIGNALS:
    void jobAdded(int id);
    void jobChanged(int id);
    void jobFinished(int id);  // finished, failed or cancelled

private:
    JobRecord* find(int id);
    void onProgress(int id, const QString& stage, qint64 done, qint64 total);
    void onStarted(int id);
    void onEnded(int id, JobState state, const QString& error, const nlohmann::json& result);

    QThreadPool compute_;
    QThreadPool io_;
    std::vector<std::unique_ptr<JobRecord>> jobs_;
    int nextId_ = 1;
    struct Callbacks {
        std::function<void(const nlohmann::json&)> done;
        std::function<void(const QString&)> error;
    };
    std::map<int, Callbacks> callbacks_;
};

}  // namespace prominence::ui
