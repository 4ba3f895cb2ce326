// study::runSaveMask stores a hand-made mask with its provenance as given and refuses bad ones
// (name, shape, repeated or out-of-range neurons, unknown model); runDiffMasks and runShowMask read
// them back; `prominence-cli mask` keeps the contract (JSON on stdout, usage errors exit 2) and the
// command line commandLine(SaveMaskParams) renders stores the same mask. LibTorch first: its headers
// use `slots` as a name, which Qt defines as a macro.
#include "core/prune/mask_store.h"
#include "core/study/command_line.h"
#include "core/study/mask_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

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
    return test::runCli(args);
}

json provenance() {
    return {{"scores", 12},
            {"policy", {{"kind", "threshold"}, {"threshold", 0.25}}},
            {"edits", json::array({{{"op", "add"}, {"neuron", "1:3"}}, {{"op", "remove"}, {"neuron", "0:2"}}})}};
}

}  // namespace

class TestStudyMask : public QObject {
    Q_OBJECT

    std::string dir_;
    int next_ = 0;

    std::string freshWorkspace() {
        const std::string path = dir_ + "/w" + std::to_string(next_++) + ".prominence";
        workspace::Workspace::create(path);
        return path;
    }

    study::SaveMaskParams params(const std::string& ws, const std::string& name) const {
        study::SaveMaskParams p;
        p.workspacePath = ws;
        p.name = name;
        p.layers = 3;
        p.neurons = 16;
        p.pruned = {{2, 5}, {0, 1}, {1, 3}};
        p.provenance = provenance();
        return p;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        dir_ = test::tempDir().toStdString();
    }

    void savesWhatItIsGiven() {
        const std::string ws = freshWorkspace();
        const study::SaveMaskResult r = study::runSaveMask(params(ws, "clicked"));
        QVERIFY(r.maskId > 0);
        QCOMPARE(q(r.summary.at("pruned").get<std::string>()), QStringLiteral("0:1,1:3,2:5"));
        auto w = workspace::Workspace::open(ws);
        const prune::StoredMask m = prune::loadMask(w, r.maskId);
        QCOMPARE(m.name, std::string("clicked"));
        QCOMPARE(m.mask.layers(), 3);
        QCOMPARE(m.mask.neuronsPerLayer(), std::int64_t(16));
        QCOMPARE(q(m.mask.format()), QStringLiteral("0:1,1:3,2:5"));
        QCOMPARE(q(m.provenance.dump()), q(provenance().dump()));
        QVERIFY(!m.runId && !m.modelId);

        const nlohmann::ordered_json shown = study::runShowMask({ws, "clicked"});
        QCOMPARE(shown.at("id").get<workspace::Id>(), r.maskId);
        QCOMPARE(shown.at("count").get<int>(), 3);
        QCOMPARE(q(shown.at("provenance").dump()), q(provenance().dump()));
        QCOMPARE(q(study::runShowMask({ws, std::to_string(r.maskId)}).dump()), q(shown.dump()));
    }

    void refusesBadMasks() {
        const std::string ws = freshWorkspace();
        study::runSaveMask(params(ws, "taken"));
        auto refused = [&](const study::SaveMaskParams& p) {
            QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runSaveMask(p));
        };
        study::SaveMaskParams p = params(ws, "dup");
        p.pruned.push_back({1, 3});  // repeated
        refused(p);
        p = params(ws, "range");
        p.pruned.push_back({1, 16});  // neuron past the layer
        refused(p);
        p = params(ws, "layer");
        p.pruned.push_back({3, 0});  // layer past the model
        refused(p);
        p = params(ws, "negative");
        p.pruned.push_back({0, -1});
        refused(p);
        refused(params(ws, "taken"));
        refused(params(ws, ""));
        refused(params(ws, "42"));  // would read as an id
        p = params(ws, "empty");
        p.pruned.clear();
        refused(p);
        p = params(ws, "shapeless");
        p.layers = p.neurons = 0;
        refused(p);
        p = params(ws, "model");
        p.modelId = 7;  // no such model
        refused(p);
        // Nothing but the first mask was stored.
        QCOMPARE(workspace::Workspace::open(ws).masks().size(), std::size_t(1));
    }

    void shapeFromModel() {
        const std::string ws = freshWorkspace();
        workspace::Id modelId = 0;
        {
            auto w = workspace::Workspace::open(ws);
            workspace::ModelRecord m;
            m.path = "/models/x";
            m.name = "x";
            m.architecture = "llama";
            m.info = {{"layers", 3}, {"intermediate_size", 16}};
            modelId = w.addModel(m);
        }
        study::SaveMaskParams p = params(ws, "from-model");
        p.layers = p.neurons = 0;
        p.modelId = modelId;
        const study::SaveMaskResult r = study::runSaveMask(p);
        QCOMPARE(r.summary.at("layers").get<int>(), 3);
        auto w = workspace::Workspace::open(ws);
        QCOMPARE(*prune::loadMask(w, r.maskId).modelId, modelId);
        p = params(ws, "disagrees");
        p.modelId = modelId;
        p.neurons = 32;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runSaveMask(p));
    }

    void diffCountsPerLayer() {
        const std::string ws = freshWorkspace();
        study::SaveMaskParams a = params(ws, "a");
        a.pruned = {{0, 1}, {0, 2}, {1, 3}, {2, 5}};
        study::SaveMaskParams b = params(ws, "b");
        b.pruned = {{0, 2}, {1, 3}, {1, 4}};
        const workspace::Id ia = study::runSaveMask(a).maskId, ib = study::runSaveMask(b).maskId;
        const study::DiffMasksResult d = study::runDiffMasks({ws, ia, ib});
        const json& s = d.summary;
        QCOMPARE(s.at("overlap").get<int>(), 2);
        QCOMPARE(s.at("only_a").get<int>(), 2);
        QCOMPARE(s.at("only_b").get<int>(), 1);
        QCOMPARE(s.at("jaccard").get<double>(), 2.0 / 5.0);
        QCOMPARE(q(s.at("only_a_neurons").get<std::string>()), QStringLiteral("0:1,2:5"));
        QCOMPARE(q(s.at("only_b_neurons").get<std::string>()), QStringLiteral("1:4"));
        QCOMPARE(q(s.at("per_layer").dump()),
                 q(json::parse(R"({"0":{"a":2,"b":1,"overlap":1,"only_a":1,"only_b":0},
                                   "1":{"a":1,"b":2,"overlap":1,"only_a":0,"only_b":1},
                                   "2":{"a":1,"b":0,"overlap":0,"only_a":1,"only_b":0}})")
                       .dump()));

        study::SaveMaskParams other = params(ws, "other-shape");
        other.neurons = 32;
        const workspace::Id io = study::runSaveMask(other).maskId;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDiffMasks({ws, ia, io}));
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDiffMasks({ws, ia, 99}));
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runShowMask({ws, "nope"}));
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runShowMask({ws, "99"}));
    }

    // The rendered command line stores the same mask, provenance included.
    void commandLineReproducesTheMask() {
        const std::string ws = freshWorkspace(), again = freshWorkspace();
        study::SaveMaskParams p = params(ws, "it's mine");
        const study::SaveMaskResult r = study::runSaveMask(p);
        p.workspacePath = again;
        const std::vector<std::string> line = study::commandLine(p);
        QCOMPARE(line.at(1), std::string("mask"));
        const test::CliResult c = cli(line);
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(nlohmann::ordered_json::parse(c.out.toStdString()).dump()), q(r.summary.dump()));
        QCOMPARE(q(study::runShowMask({again, "it's mine"}).at("provenance").dump()),
                 q(provenance().dump()));
    }

    void cliContract() {
        const std::string ws = freshWorkspace();
        test::CliResult c = cli({"mask", "--workspace", ws, "--save", "m", "--neurons", "0:1,1:2",
                                 "--shape", "2x8"});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        c = cli({"mask", "--workspace", ws, "--save", "n", "--neurons", "1:2", "--shape", "2x8"});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        c = cli({"mask", "--workspace", ws, "--diff", "1,2"});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(json::parse(c.out.toStdString()).at("jaccard").get<double>(), 0.5);
        c = cli({"mask", "--workspace", ws, "--show", "n"});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(json::parse(c.out.toStdString()).at("pruned").get<std::string>()), QStringLiteral("1:2"));
        for (const std::vector<std::string>& bad :
             {std::vector<std::string>{"mask", "--workspace", ws, "--save", "d", "--neurons", "0:1,0:1", "--shape", "2x8"},
              {"mask", "--workspace", ws, "--save", "r", "--neurons", "0:8", "--shape", "2x8"},
              {"mask", "--workspace", ws, "--save", "s", "--neurons", "0:1", "--shape", "2by8"},
              {"mask", "--workspace", ws, "--save", "j", "--neurons", "0:1", "--shape", "2x8",
               "--provenance-json", "{not json"},
              {"mask", "--workspace", ws, "--show", "unknown"},
              {"mask", "--workspace", ws, "--diff", "1"},
              {"mask", "--workspace", ws, "--show", "1", "--diff", "1,2"}}) {
            c = cli(bad);
            QVERIFY2(c.code == 2, qPrintable(QStringLiteral("exit %1: %2").arg(c.code).arg(c.err)));
            QVERIFY(c.out.isEmpty());
        }
        QCOMPARE(workspace::Workspace::open(ws).masks().size(), std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestStudyMask)
#include "test_study_mask.moc"
