// `prominence-cli eval` keeps its contract: JSON summary on stdout, per-item JSONL, workspace run and
// selection, usage errors exit 2, bad input files exit 1 naming file and line.
#include <QFile>
#include <QProcess>
#include <QtTest>

#include "core/workspace/workspace.h"
#include "tests/common/test_support.h"

class TestCliEval : public QObject {
    Q_OBJECT

    struct Result {
        int code;
        QString out;
        QString err;
    };

    Result run(const QStringList& args) {
        const prominence::test::CliResult r = prominence::test::runCli(args, 300000);
        return {r.code, r.outText(), r.err};
    }

private slots:
    void summaryItemsAndWorkspace() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(arc, "data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl");
        const QString items = prominence::test::tempDir() + QStringLiteral("/items.jsonl");
        const QString ws = prominence::test::tempDir() + QStringLiteral("/w.prominence");
        const Result r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), arc,
                              QStringLiteral("--limit"), QStringLiteral("6"), QStringLiteral("--items"), items,
                              QStringLiteral("--workspace"), ws, QStringLiteral("--select-top-k"), QStringLiteral("2"),
                              QStringLiteral("--selection"), QStringLiteral("confident")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject s = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(s.value(QStringLiteral("n")).toInt(), 6);
        QVERIFY(s.contains(QStringLiteral("acc")) && s.contains(QStringLiteral("acc_norm")));
        QFile f(items);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 6);
        int correct = 0;
        for (const QByteArray& line : lines) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            for (const char* key : {"id", "prompt", "continuations", "scores", "probs", "pred", "gold", "correct"})
                QVERIFY2(o.contains(QString::fromLatin1(key)), key);
            QCOMPARE(o.value(QStringLiteral("continuations")).toArray().size(), 4);
            correct += o.value(QStringLiteral("correct")).toBool() ? 1 : 0;
        }
        QVERIFY(std::fabs(s.value(QStringLiteral("acc")).toDouble() - correct / 6.0) < 1e-12);

        auto w = prominence::workspace::Workspace::open(ws.toStdString());
        const auto runId = s.value(QStringLiteral("run_id")).toInteger();
        QCOMPARE(w.items(runId).size(), std::size_t(6));
        const auto sel = w.findSelection(runId, "confident");
        QVERIFY(sel.has_value());
        QVERIFY(sel->itemIndices.size() <= 2);
        QCOMPARE(static_cast<int>(sel->itemIndices.size()), std::min(2, correct));
    }

    void letterScoringRefusesMultiTokenLetters() {
        // stories260K's SentencePiece vocabulary has no single-token " A" after "Answer:" (tests/eval/test_eval.cpp
        // checks letter scoring itself with GPT-2's tokenizer); the CLI must say so and exit 1.
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(arc, "data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl");
        const Result r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), arc,
                              QStringLiteral("--limit"), QStringLiteral("3"), QStringLiteral("--scoring"),
                              QStringLiteral("letter")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("is not exactly one token after the prompt")), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void errorsAndUsage() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/stories260K-hf");
        const QString bad = prominence::test::tempDir() + QStringLiteral("/bad.jsonl");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"query\": \"Question: a?\", \"choices\": [\"x\", \"y\"], \"gold\": 0}\n{\"query\": \"Question: b?\"}\n");
        f.close();
        Result r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), bad});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("bad.jsonl:2: field 'choices' is missing")), qPrintable(r.err));
        r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), bad,
                 QStringLiteral("--skip-invalid")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains(QStringLiteral("skipped 1 invalid record")), qPrintable(r.err));
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("n")).toInt(), 1);
        r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), bad,
                 QStringLiteral("--scoring"), QStringLiteral("vibes")});
        QCOMPARE(r.code, 2);
        r = run({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), bad,
                 QStringLiteral("--select-threshold"), QStringLiteral("0.9")});
        QCOMPARE(r.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "test_cli_eval.moc"
