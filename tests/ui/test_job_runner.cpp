// The GUI's job runner: jobs run off the GUI thread, report progress, can be cancelled, and every
// exception becomes the job's error instead of escaping the worker.
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <stdexcept>

#include "core/common/error.h"
#include "tests/common/test_support.h"
#include "ui/jobs/job_runner.h"
#include "ui/jobs/jobs_dock.h"

using namespace prominence;
using namespace prominence::ui;

class TestJobRunner : public QObject {
    Q_OBJECT
private slots:
    void runsOffTheGuiThreadWithProgressAndResult() {
        JobRunner runner;
        QThread* gui = QThread::currentThread();
        std::atomic<bool> offThread{false};
        JobSpec spec;
        spec.title = QStringLiteral("count");
        spec.work = [&](Progress& p) {
            offThread = QThread::currentThread() != gui;
            p.setStage("counting");
            for (int i = 1; i <= 5; ++i) p.report(i, 5);
            return nlohmann::json{{"sum", 15}};
        };
        nlohmann::json got;
        QSignalSpy finished(&runner, &JobRunner::jobFinished);
        const int id = runner.start(std::move(spec), [&](const nlohmann::json& r) { got = r; });
        QVERIFY(finished.wait(10000));
        QVERIFY(offThread.load());
        const JobRecord* j = runner.job(id);
        QVERIFY(j);
        QCOMPARE(j->state, JobState::Finished);
        QCOMPARE(j->done, qint64(5));
        QCOMPARE(j->total, qint64(5));
        QCOMPARE(j->stage, QStringLiteral("counting"));
        QCOMPARE(got.at("sum").get<int>(), 15);
        QCOMPARE(runner.activeCount(), 0);
    }

    void cancelStopsAtTheNextReport() {
        JobRunner runner;
        std::atomic<int> reached{0};
        JobSpec spec;
        spec.title = QStringLiteral("long");
        spec.work = [&](Progress& p) {
            for (int i = 0; i < 100000; ++i) {
                reached = i;
                p.report(i, 100000);
                QThread::msleep(1);
            }
            return nlohmann::json::object();
        };
        QSignalSpy finished(&runner, &JobRunner::jobFinished);
        const int id = runner.start(std::move(spec));
        QTRY_VERIFY_WITH_TIMEOUT(reached.load() > 3, 10000);
        runner.cancel(id);
        QVERIFY(finished.wait(10000));
        QCOMPARE(runner.job(id)->state, JobState::Cancelled);
        QVERIFY(reached.load() < 100000 - 1);
    }

    void exceptionsBecomeTheJobsError() {
        JobRunner runner;
        QString error;
        JobSpec bad;
        bad.title = QStringLiteral("bad");
        bad.work = [](Progress&) -> nlohmann::json { throw LoadError("model.safetensors: tensor 'x' missing"); };
        QSignalSpy finished(&runner, &JobRunner::jobFinished);
        const int id = runner.start(std::move(bad), {}, [&](const QString& e) { error = e; });
        QVERIFY(finished.wait(10000));
        QCOMPARE(runner.job(id)->state, JobState::Failed);
        QCOMPARE(error, QStringLiteral("model.safetensors: tensor 'x' missing"));
        QCOMPARE(runner.job(id)->error, error);

        JobSpec weird;
        weird.title = QStringLiteral("weird");
        weird.work = [](Progress&) -> nlohmann::json { throw 42; };
        const int id2 = runner.start(std::move(weird));
        QVERIFY(finished.wait(10000));
        QCOMPARE(runner.job(id2)->state, JobState::Failed);
        QVERIFY(!runner.job(id2)->error.isEmpty());
    }

    void queuedJobsWaitForTheComputePoolAndCancelBeforeStarting() {
        JobRunner runner;
        QVERIFY(runner.computeThreads() >= 1);
        std::atomic<bool> release{false};
        std::vector<int> ids;
        for (int k = 0; k < runner.computeThreads(); ++k) {
            JobSpec busy;
            busy.title = QStringLiteral("busy");
            busy.work = [&](Progress& p) {
                while (!release.load()) {
                    p.check();
                    QThread::msleep(2);
                }
                return nlohmann::json::object();
            };
            ids.push_back(runner.start(std::move(busy)));
        }
        std::atomic<bool> ran{false};
        JobSpec queued;
        queued.title = QStringLiteral("queued");
        queued.work = [&](Progress&) {
            ran = true;
            return nlohmann::json::object();
        };
        const int q = runner.start(std::move(queued));
        QTest::qWait(100);
        QCOMPARE(runner.job(q)->state, JobState::Queued);
        runner.cancel(q);
        release = true;
        QVERIFY(runner.waitForAll(10000));
        QCOMPARE(runner.job(q)->state, JobState::Cancelled);
        QVERIFY(!ran.load());
        for (int id : ids) QCOMPARE(runner.job(id)->state, JobState::Finished);
    }

    void ioJobsDoNotQueueBehindComputeJobs() {
        JobRunner runner;
        std::atomic<bool> release{false};
        for (int k = 0; k < runner.computeThreads(); ++k) {
            JobSpec busy;
            busy.work = [&](Progress&) {
                while (!release.load()) QThread::msleep(2);
                return nlohmann::json::object();
            };
            runner.start(std::move(busy));
        }
        JobSpec read;
        read.io = true;
        read.visible = false;
        read.work = [](Progress&) { return nlohmann::json{{"ok", true}}; };
        bool done = false;
        runner.start(std::move(read), [&](const nlohmann::json&) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
        release = true;
        QVERIFY(runner.waitForAll(10000));
    }

    void jobsModelListsVisibleJobsOnly() {
        JobRunner runner;
        JobsModel model(&runner);
        JobSpec shown;
        shown.title = QStringLiteral("shown");
        shown.work = [](Progress&) { return nlohmann::json::object(); };
        JobSpec hidden;
        hidden.visible = false;
        hidden.work = [](Progress&) { return nlohmann::json::object(); };
        runner.start(std::move(shown));
        runner.start(std::move(hidden));
        QVERIFY(runner.waitForAll(10000));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0, JobsModel::TitleColumn), Qt::DisplayRole).toString(), QStringLiteral("shown"));
        QCOMPARE(model.data(model.index(0, JobsModel::StateColumn), Qt::DisplayRole).toString(), QStringLiteral("finished"));
        model.clearFinished();
        QCOMPARE(model.rowCount(), 0);
    }

    void formatsDurations() {
        QCOMPARE(formatDuration(1500), QStringLiteral("1.5 s"));
        QCOMPARE(formatDuration(125000), QStringLiteral("2:05"));
        QCOMPARE(formatDuration(3725000), QStringLiteral("1:02:05"));
        QCOMPARE(formatDuration(-1), QStringLiteral("—"));
    }
};

QTEST_MAIN(TestJobRunner)
#include "test_job_runner.moc"
