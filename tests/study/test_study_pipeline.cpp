// study::runPipeline (the whole method from a configuration) prints and stores what `prominence-cli
// run --config` does for the same configuration, and its command line is `run --config FILE` only
// when FILE holds that configuration. Runs on the Shortcut Lab's miniature, built here in seconds.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/compare/comparison.h"
#include "core/study/command_line.h"
#include "core/study/pipeline_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

test::CliResult cli(std::vector<std::string> argv) {
    QStringList args;
    for (std::size_t i = argv.front() == "prominence-cli" ? 1 : 0; i < argv.size(); ++i)
        args << q(argv[i]);
    args << QStringLiteral("--threads") << QStringLiteral("1") << QStringLiteral("--blas-threads")
         << QStringLiteral("1");
    return test::runCli(args);
}

// Runs by kind and status, without ids or times.
std::map<std::string, int> runKinds(const std::string& path) {
    auto ws = workspace::Workspace::open(path);
    std::map<std::string, int> kinds;
    for (const auto& r : ws.runs({"", true}))
        ++kinds[r.kind + "/" + workspace::runStatusName(r.status)];
    return kinds;
}

}  // namespace

class TestStudyPipeline : public QObject {
    Q_OBJECT

    std::string dir_, lab_;

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    // A small but complete pipeline: every stage runs, on benchmarks relative to the config file.
    json config(const std::string& workspace) const {
        return {{"name", "lab"},
                {"workspace", workspace},
                {"model", lab_ + "/model"},
                {"seed", 0},
                {"eval", {{"scoring", "letter"}}},
                {"source", {{"name", "source"}, {"path", lab_ + "/benchmarks/source.jsonl"}}},
                {"references", {{{"name", "member"}, {"path", lab_ + "/benchmarks/member.jsonl"}}}},
                {"select", {{"threshold", 0.0}}},
                {"attribution", {{"steps", 2}}},
                {"prune", {{"policy", "global_top_k"}, {"k", 4}}},
                {"finetune", {{"shots", 2}, {"pool", 4}, {"max_steps", 1}, {"batch_size", 2}}},
                {"compare",
                 {{"seeds", {1}},
                  {"conditions", {"before", "method", "finetune_only"}},
                  {"bootstrap", {{"resamples", 20}}},
                  {"keep_checkpoints", false}}}};
    }

    std::string writeConfig(const std::string& name, const json& c) const {
        const std::string file = path(name);
        std::ofstream(file) << c.dump(2);
        return file;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir().toStdString();
        const test::CliResult b = cli({"demo", "--tiny", "--build-only", "--cache", path("lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        lab_ = json::parse(b.out.toStdString()).at("lab_dir").get<std::string>();
    }

    void studyEqualsRunConfig() {
        study::PipelineParams p;
        p.config = config(path("study.prominence"));
        p.configFile = writeConfig("study.json", p.config);
        std::vector<std::string> notes;
        const study::PipelineResult r = study::runPipeline(
            p, Progress::none(), [&](const std::string& n) { notes.push_back(n); });
        QVERIFY(r.pipelineRunId != 0 && r.comparisonId != 0);
        QCOMPARE(r.table.at("cells").size(), std::size_t(3));
        QVERIFY(!notes.empty() && notes.front().rfind("run: source: acc ", 0) == 0);

        study::PipelineParams viaCli;
        viaCli.config = config(path("cli.prominence"));
        viaCli.configFile = writeConfig("cli.json", viaCli.config);
        std::vector<std::string> line = study::commandLine(viaCli);
        QCOMPARE(line, (std::vector<std::string>{"prominence-cli", "run", "--config",
                                                 viaCli.configFile}));
        line.push_back("--json");
        const test::CliResult c = cli(line);
        QVERIFY2(c.code == 0, qPrintable(c.err));
        json printed = json::parse(c.out.toStdString());
        QCOMPARE(q(printed.at("pipeline").dump()), q(json::parse(r.summary.dump()).dump()));
        printed.erase("pipeline");
        QCOMPARE(q(printed.dump()), q(json::parse(r.table.dump()).dump()));
        QCOMPARE(q(compare::formatTable(printed)), q(compare::formatTable(r.table)));
        const auto kinds = runKinds(path("study.prominence"));
        QCOMPARE(runKinds(path("cli.prominence")), kinds);
        QCOMPARE(kinds.at("pipeline/completed"), 1);
        QCOMPARE(kinds.at("attribution/completed"), 2);
    }

    void commandLineNeedsTheSavedConfig() {
        study::PipelineParams p;
        p.config = config(path("never.prominence"));
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::commandLine(p));  // no file named
        p.configFile = path("missing.json");
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::commandLine(p));
        p.configFile = writeConfig("edited.json", p.config);
        p.config["seed"] = 5;  // edited after saving
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::commandLine(p));
    }

    void badConfigFailsBeforeAnyWork() {
        study::PipelineParams p;
        p.config = config(path("bad.prominence"));
        p.config["finetune"]["shots_"] = 3;
        p.configFile = writeConfig("bad.json", p.config);
        QVERIFY_THROWS_EXCEPTION(FormatError, study::runPipeline(p));
        QVERIFY(!QFileInfo::exists(q(path("bad.prominence"))));
    }
};

QTEST_GUILESS_MAIN(TestStudyPipeline)
#include "test_study_pipeline.moc"
