// The command lines core/study renders: defaults are left out, every other value is written so the
// CLI parses it back to the same parameters, numbers read back exactly, shell quoting survives any
// byte but NUL, and parameters no flag can express are refused instead of silently dropped.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/study/command_line.h"

#include <cmath>
#include <cstdlib>

#include <QProcess>
#include <QtTest>

using namespace prominence;
using namespace prominence::study;

namespace {

std::vector<std::string> argv(std::initializer_list<const char*> list) {
    return {list.begin(), list.end()};
}

}  // namespace

class TestStudyCommandLine : public QObject {
    Q_OBJECT

private slots:
    void numbersReadBackExactly() {
        QCOMPARE(QString::fromStdString(formatNumber(0.2)), QStringLiteral("0.2"));
        QCOMPARE(QString::fromStdString(formatNumber(5.0)), QStringLiteral("5"));
        QCOMPARE(QString::fromStdString(formatNumber(1e-4)), QStringLiteral("0.0001"));
        QCOMPARE(QString::fromStdString(formatNumber(-2.5e-12)), QStringLiteral("-2.5e-12"));
        for (double v : {1.0 / 3.0, 0.1 + 0.2, 2.0 / 7.0 * 1e9, 6.02214076e23, 1e-300})
            QCOMPARE(std::strtod(formatNumber(v).c_str(), nullptr), v);
    }

    void shellQuotingRoundTrips() {
        QCOMPARE(QString::fromStdString(
                     shellQuote(argv({"prominence-cli", "eval", "--limit", "5", "a/b_c.jsonl"}))),
                 QStringLiteral("prominence-cli eval --limit 5 a/b_c.jsonl"));
        QCOMPARE(QString::fromStdString(shellQuote(argv({"it's", "", "a b"}))),
                 QStringLiteral("'it'\\''s' '' 'a b'"));
        // What sh makes of the quoted line is the argument list itself.
        const std::vector<std::string> tricky = {
            "printf", "%s\\n",     "a b",       "it's", "$HOME",       "`x`", "\"q\"",
            "*",      "tab\there", "new\nline", "",     "back\\slash", "é"};
        QProcess sh;
        sh.start(QStringLiteral("sh"),
                 {QStringLiteral("-c"), QString::fromStdString(shellQuote(tricky))});
        QVERIFY(sh.waitForFinished(10000));
        QCOMPARE(sh.exitCode(), 0);
        std::string expected;
        for (std::size_t i = 2; i < tricky.size(); ++i) expected += tricky[i] + "\n";
        QCOMPARE(sh.readAllStandardOutput().toStdString(), expected);
    }

    void defaultsAreLeftOut() {
        EvalParams e;
        e.modelDir = "m";
        e.benchmarkPath = "b.jsonl";
        QCOMPARE(commandLine(e),
                 argv({"prominence-cli", "eval", "--model", "m", "--benchmark", "b.jsonl"}));
        AttributeParams a;
        a.workspacePath = "w.prominence";
        a.selectionId = 3;
        QCOMPARE(commandLine(a), argv({"prominence-cli", "attribute", "--workspace", "w.prominence",
                                       "--selection", "3"}));
        SelectParams s;
        s.workspacePath = "w";
        s.runId = 2;
        s.name = "top";
        s.criteria.topK = 4;
        QCOMPARE(commandLine(s), argv({"prominence-cli", "select", "--workspace", "w", "--run", "2",
                                       "--name", "top", "--top-k", "4"}));
    }

    void everyNonDefaultValueIsWritten() {
        EvalParams e;
        e.modelDir = "m";
        e.benchmarkPath = "g.jsonl";
        e.load.format = data::Format::Generic;
        e.load.fields.question = "q";
        e.load.fields.choices = "opts";
        e.load.fields.answer = "ans";
        e.load.fields.encoding = data::AnswerEncoding::Letter;
        e.load.skipInvalid = true;
        e.options.scoring = eval::Scoring::Letter;
        e.options.shots = 2;
        e.options.seed = 9;
        e.options.reuseContext = false;
        e.options.maxBatchRows = 4;
        e.limit = 10;
        e.workspacePath = "w";
        e.select = eval::SelectionCriteria{0.75, std::nullopt};
        e.selectionName = "sure";
        e.dtype = "bfloat16";
        QCOMPARE(commandLine(e), argv({"prominence-cli",
                                       "eval",
                                       "--model",
                                       "m",
                                       "--benchmark",
                                       "g.jsonl",
                                       "--format",
                                       "generic",
                                       "--scoring",
                                       "letter",
                                       "--shots",
                                       "2",
                                       "--limit",
                                       "10",
                                       "--workspace",
                                       "w",
                                       "--field",
                                       "question=q",
                                       "--field",
                                       "choices=opts",
                                       "--field",
                                       "answer=ans",
                                       "--answer-encoding",
                                       "letter",
                                       "--skip-invalid",
                                       "--seed",
                                       "9",
                                       "--no-context-reuse",
                                       "--batch-size",
                                       "4",
                                       "--dtype",
                                       "bfloat16",
                                       "--select-threshold",
                                       "0.75",
                                       "--selection",
                                       "sure"}));

        AttributeParams a;
        a.workspacePath = "w";
        a.selectionId = 1;
        a.attribution.layers = {0, 2};
        a.attribution.ig.steps = 8;
        a.attribution.objective = attribution::Objective::Margin;
        a.attribution.baseline = attribution::BaselineKind::Mean;
        a.referenceSelections = {2, 3};
        a.contrast.topPercentIn = a.contrast.topPercentRef = 2.5;
        a.contrast.excludeLayers = {0};
        a.storeVectors = false;
        QCOMPARE(commandLine(a), argv({"prominence-cli",
                                       "attribute",
                                       "--workspace",
                                       "w",
                                       "--selection",
                                       "1",
                                       "--layer",
                                       "0,2",
                                       "--steps",
                                       "8",
                                       "--objective",
                                       "margin",
                                       "--baseline",
                                       "mean",
                                       "--reference-selection",
                                       "2,3",
                                       "--top-percent",
                                       "2.5",
                                       "--exclude-layers",
                                       "0",
                                       "--no-vectors"}));

        // A resumed run keeps its own attribution parameters: none are written.
        a.selectionId = 0;
        a.resumeRunId = 7;
        const auto resumed = commandLine(a);
        QVERIFY(std::find(resumed.begin(), resumed.end(), "--steps") == resumed.end());
        QVERIFY(std::find(resumed.begin(), resumed.end(), "--resume") != resumed.end());
    }

    void inexpressibleParametersAreRefused() {
        AttributeParams a;
        a.workspacePath = "w";
        a.selectionId = 1;
        a.contrast.ratioSmoothing = 0.5;
        QVERIFY_THROWS_EXCEPTION(ParamsError, commandLine(a));
        a.contrast = {};
        a.contrast.topPercentRef = 1.0;
        QVERIFY_THROWS_EXCEPTION(ParamsError, commandLine(a));

        FinetuneParams f;
        f.modelDir = "m";
        f.benchmarkPath = "b";
        f.outputDir = "o";
        f.train.adamw.lr = 3e-4;
        f.train.seed = 5;
        const auto line = commandLine(f);
        QVERIFY(std::find(line.begin(), line.end(), "0.0003") != line.end());
        QVERIFY(std::find(line.begin(), line.end(), "--seed") != line.end());
        f.train.adamw.beta2 = 0.95;  // only --train-config sets it
        QVERIFY_THROWS_EXCEPTION(ParamsError, commandLine(f));
    }
};

QTEST_GUILESS_MAIN(TestStudyCommandLine)
#include "test_study_command_line.moc"
