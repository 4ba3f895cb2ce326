// study::runAblate evaluates stored eval runs again with neurons removed and stores what
// `prominence-cli prune --neurons` + `prominence-cli eval` on the pruned checkpoint give for the same
// benchmark and flags (letter and loglik scoring, few-shot); the stored run records the mask and its
// 'before' run; the paired statistics and the Shortcut Lab's cue-following rate follow from the
// items; a stored mask gives the same run as its neuron list; the rendered command line reproduces
// the summary; bad parameters are ParamsErrors (the CLI exits 2). Runs on the Shortcut Lab's
// miniature, built here in seconds. LibTorch first: its headers use `slots` as a name, which Qt
// defines as a macro.
#include "core/lab/benchmark_generator.h"
#include "core/study/ablate_step.h"
#include "core/study/command_line.h"
#include "core/study/eval_step.h"
#include "core/study/mask_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
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

std::vector<json> readJsonl(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

// Layer 1's first 24 neurons and a few of layer 0.
const std::string kNeurons = [] {
    std::string s = "0:2,0:11,0:40";
    for (int n = 0; n < 24; ++n) s += ",1:" + std::to_string(n);
    return s;
}();

}  // namespace

class TestStudyAblate : public QObject {
    Q_OBJECT

    std::string dir_, modelDir_, conflict_, member_, ws_;
    workspace::Id letterRun_ = 0, loglikRun_ = 0;

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    study::EvalParams evalParams(const std::string& bench, eval::Scoring scoring, int shots,
                                 std::int64_t limit) const {
        study::EvalParams p;
        p.modelDir = modelDir_;
        p.benchmarkPath = bench;
        p.options.scoring = scoring;
        p.options.shots = shots;
        p.options.seed = 5;
        p.limit = limit;
        p.workspacePath = ws_;
        return p;
    }

    // The stored ablated run's items against `eval --items` on the pruned checkpoint.
    void checkAgainstPrunedCheckpoint(workspace::Id ablatedRun, const study::EvalParams& original) {
        const std::string pruned = path("pruned-" + std::to_string(ablatedRun));
        test::CliResult c = cli({"prune", "--model", modelDir_, "--neurons", kNeurons, "--output", pruned});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        study::EvalParams p = original;
        p.modelDir = pruned;
        p.workspacePath.clear();
        p.itemsPath = path("items-" + std::to_string(ablatedRun) + ".jsonl");
        c = cli(study::commandLine(p));
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const std::vector<json> expected = readJsonl(p.itemsPath);
        auto ws = workspace::Workspace::open(ws_);
        const std::vector<workspace::ItemResult> got = ws.items(ablatedRun);
        QCOMPARE(got.size(), expected.size());
        QVERIFY(!got.empty());
        for (std::size_t i = 0; i < got.size(); ++i) {
            const json& e = expected[i];
            QCOMPARE(got[i].index, e.at("index").get<std::int64_t>());
            QCOMPARE(q(got[i].prompt), q(e.at("prompt").get<std::string>()));
            QCOMPARE(got[i].pred, e.at("pred").get<std::int64_t>());
            QCOMPARE(got[i].correct, e.at("correct").get<bool>());
            const auto probs = e.at("probs").get<std::vector<double>>();
            QCOMPARE(got[i].probs.size(), probs.size());
            for (std::size_t k = 0; k < probs.size(); ++k)
                QVERIFY2(std::abs(got[i].probs[k] - probs[k]) <= 1e-5 * std::abs(probs[k]),
                         qPrintable(QStringLiteral("item %1 option %2: %3 vs %4")
                                        .arg(i).arg(k).arg(got[i].probs[k]).arg(probs[k])));
        }
        QCOMPARE(ws.run(ablatedRun).summary.at("acc").get<double>(),
                 json::parse(c.out.toStdString()).at("acc").get<double>());
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir().toStdString();
        const test::CliResult b = cli({"demo", "--tiny", "--build-only", "--cache", path("lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const std::string lab = json::parse(b.out.toStdString()).at("lab_dir").get<std::string>();
        modelDir_ = lab + "/model";
        conflict_ = lab + "/benchmarks/source_conflict.jsonl";
        member_ = lab + "/benchmarks/member.jsonl";
        ws_ = path("study.prominence");
        letterRun_ = *study::runEval(evalParams(conflict_, eval::Scoring::Letter, 1, 20)).runId;
        loglikRun_ = *study::runEval(evalParams(member_, eval::Scoring::Loglik, 2, 8)).runId;
    }

    void ablatedRunsEqualThePrunedCheckpoint() {
        // A copy taken now gets the same run ids when the command line runs in it below.
        const std::string copy = path("copy.prominence");
        std::filesystem::copy_file(ws_, copy);
        study::AblateParams p;
        p.workspacePath = ws_;
        p.neurons = kNeurons;
        p.evalRuns = {letterRun_, loglikRun_};
        p.bootstrap = 500;
        p.bootstrapSeed = 3;
        const study::AblateResult r = study::runAblate(p);
        QCOMPARE(r.runIds.size(), std::size_t(2));
        checkAgainstPrunedCheckpoint(r.runIds[0], evalParams(conflict_, eval::Scoring::Letter, 1, 20));
        checkAgainstPrunedCheckpoint(r.runIds[1], evalParams(member_, eval::Scoring::Loglik, 2, 8));

        auto ws = workspace::Workspace::open(ws_);
        for (std::size_t k = 0; k < 2; ++k) {
            const workspace::RunRecord before = ws.run(p.evalRuns[k]);
            const workspace::RunRecord after = ws.run(r.runIds[k]);
            QCOMPARE(after.kind, std::string("eval"));
            QCOMPARE(after.status, workspace::RunStatus::Completed);
            const std::vector<workspace::RunInput> inputs = {{before.id, "before"}};
            QVERIFY(after.inputs == inputs);
            QCOMPARE(after.benchmarkId, before.benchmarkId);
            json params = after.params;
            const json ablation = params.at("ablation");
            params.erase("ablation");
            QCOMPARE(q(params.dump()), q(before.params.dump()));
            QCOMPARE(q(ablation.at("neurons").get<std::string>()),
                     q(prune::PruneMask::parse(kNeurons, 2, 64).format()));
            QVERIFY(ablation.at("mask_id").is_null());

            // The statistics follow from the two runs' items.
            const std::vector<workspace::ItemResult> b = ws.items(before.id), a = ws.items(after.id);
            std::int64_t onlyBefore = 0, onlyAfter = 0;
            for (std::size_t i = 0; i < b.size(); ++i) {
                onlyBefore += b[i].correct && !a[i].correct;
                onlyAfter += !b[i].correct && a[i].correct;
            }
            const json row = json::parse(r.summary.at("runs").at(k).dump());
            QCOMPARE(row.at("run").get<workspace::Id>(), before.id);
            QCOMPARE(row.at("ablated_run").get<workspace::Id>(), after.id);
            QCOMPARE(row.at("acc_before").get<double>(), before.summary.at("acc").get<double>());
            QCOMPARE(row.at("acc_after").get<double>(), after.summary.at("acc").get<double>());
            QCOMPARE(row.at("mcnemar").at("only_before").get<std::int64_t>(), onlyBefore);
            QCOMPARE(row.at("mcnemar").at("only_after").get<std::int64_t>(), onlyAfter);
            const double diff = row.at("difference").at("mean").get<double>();
            QVERIFY(std::abs(diff - (row.at("acc_after").get<double>() - row.at("acc_before").get<double>())) < 1e-12);
            QVERIFY(row.at("difference").at("low").get<double>() <= diff + 1e-12);
            QVERIFY(row.at("difference").at("high").get<double>() >= diff - 1e-12);
            // The miniature is barely trained (its answers hardly move), but every probability must.
            double moved = 0;
            for (std::size_t i = 0; i < b.size(); ++i)
                for (std::size_t o = 0; o < b[i].probs.size(); ++o)
                    moved = std::max(moved, std::abs(a[i].probs[o] - b[i].probs[o]));
            QVERIFY2(moved > 1e-4, "the ablation left the probabilities as they were");
        }

        // Cue-following on source_conflict, from the tags the generator planted.
        const std::vector<lab::LabItem> planted = lab::readJsonl(conflict_);
        const std::vector<workspace::ItemResult> b = ws.items(letterRun_), a = ws.items(r.runIds[0]);
        double followBefore = 0, followAfter = 0;
        for (std::size_t i = 0; i < b.size(); ++i) {
            QVERIFY(planted[i].cue >= 0);
            followBefore += b[i].pred == planted[i].cue;
            followAfter += a[i].pred == planted[i].cue;
        }
        const json cue = json::parse(r.summary.at("runs").at(0).at("cue_following").dump());
        QCOMPARE(cue.at("items").get<std::size_t>(), b.size());
        QCOMPARE(cue.at("before").get<double>(), followBefore / static_cast<double>(b.size()));
        QCOMPARE(cue.at("after").get<double>(), followAfter / static_cast<double>(b.size()));
        // member carries no tags.
        QVERIFY(!r.summary.at("runs").at(1).contains("cue_following"));

        // The command line, in the copy taken before, prints the same summary.
        p.workspacePath = copy;
        const std::vector<std::string> line = study::commandLine(p);
        QCOMPARE(line.at(1), std::string("ablate"));
        const test::CliResult c = cli(line);
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(nlohmann::ordered_json::parse(c.out.toStdString()).dump()), q(r.summary.dump()));
    }

    // A stored mask removes exactly its neurons: the same items as the neuron list.
    void storedMaskEqualsItsNeurons() {
        study::SaveMaskParams m;
        m.workspacePath = ws_;
        m.name = "by hand";
        m.layers = 2;
        m.neurons = 64;
        for (const prune::Neuron& n : prune::parseNeuronList(kNeurons)) m.pruned.push_back({n.layer, n.index});
        const workspace::Id maskId = study::runSaveMask(m).maskId;
        study::AblateParams p;
        p.workspacePath = ws_;
        p.mask = "by hand";
        p.evalRuns = {letterRun_};
        const study::AblateResult byMask = study::runAblate(p);
        p.mask.clear();
        p.neurons = kNeurons;
        const study::AblateResult byList = study::runAblate(p);
        auto ws = workspace::Workspace::open(ws_);
        const auto a = ws.items(byMask.runIds.at(0)), b = ws.items(byList.runIds.at(0));
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].probs, b[i].probs);
        const json ablation = ws.run(byMask.runIds.at(0)).params.at("ablation");
        QCOMPARE(ablation.at("mask_id").get<workspace::Id>(), maskId);
        QCOMPARE(q(ablation.at("mask_name").get<std::string>()), QStringLiteral("by hand"));
        QCOMPARE(byMask.summary.at("mask").at("id").get<workspace::Id>(), maskId);
    }

    void badParamsAreParamsErrors() {
        study::AblateParams p;
        p.workspacePath = ws_;
        p.evalRuns = {letterRun_};
        const auto refused = [](const study::AblateParams& x) {
            QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runAblate(x));
        };
        refused(p);  // neither mask nor neurons
        p.mask = "by hand";
        p.neurons = "0:1";
        refused(p);  // both
        p.neurons.clear();
        p.mask = "no such mask";
        refused(p);
        p.mask.clear();
        p.neurons = "1:64";  // past the layer
        refused(p);
        p.neurons = "0:1,0:1";
        refused(p);
        p.neurons = "0:1";
        p.evalRuns = {letterRun_, letterRun_};
        refused(p);
        p.evalRuns = {};
        refused(p);
        p.evalRuns = {letterRun_};
        p.bootstrap = 0;
        refused(p);
        p.bootstrap = 100;
        workspace::Id other = 0, ablated = 0;
        {
            auto ws = workspace::Workspace::open(ws_);
            workspace::RunStart rs;
            rs.kind = "prune";
            rs.name = "not an eval";
            other = ws.beginRun(rs);
            ws.finishRun(other);
            for (const workspace::RunRecord& r : ws.runs())
                if (r.params.contains("ablation")) ablated = r.id;
        }
        p.evalRuns = {other};
        refused(p);
        QVERIFY(ablated > 0);
        p.evalRuns = {ablated};
        refused(p);  // an ablated run is not ablated again

        const std::size_t runs = workspace::Workspace::open(ws_).runs().size();
        for (const std::vector<std::string>& bad :
             {std::vector<std::string>{"ablate", "--workspace", ws_, "--run", std::to_string(letterRun_)},
              {"ablate", "--workspace", ws_, "--mask", "nope", "--run", std::to_string(letterRun_)},
              {"ablate", "--workspace", ws_, "--neurons", "0:1", "--run", "x"},
              {"ablate", "--workspace", ws_, "--neurons", "0:1", "--run", std::to_string(other)}}) {
            const test::CliResult c = cli(bad);
            QVERIFY2(c.code == 2, qPrintable(QStringLiteral("exit %1: %2").arg(c.code).arg(c.err)));
            QVERIFY(c.out.isEmpty());
        }
        QCOMPARE(workspace::Workspace::open(ws_).runs().size(), runs);
    }
};

QTEST_GUILESS_MAIN(TestStudyAblate)
#include "test_study_ablate.moc"
