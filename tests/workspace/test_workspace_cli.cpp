// `prominence-cli workspace` end to end: a workspace written through the API, printed as JSON.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include "core/workspace/schema.h"
#include "core/workspace/workspace.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::workspace;

class TestWorkspaceCli : public QObject {
    Q_OBJECT

    struct Result {
        int code;
        QByteArray out;
        QString err;
    };

    static Result run(const QStringList& args) {
        const prominence::test::CliResult r = prominence::test::runCli(args, 120000);
        return {r.code, r.out, r.err};
    }

    static QJsonObject parse(const QByteArray& out) {
        QJsonParseError err{};
        const QJsonDocument doc = QJsonDocument::fromJson(out, &err);
        if (err.error != QJsonParseError::NoError) qFatal("stdout is not JSON: %s", out.constData());
        return doc.object();
    }

private slots:
    void printsWorkspaceAsJson() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        const QString path = test::tempDir() + QStringLiteral("/cli.prominence");
        Id eval = 0;
        {
            Workspace ws = Workspace::create(path.toStdString());
            const Id model = ws.addModel({0, "/models/gpt2", "gpt2", "gpt2", "c1", "w1", Json::object(), ""});
            RunStart start;
            start.kind = "eval";
            start.modelId = model;
            start.params = {{"scoring", "letter"}};
            eval = ws.beginRun(start);
            ItemResult it;
            it.index = 0;
            it.itemId = "q0";
            it.prompt = "Q?\nA:";
            it.continuations = {"A", "B"};
            it.scores = {-0.25, -1.5};
            it.probs = {0.75, 0.25};
            it.pred = 0;
            it.gold = 0;
            it.correct = true;
            it.pCorrect = 0.75;
            it.margin = 0.5;
            ws.addItems(eval, {it});
            ws.finishRun(eval, {{"n", 1}, {"acc", 1.0}});
            ws.saveSelection({0, eval, "confident", {{"threshold", 0.7}}, {0}, ""});
            RunStart other;
            other.kind = "attribution";
            ws.cancelRun(ws.beginRun(other));
        }

        const Result overview = run({QStringLiteral("workspace"), QStringLiteral("--workspace"), path});
        QCOMPARE(overview.code, 0);
        const QJsonObject o = parse(overview.out);
        QCOMPARE(o.value(QStringLiteral("schema_version")).toInt(), workspace::kSchemaVersion);
        QCOMPARE(o.value(QStringLiteral("models")).toArray().size(), 1);
        QCOMPARE(o.value(QStringLiteral("models")).toArray()[0].toObject().value(QStringLiteral("path")).toString(),
                 QStringLiteral("/models/gpt2"));
        const QJsonArray runs = o.value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[0].toObject().value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        QCOMPARE(runs[1].toObject().value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
        QCOMPARE(o.value(QStringLiteral("selections")).toArray()[0].toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("confident"));

        const Result list = run({QStringLiteral("workspace"), QStringLiteral("--workspace"), path, QStringLiteral("--runs")});
        QCOMPARE(list.code, 0);
        QCOMPARE(parse(list.out).value(QStringLiteral("runs")).toArray().size(), 2);

        const Result one = run({QStringLiteral("workspace"), QStringLiteral("--workspace"), path, QStringLiteral("--run"),
                                QString::number(eval)});
        QCOMPARE(one.code, 0);
        const QJsonObject r = parse(one.out);
        QCOMPARE(r.value(QStringLiteral("run")).toObject().value(QStringLiteral("params")).toObject()
                     .value(QStringLiteral("scoring")).toString(), QStringLiteral("letter"));
        const QJsonArray items = r.value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(QStringLiteral("p_correct")).toDouble(), 0.75);
        QCOMPARE(items[0].toObject().value(QStringLiteral("prompt")).toString(), QStringLiteral("Q?\nA:"));

        const Result missingRun = run({QStringLiteral("workspace"), QStringLiteral("--workspace"), path,
                                       QStringLiteral("--run"), QStringLiteral("77")});
        QCOMPARE(missingRun.code, 1);
        QVERIFY2(missingRun.err.contains(QStringLiteral("run 77 does not exist")), qPrintable(missingRun.err));
    }

    void badInputsFailClearly() {
        const QString notes = test::tempDir() + QStringLiteral("/notes.txt");
        QFile f(notes);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("plain text, not a workspace\n").repeated(50));
        f.close();
        const Result bad = run({QStringLiteral("workspace"), QStringLiteral("--workspace"), notes});
        QCOMPARE(bad.code, 1);
        QVERIFY(bad.out.isEmpty());
        QVERIFY2(bad.err.contains(QStringLiteral("not an SQLite database")), qPrintable(bad.err));

        const Result missing = run({QStringLiteral("workspace")});
        QCOMPARE(missing.code, 2);
        QVERIFY2(missing.err.contains(QStringLiteral("--workspace")), qPrintable(missing.err));
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceCli)
#include "test_workspace_cli.moc"
