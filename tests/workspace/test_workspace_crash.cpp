// A process killed in the middle of a run leaves a workspace that opens, with the run marked
// 'incomplete', its committed items kept and its uncommitted ones gone.
#include <QFile>
#include <QProcess>
#include <QtTest>

#include <signal.h>

#include "core/workspace/workspace.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::workspace;

class TestWorkspaceCrash : public QObject {
    Q_OBJECT

private slots:
    void killedRunIsMarkedIncomplete() {
        const QString path = test::tempDir() + QStringLiteral("/crash.prominence");
        QProcess writer;
        writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        writer.start(QStringLiteral(PROMINENCE_CRASH_WRITER), {path});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
        QByteArray line;
        while (!line.contains('\n')) {
            QVERIFY2(writer.waitForReadyRead(60000), "the writer never said it was ready");
            line += writer.readAllStandardOutput();
        }
        QVERIFY2(line.startsWith("ready "), line.constData());
        const Id run = line.mid(6).trimmed().toLongLong();
        QVERIFY(run > 0);

        // While the writer lives its run is left alone, and readers see none of its results.
        {
            Workspace reader = Workspace::open(path.toStdString());
            QVERIFY(reader.recoveredRuns().empty());
            QCOMPARE(reader.run(run).status, RunStatus::Running);
            QCOMPARE(reader.itemIndices(run, ReadScope::Any), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
            QVERIFY_THROWS_EXCEPTION(InvalidArgument, reader.items(run));
        }

        QCOMPARE(::kill(static_cast<pid_t>(writer.processId()), SIGKILL), 0);
        QVERIFY(writer.waitForFinished(60000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        QVERIFY(QFile::exists(path + QStringLiteral("-wal")));

        Workspace ws = Workspace::open(path.toStdString());
        QCOMPARE(ws.recoveredRuns(), std::vector<Id>{run});
        const RunRecord r = ws.run(run);
        QCOMPARE(r.status, RunStatus::Incomplete);
        QVERIFY(r.endedAt.has_value());
        QVERIFY(!r.error.empty());
        QCOMPARE(ws.integrityCheck(), std::string("ok"));
        QCOMPARE(ws.database().queryInt("SELECT count(*) FROM pragma_foreign_key_check", "fk check"), std::int64_t{0});
        // Items 0-4 were committed; 5-9 were in the transaction the kill cut off.
        const std::vector<ItemResult> kept = ws.items(run, ReadScope::Any);
        QCOMPARE(kept.size(), std::size_t{5});
        QCOMPARE(kept.back().index, std::int64_t{4});
        QCOMPARE(kept.back().itemId, std::string("q4"));
        QCOMPARE(ws.database().queryInt("SELECT count(*) FROM run_items WHERE item_index >= 5", "uncommitted"),
                 std::int64_t{0});
        QVERIFY(ws.runs().empty());
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.items(run));

        // The run resumes where it stopped.
        QCOMPARE(ws.resumeRun(run), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QCOMPARE(ws.run(run).status, RunStatus::Running);
        ws.finishRun(run);
        QCOMPARE(ws.items(run).size(), std::size_t{5});
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceCrash)
#include "test_workspace_crash.moc"
