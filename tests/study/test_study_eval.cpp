// study::runEval and runSelect store exactly what `prominence-cli eval` / `select` store for the
// same inputs; the command line runEval's parameters render reproduces the stored run; `select` and
// `workspace --add-model / --add-benchmark` keep the CLI's contract (JSON on stdout, usage errors
// exit 2, bad input exits 1). Runs on the Shortcut Lab's miniature, built here in seconds.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/eval/selection.h"
#include "core/study/command_line.h"
#include "core/study/eval_step.h"
#include "core/study/register.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

json parseOut(const test::CliResult& r) {
    return json::parse(r.out.toStdString());
}

// The CLI with the thread counts of this process, so both compute bit for bit the same.
test::CliResult cli(std::vector<std::string> argv) {
    QStringList args;
    for (std::size_t i = argv.front() == "prominence-cli" ? 1 : 0; i < argv.size(); ++i)
        args << q(argv[i]);
    args << QStringLiteral("--threads") << QStringLiteral("1") << QStringLiteral("--blas-threads")
         << QStringLiteral("1");
    return test::runCli(args);
}

// Everything a workspace holds about one eval run, without its id, times and process.
json storedRun(const std::string& path, workspace::Id runId) {
    auto ws = workspace::Workspace::open(path);
    const workspace::RunRecord r = ws.run(runId);
    json items = json::array();
    for (const auto& it : ws.items(runId))
        items.push_back({{"index", it.index},
                         {"id", it.itemId},
                         {"prompt", it.prompt},
                         {"continuations", it.continuations},
                         {"scores", it.scores},
                         {"probs", it.probs},
                         {"pred", it.pred},
                         {"gold", it.gold},
                         {"correct", it.correct},
                         {"p_correct", it.pCorrect},
                         {"margin", it.margin},
                         {"extra", it.extra}});
    const workspace::ModelRecord m = ws.model(*r.modelId);
    const workspace::BenchmarkRecord b = ws.benchmark(*r.benchmarkId);
    json selections = json::array();
    for (const auto& s : ws.selections(runId))
        selections.push_back(
            {{"name", s.name}, {"criteria", s.criteria}, {"items", s.itemIndices}});
    return {{"kind", r.kind},
            {"name", r.name},
            {"status", workspace::runStatusName(r.status)},
            {"params", r.params},
            {"summary", r.summary},
            {"model",
             {{"path", m.path},
              {"name", m.name},
              {"architecture", m.architecture},
              {"config_hash", m.configHash},
              {"info", m.info}}},
            {"benchmark",
             {{"path", b.path},
              {"name", b.name},
              {"hash", b.hash},
              {"format", b.format},
              {"field_mapping", b.fieldMapping},
              {"count", b.itemCount}}},
            {"items", items},
            {"selections", selections}};
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

class TestStudyEval : public QObject {
    Q_OBJECT

    std::string dir_, modelDir_, source_, member_;

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    study::EvalParams letterParams(const std::string& workspace) const {
        study::EvalParams p;
        p.modelDir = modelDir_;
        p.benchmarkPath = source_;
        p.options.scoring = eval::Scoring::Letter;
        p.options.shots = 1;
        p.options.seed = 7;
        p.options.maxBatchRows = 3;
        p.limit = 12;
        p.workspacePath = workspace;
        p.select = eval::SelectionCriteria{0.0, std::nullopt};
        p.selectionName = "correct";
        return p;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir().toStdString();
        const test::CliResult b = cli({"demo", "--tiny", "--build-only", "--cache", path("lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const std::string lab = parseOut(b).at("lab_dir").get<std::string>();
        modelDir_ = lab + "/model";
        source_ = lab + "/benchmarks/source.jsonl";
        member_ = lab + "/benchmarks/member.jsonl";
    }

    // The study's stored run equals the CLI's for the same flags, and so does the printed summary.
    void studyStoresWhatTheCliStores() {
        // A directory name that needs quoting, for the items file of the command line below.
        const std::string quoted = path("it's here");
        QVERIFY(QDir().mkpath(q(quoted)));
        study::EvalParams p = letterParams(path("study.prominence"));
        p.itemsPath = quoted + "/study-items.jsonl";
        const study::EvalResult r = study::runEval(p);
        QVERIFY(r.runId && r.selectionId);
        QCOMPARE(r.summary.at("n").get<int>(), 12);
        QCOMPARE(static_cast<std::size_t>(r.summary.at("selection").at("items").get<int>()),
                 r.selectedItems.size());
        QCOMPARE(r.selectedItems, eval::selectHighConfidence(r.scores.items, *p.select));

        // The same step as a command line, into a second workspace.
        study::EvalParams again = p;
        again.workspacePath = path("cli.prominence");
        again.itemsPath = quoted + "/cli-items.jsonl";
        const std::vector<std::string> line = study::commandLine(again);
        QCOMPARE(line.front(), std::string("prominence-cli"));
        QCOMPARE(line.at(1), std::string("eval"));
        const test::CliResult c = cli(line);
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(parseOut(c).dump()), q(r.summary.dump()));
        QCOMPARE(q(storedRun(again.workspacePath, *r.runId).dump()),
                 q(storedRun(p.workspacePath, *r.runId).dump()));
        QCOMPARE(q(readFile(again.itemsPath)), q(readFile(p.itemsPath)));
        QVERIFY(!readFile(p.itemsPath).empty());

        // And through a shell, as "Copy as command" hands it over.
        std::vector<std::string> shellLine = line;
        shellLine.front() = test::cliPath().toStdString();
        shellLine[std::find(shellLine.begin(), shellLine.end(), "--workspace") - shellLine.begin() +
                  1] = path("shell.prominence");
        shellLine.insert(shellLine.end(), {"--threads", "1", "--blas-threads", "1"});
        QProcess sh;
        sh.start(QStringLiteral("sh"), {QStringLiteral("-c"), q(study::shellQuote(shellLine))});
        QVERIFY(sh.waitForFinished(300000));
        QVERIFY2(sh.exitCode() == 0, sh.readAllStandardError().constData());
        QCOMPARE(q(json::parse(sh.readAllStandardOutput().toStdString()).dump()),
                 q(r.summary.dump()));
        QCOMPARE(q(storedRun(path("shell.prominence"), *r.runId).dump()),
                 q(storedRun(p.workspacePath, *r.runId).dump()));
    }

    // Without a workspace nothing is stored and the summary has no run.
    void withoutWorkspaceNothingIsStored() {
        study::EvalParams p = letterParams("");
        p.select.reset();
        p.selectionName.clear();
        p.limit = 4;
        const study::EvalResult r = study::runEval(p);
        QVERIFY(!r.runId);
        QVERIFY(!r.summary.contains("run_id"));
        QCOMPARE(r.scores.items.size(), std::size_t(4));
        const test::CliResult c = cli(study::commandLine(p));
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(parseOut(c).dump()), q(r.summary.dump()));
    }

    void badParamsAreParamsErrors() {
        study::EvalParams p = letterParams(path("never.prominence"));
        p.limit = 0;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runEval(p));
        p = letterParams("");
        QVERIFY_THROWS_EXCEPTION(study::ParamsError,
                                 study::runEval(p));  // a selection needs a workspace
        p = letterParams(path("never.prominence"));
        p.dtype = "float8";
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runEval(p));
        p = letterParams(path("never.prominence"));
        p.load.fields.question = "q";
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runEval(p));
        QVERIFY(!QFileInfo::exists(q(path("never.prominence"))));
        // Data errors stay what they are: a missing benchmark is a LoadError.
        p = letterParams(path("never.prominence"));
        p.benchmarkPath = path("missing.jsonl");
        QVERIFY_THROWS_EXCEPTION(LoadError, study::runEval(p));
    }

    // select on a stored run = the selection eval makes while evaluating; study = CLI.
    void selectEqualsEvalsSelection() {
        const std::string ws = path("select.prominence");
        study::EvalParams p = letterParams(ws);
        const study::EvalResult e = study::runEval(p);

        study::SelectParams s;
        s.workspacePath = ws;
        s.runId = *e.runId;
        s.name = "again";
        s.criteria.threshold = 0.0;
        const study::SelectResult r = study::runSelect(s);
        QCOMPARE(r.itemIndices, e.selectedItems);
        QCOMPARE(q(r.summary.dump()), q(nlohmann::ordered_json{{"id", r.selectionId},
                                                               {"name", "again"},
                                                               {"run_id", *e.runId},
                                                               {"items", e.selectedItems.size()}}
                                            .dump()));

        s.name = "top2";
        s.criteria = eval::SelectionCriteria{std::nullopt, 2};
        const test::CliResult c = cli(study::commandLine(s));
        QVERIFY2(c.code == 0, qPrintable(c.err));
        // Printed in this key order, on one line.
        QCOMPARE(
            QString::fromUtf8(c.out),
            q(nlohmann::ordered_json{{"id", r.selectionId + 1},
                                     {"name", "top2"},
                                     {"run_id", *e.runId},
                                     {"items", std::min<std::size_t>(2, e.selectedItems.size())}}
                  .dump() +
              "\n"));
        auto w = workspace::Workspace::open(ws);
        const auto top2 = w.findSelection(*e.runId, "top2");
        QVERIFY(top2.has_value());
        QCOMPARE(top2->itemIndices, eval::selectHighConfidence(e.scores.items, s.criteria));
        QCOMPARE(q(top2->criteria.dump()), q(s.criteria.toJson().dump()));
    }

    void selectErrors() {
        const std::string ws = path("select-errors.prominence");
        study::EvalParams p = letterParams(ws);
        p.select.reset();
        p.selectionName.clear();
        p.limit = 4;
        const workspace::Id run = *study::runEval(p).runId;
        const std::string runText = std::to_string(run);
        struct Case {
            std::vector<std::string> args;
            int code;
            const char* message;
        };
        const std::vector<Case> cases = {
            {{"select", "--workspace", ws, "--run", runText, "--name", "x"},
             2,
             "exactly one of --threshold"},
            {{"select", "--workspace", ws, "--run", runText, "--name", "x", "--threshold", "0.5",
              "--top-k", "2"},
             2,
             "exactly one of --threshold"},
            {{"select", "--workspace", ws, "--run", runText, "--name", "x", "--threshold", "1.5"},
             2,
             "1.5"},
            {{"select", "--workspace", ws, "--run", runText, "--name", "x", "--top-k", "0"},
             2,
             "top-k 0"},
            {{"select", "--workspace", ws, "--run", "0", "--name", "x", "--top-k", "1"},
             2,
             "positive run id"},
            {{"select", "--workspace", ws, "--run", "999", "--name", "x", "--top-k", "1"},
             1,
             "999"},
            {{"select", "--workspace", ws, "--name", "x", "--top-k", "1"}, 2, "--run"},
            {{"select", "--workspace", path("no-such.prominence"), "--run", "1", "--name", "x",
              "--top-k", "1"},
             1,
             "no-such.prominence"},
        };
        for (const Case& c : cases) {
            const test::CliResult r = cli(c.args);
            QVERIFY2(r.code == c.code, qPrintable(q(c.args[1] + " ... ") + QString::number(r.code) +
                                                  QStringLiteral(": ") + r.err));
            QVERIFY2(r.err.contains(QLatin1String(c.message)), qPrintable(r.err));
            QVERIFY(r.out.isEmpty());
        }
        // A taken name is refused with the run named, and the first selection is kept.
        QCOMPARE(
            cli({"select", "--workspace", ws, "--run", runText, "--name", "dup", "--top-k", "1"})
                .code,
            0);
        const test::CliResult dup =
            cli({"select", "--workspace", ws, "--run", runText, "--name", "dup", "--top-k", "3"});
        QCOMPARE(dup.code, 2);
        QVERIFY2(dup.err.contains(QStringLiteral("already has a selection named 'dup'")),
                 qPrintable(dup.err));
        auto w = workspace::Workspace::open(ws);
        QVERIFY(w.findSelection(run, "dup")->itemIndices.size() <= 1);
        // Only eval runs have items to select from.
        workspace::RunStart start;
        start.kind = "prune";
        start.name = "not an eval";
        const workspace::Id other = w.beginRun(start);
        w.finishRun(other);
        const test::CliResult wrong = cli({"select", "--workspace", ws, "--run",
                                           std::to_string(other), "--name", "x", "--top-k", "1"});
        QCOMPARE(wrong.code, 2);
        QVERIFY2(wrong.err.contains(QStringLiteral("not an eval run")), qPrintable(wrong.err));
    }

    // --add-model / --add-benchmark store the records eval stores (a later eval finds them).
    void workspaceAddsWhatEvalStores() {
        const std::string ws = path("added.prominence");
        const test::CliResult m = cli({"workspace", "--workspace", ws, "--add-model", modelDir_});
        QVERIFY2(m.code == 0, qPrintable(m.err));
        const json model = parseOut(m);
        QCOMPARE(model.at("id").get<int>(), 1);
        QCOMPARE(q(model.at("path").get<std::string>()), QDir(q(modelDir_)).absolutePath());
        QVERIFY(model.at("config_hash").get<std::string>().rfind("fnv1a64:", 0) == 0);
        QVERIFY(model.at("info").at("layers").get<int>() >= 1);
        const workspace::ModelRecord again = study::addModel(ws, modelDir_);
        QCOMPARE(again.id, workspace::Id(1));

        const test::CliResult b = cli({"workspace", "--workspace", ws, "--add-benchmark", source_});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const json bench = parseOut(b);
        QCOMPARE(bench.at("id").get<int>(), 1);
        QCOMPARE(q(bench.at("name").get<std::string>()), QStringLiteral("source.jsonl"));
        QVERIFY(bench.at("count").get<int>() >= 12);

        // An eval of the same files adds neither a model nor a benchmark.
        const study::EvalResult e = study::runEval(letterParams(ws));
        auto w = workspace::Workspace::open(ws);
        QCOMPARE(w.models().size(), std::size_t(1));
        QCOMPARE(w.benchmarks().size(), std::size_t(1));
        QCOMPARE(*w.run(*e.runId).modelId, workspace::Id(1));
        QCOMPARE(*w.run(*e.runId).benchmarkId, workspace::Id(1));
        QCOMPARE(w.benchmarks()[0].itemCount, bench.at("count").get<std::int64_t>());

        // The overview is unchanged by the new flags and lists what was added.
        const test::CliResult o = cli({"workspace", "--workspace", ws});
        QVERIFY2(o.code == 0, qPrintable(o.err));
        QCOMPARE(q(parseOut(o).at("models").at(0).dump()), q(model.dump()));
    }

    void addGenericBenchmark() {
        const std::string file = path("generic.jsonl");
        std::ofstream(file) << R"({"q": "Which is red?", "opts": ["sky", "blood"], "ans": 1})"
                            << "\n"
                            << R"({"q": "Which is wet?", "opts": ["water", "sand"], "ans": 0})"
                            << "\n"
                            << R"({"q": "Broken", "opts": "not a list", "ans": 0})"
                            << "\n";
        const std::string ws = path("generic.prominence");
        const test::CliResult r = cli({"workspace", "--workspace", ws, "--add-benchmark", file,
                                       "--field", "question=q", "--field", "choices=opts",
                                       "--field", "answer=ans", "--answer-encoding", "index0"});
        // The broken record fails the load without --skip-invalid (as eval), naming the line.
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("generic.jsonl:3")), qPrintable(r.err));
        data::LoadOptions load;
        load.fields.question = "q";
        load.fields.choices = "opts";
        load.fields.answer = "ans";
        load.skipInvalid = true;
        std::vector<std::string> notes;
        const workspace::BenchmarkRecord rec =
            study::addBenchmark(ws, file, load, [&](const std::string& n) { notes.push_back(n); });
        QCOMPARE(rec.itemCount, std::int64_t(2));
        QCOMPARE(q(rec.format), QStringLiteral("generic"));
        QCOMPARE(q(rec.fieldMapping.dump()), q(json{{"question", "q"},
                                                    {"choices", "opts"},
                                                    {"answer", "ans"},
                                                    {"context", ""},
                                                    {"id", ""},
                                                    {"answer_encoding", "index0"},
                                                    {"choice_text_key", "text"}}
                                                   .dump()));
        QCOMPARE(notes.size(), std::size_t(1));
        QVERIFY(notes[0].find("skipped 1 invalid record(s)") != std::string::npos);
    }

    void workspaceAddErrors() {
        const std::string ws = path("add-errors.prominence");
        struct Case {
            std::vector<std::string> args;
            int code;
            const char* message;
        };
        const std::vector<Case> cases = {
            {{"workspace", "--workspace", ws, "--add-model", modelDir_, "--runs"},
             2,
             "do not combine"},
            {{"workspace", "--workspace", ws, "--add-model", modelDir_, "--add-benchmark", source_},
             2,
             "not both"},
            {{"workspace", "--workspace", ws, "--add-model", modelDir_, "--format", "icl"},
             2,
             "--format belongs to --add-benchmark"},
            {{"workspace", "--workspace", ws, "--field", "question=q"},
             2,
             "--field belongs to --add-benchmark"},
            {{"workspace", "--workspace", ws, "--add-benchmark", source_, "--field", "question=q"},
             2,
             "generic files need"},
            {{"workspace", "--workspace", ws, "--add-benchmark", source_, "--format", "bogus"},
             2,
             "bogus"},
            {{"workspace", "--workspace", ws, "--add-benchmark", source_, "--answer-encoding",
              "roman"},
             2,
             "roman"},
            {{"workspace", "--workspace", ws, "--add-model", path("no-model")}, 1, "no-model"},
            {{"workspace", "--workspace", ws, "--add-benchmark", path("none.jsonl")},
             1,
             "none.jsonl"},
        };
        for (const Case& c : cases) {
            const test::CliResult r = cli(c.args);
            QVERIFY2(r.code == c.code,
                     qPrintable(QString::number(r.code) + QStringLiteral(": ") + r.err));
            QVERIFY2(r.err.contains(QLatin1String(c.message)), qPrintable(r.err));
            QVERIFY(r.out.isEmpty());
        }
        // Nothing above created the workspace: usage errors come before any file is touched, and a
        // model or benchmark that fails to load stores nothing.
        QVERIFY(!QFileInfo::exists(q(ws)));
    }
};

QTEST_GUILESS_MAIN(TestStudyEval)
#include "test_study_eval.moc"
