#include "ui/jobs/job_runner.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QMetaObject>
#include <QPointer>
#include <QRunnable>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <exception>

#include "core/system/runtime.h"

namespace prominence::ui {

QString jobStateName(JobState state) {
    switch (state) {
    case JobState::Queued: return QStringLiteral("queued");
    case JobState::Running: return QStringLiteral("running");
    case JobState::Finished: return QStringLiteral("finished");
    case JobState::Failed: return QStringLiteral("failed");
    case JobState::Cancelled: return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

qint64 JobRecord::etaMs() const {
    if (state != JobState::Running || total <= 0 || done <= 0 || done > total) return -1;
    const qint64 ms = clock.elapsed();
    return static_cast<qint64>(static_cast<double>(ms) * static_cast<double>(total - done) / static_cast<double>(done));
}

namespace {

// Posts progress to the runner at most every 50 ms (and on every stage change), so a job that
// reports per step cannot flood the GUI thread's event queue.
class ThrottledSink {
public:
    ThrottledSink(QPointer<JobRunner> runner, int id, std::function<void(int, QString, qint64, qint64)> post)
        : runner_(std::move(runner)), id_(id), post_(std::move(post)) {}

    bool operator()(const std::string& stage, std::int64_t done, std::int64_t total) {
        using clock = std::chrono::steady_clock;
        const auto now = clock::now();
        const bool stageChanged = stage != lastStage_;
        if (stageChanged || done == total || now - last_ >= std::chrono::milliseconds(50)) {
            last_ = now;
            lastStage_ = stage;
            post_(id_, QString::fromStdString(stage), done, total);
        }
        return true;
    }

private:
    QPointer<JobRunner> runner_;
    int id_;
    std::function<void(int, QString, qint64, qint64)> post_;
    std::chrono::steady_clock::time_point last_{};
    std::string lastStage_ = "\x01";
};

}  // namespace

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    const ThreadSettings t = currentThreadSettings();
    const int cores = std::max(1, hardwareCores());
    const int perJob = std::max({1, t.blas, t.intraOp});
    compute_.setMaxThreadCount(std::max(1, cores / perJob));
    compute_.setObjectName(QStringLiteral("prominence-compute"));
    io_.setMaxThreadCount(2);
    io_.setObjectName(QStringLiteral("prominence-io"));
}

JobRunner::~JobRunner() {
    cancelAll();
    compute_.waitForDone();
    io_.waitForDone();
}

int JobRunner::start(JobSpec spec, std::function<void(const nlohmann::json&)> onDone,
                     std::function<void(const QString&)> onError) {
    auto record = std::make_unique<JobRecord>();
    const int id = nextId_++;
    record->id = id;
    record->spec = std::move(spec);
    std::shared_ptr<CancelFlag> cancel = record->cancel;
    std::function<nlohmann::json(Progress&)> work = record->spec.work;
    const bool io = record->spec.io;
    jobs_.push_back(std::move(record));
    callbacks_[id] = {std::move(onDone), std::move(onError)};
    Q_EMIT jobAdded(id);

    QPointer<JobRunner> self(this);
    auto post = [self](int jobId, QString stage, qint64 done, qint64 total) {
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [self, jobId, stage, done, total] {
            if (self) self->onProgress(jobId, stage, done, total);
        }, Qt::QueuedConnection);
    };
    QRunnable* runnable = QRunnable::create([self, id, cancel, work, post] {
        if (self) QMetaObject::invokeMethod(self.data(), [self, id] { if (self) self->onStarted(id); }, Qt::QueuedConnection);
        JobState state = JobState::Finished;
        QString error;
        nlohmann::json result;
        if (cancel->cancelled()) {
            state = JobState::Cancelled;
        } else {
            // Everything a job throws ends here: nothing escapes the worker thread.
            try {
                Progress progress(ThrottledSink(self, id, post), cancel.get());
                result = work(progress);
            } catch (const Cancelled&) {
                state = JobState::Cancelled;
            } catch (const std::exception& e) {
                state = JobState::Failed;
                error = QString::fromUtf8(e.what());
            } catch (...) {
                state = JobState::Failed;
                error = QStringLiteral("unknown error (not a std::exception)");
            }
        }
        if (self)
            QMetaObject::invokeMethod(self.data(), [self, id, state, error, result] {
                if (self) self->onEnded(id, state, error, result);
            }, Qt::QueuedConnection);
    });
    (io ? io_ : compute_).start(runnable);
    return id;
}

JobRecord* JobRunner::find(int id) {
    for (auto& j : jobs_)
        if (j->id == id) return j.get();
    return nullptr;
}

const JobRecord* JobRunner::job(int id) const {
    for (const auto& j : jobs_)
        if (j->id == id) return j.get();
    return nullptr;
}

int JobRunner::activeCount(bool visibleOnly) const {
    return static_cast<int>(std::count_if(jobs_.begin(), jobs_.end(), [&](const auto& j) {
        return !j->finished() && (!visibleOnly || j->spec.visible);
    }));
}

void JobRunner::cancel(int id) {
    if (JobRecord* j = find(id); j && !j->finished()) {
        j->cancel->cancel();
        j->stage = j->state == JobState::Queued ? tr("cancelling (not started)") : tr("cancelling…");
        Q_EMIT jobChanged(id);
    }
}

void JobRunner::cancelAll() {
    for (auto& j : jobs_)
        if (!j->finished()) j->cancel->cancel();
}

bool JobRunner::waitForAll(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs < 0 ? QDeadlineTimer::Forever : QDeadlineTimer(timeoutMs));
    while (activeCount(false) > 0) {
        if (deadline.hasExpired()) return false;
        compute_.waitForDone(20);
        io_.waitForDone(20);
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

void JobRunner::onStarted(int id) {
    JobRecord* j = find(id);
    if (!j || j->finished()) return;
    j->state = JobState::Running;
    j->clock.start();
    Q_EMIT jobChanged(id);
}

void JobRunner::onProgress(int id, const QString& stage, qint64 done, qint64 total) {
    JobRecord* j = find(id);
    if (!j || j->finished()) return;
    if (!j->cancel->cancelled()) j->stage = stage;
    j->done = done;
    j->total = total;
    Q_EMIT jobChanged(id);
}

void JobRunner::onEnded(int id, JobState state, const QString& error, const nlohmann::json& result) {
    JobRecord* j = find(id);
    if (!j) return;
    j->state = state;
    j->error = error;
    j->result = result;
    j->elapsedMs = j->clock.isValid() ? j->clock.elapsed() : 0;
    if (state == JobState::Cancelled) j->stage = tr("cancelled");
    const Callbacks cb = callbacks_[id];
    callbacks_.erase(id);
    Q_EMIT jobChanged(id);
    Q_EMIT jobFinished(id);
    if (state == JobState::Finished && cb.done) cb.done(result);
    if (state == JobState::Failed && cb.error) cb.error(error);
}

}  // namespace prominence::ui
