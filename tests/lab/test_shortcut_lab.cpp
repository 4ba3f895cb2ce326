// The Shortcut Lab end to end at miniature size: deterministic for a seed (two fresh builds, identical
// numbers), cached (a second run reuses the build), and every stage's artefacts are in the workspace.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/lab/shortcut_lab.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"
#include "core/common/error.h"
#include "core/prune/prune_mask.h"

#include <filesystem>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;

namespace {

// Everything but wall-clock figures and paths.
nlohmann::json numbers(const lab::DemoResult& r) {
    nlohmann::json j = r.toJson();
    j.erase("timings");
    j.erase("wall_seconds");
    j.erase("lab_dir");
    j.erase("built_now");
    j["lab"]["pretrain"].erase("seconds");
    return j;
}

}  // namespace

class TestShortcutLab : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { applyThreadSettings({1, 1}); }

    // Both designs: the tag pair with every parameter training, and reserved neurons with a single tag.
    void tinyLabIsDeterministicAndStoresEveryStage_data() {
        QTest::addColumn<bool>("reserved");
        QTest::newRow("pair") << false;
        QTest::newRow("reserved") << true;
    }

    void tinyLabIsDeterministicAndStoresEveryStage() {
        QFETCH(bool, reserved);
        const std::string dir = test::tempDir().toStdString() + (reserved ? "/reserved" : "/pair");
        lab::DemoOptions o = lab::DemoOptions::tiny();
        if (reserved) {
            o.recipe.useReservedNeuronDesign(8);  // the second stage trains only these and layer 0's routing
            o.recipe.skillSteps = 4;
        }
        o.cacheRoot = dir + "/cache-a";
        o.workspacePath = dir + "/a.prominence";
        const lab::DemoResult a = lab::runShortcutLab(o);
        QVERIFY(!a.build.fromCache);

        o.cacheRoot = dir + "/cache-b";
        o.workspacePath = dir + "/b.prominence";
        const lab::DemoResult b = lab::runShortcutLab(o);
        QVERIFY(!b.build.fromCache);
        QCOMPARE(QString::fromStdString(numbers(b).dump()), QString::fromStdString(numbers(a).dump()));

        // Same recipe, same cache: the build is reused and the numbers do not change.
        o.workspacePath = dir + "/c.prominence";
        const lab::DemoResult c = lab::runShortcutLab(o);
        QVERIFY(c.build.fromCache);
        QCOMPARE(QString::fromStdString(numbers(c).dump()), QString::fromStdString(numbers(a).dump()));
        QVERIFY(std::filesystem::exists(c.build.modelDir + "/model.safetensors"));
        QVERIFY(std::filesystem::exists(c.build.modelDir + "/tokenizer.json"));

        // Every stage in the workspace.
        auto ws = workspace::Workspace::open(dir + "/a.prominence");
        const auto demo = ws.run(a.workspaceRunId);
        QCOMPARE(demo.kind, std::string("demo"));
        QCOMPARE(demo.status, workspace::RunStatus::Completed);
        const std::size_t seeds = static_cast<std::size_t>(o.seeds);
        const std::size_t benches = lab::evalBenchmarkNames().size();
        // Selection evals (3), the comparison's (before + prune_only once, 4 fine-tuned conditions per
        // seed, on every benchmark) and the random ablations (2 benchmarks per seed).
        QCOMPARE(ws.runs({"eval", false}).size(), 3 + (2 + 4 * seeds) * benches + 2 * seeds);
        // One attribution run with the matrices (a child of the demo run) and, as its children, one run
        // per reference holding that reference's per-item IG rows; recorded as its reference_runs.
        const auto igRuns = ws.runs({"attribution", false});
        QCOMPARE(igRuns.size(), std::size_t{3});
        QCOMPARE(igRuns[0].parentRunId.value_or(-1), a.workspaceRunId);
        QCOMPARE(ws.neuronScoresOf(igRuns[0].id).size(), std::size_t{4});  // 3 datasets + the contrast
        const auto refRuns = igRuns[0].summary.at("reference_runs").get<std::vector<workspace::Id>>();
        QCOMPARE(refRuns, (std::vector<workspace::Id>{igRuns[1].id, igRuns[2].id}));
        for (std::size_t r = 1; r < igRuns.size(); ++r) {
            QCOMPARE(igRuns[r].parentRunId.value_or(-1), igRuns[0].id);
            QCOMPARE(igRuns[r].status, workspace::RunStatus::Completed);
            QVERIFY(ws.neuronScoresOf(igRuns[r].id).empty());
            QVERIFY(!ws.igItems(igRuns[r].id, 0, workspace::ReadScope::Any).empty());
        }
        QCOMPARE(ws.selections().size(), std::size_t{3});
        QVERIFY(!ws.masks().empty());
        for (const auto& m : ws.masks()) QVERIFY(!m.pruned.empty());
        QCOMPARE(ws.comparisons().size(), std::size_t{1});
        QCOMPARE(ws.runs({"compare", false}).size(), std::size_t{1});
        QCOMPARE(ws.runs({"compare", false})[0].parentRunId.value_or(-1), a.workspaceRunId);
        QCOMPARE(ws.artifacts(a.workspaceRunId).size(), std::size_t{1});

        // Ground truth for every condition: one value per run.
        for (const char* c : {"before", "prune_only"}) QCOMPARE(a.groundTruth.at(c).cueFollowing.size(), std::size_t{1});
        for (const char* c : {"method", "finetune_only", "random_finetune", "magnitude_finetune", "random_prune_only"})
            QCOMPARE(a.groundTruth.at(c).cueFollowing.size(), seeds);
        for (const auto& [c, g] : a.groundTruth)
            for (double v : g.cueFollowing) QVERIFY(v >= 0.0 && v <= 1.0);
        QVERIFY(a.comparison.contains("cells"));
        const std::string report = lab::formatDemoReport(a);
        QVERIFY(report.find("cue-following") != std::string::npos);
        QVERIFY(report.find("Wall time") != std::string::npos);

        // The tag-free floor is measured for every design.
        QVERIFY(a.probe["tags_removed"]["cue_following"].get<double>() >= 0.0);
        QVERIFY(a.probe["tags_removed"]["cue_following"].get<double>() + a.probe["tags_removed"]["conflict_accuracy"].get<double>() <= 1.0);
        if (!reserved) {
            QVERIFY(!a.probe.contains("shortcut_neurons"));
            QCOMPARE(a.build.info["shortcut_neurons"].get<std::string>(), std::string());
            return;
        }
        // The reserved neurons are the ground truth of localisation: recorded, ablated, compared.
        QCOMPARE(a.build.info["shortcut_neurons"].get<std::string>(), o.recipe.shortcutNeuronMask().format());
        const auto& sn = a.probe["shortcut_neurons"];
        QCOMPARE(sn["neurons"].get<std::size_t>(), std::size_t{8} * static_cast<std::size_t>(o.recipe.layers));
        QVERIFY(sn["method_mask_overlap"].get<std::int64_t>() <= sn["method_mask_size"].get<std::int64_t>());
        QVERIFY(sn["random_mask_expected_overlap"].get<double>() > 0.0);
        for (const auto& row : a.probe["sweep"])
            QVERIFY(row["method"]["shortcut_overlap"].get<std::int64_t>() <= row["k"].get<std::int64_t>());
        QVERIFY(report.find("reserved second-stage neurons") != std::string::npos);
    }

    // The reserved neurons: a seeded choice of k per layer; the skill stage trains every other neuron,
    // the second stage only these (plus attention unless switched off); recipe keys checked.
    void recipeReservesShortcutNeurons() {
        lab::LabRecipe r = lab::LabRecipe::tiny();
        QVERIFY(r.shortcutNeuronMask().empty());
        QVERIFY(!r.pretrainOptions().trainableNeurons.has_value());
        QVERIFY(!r.skillOptions().trainableNeurons.has_value());
        r = lab::LabRecipe::fromJson({{"shortcut_neurons", 5}, {"layers", 3}, {"intermediate", 40}}, "recipe.json");
        const prune::PruneMask m = r.shortcutNeuronMask();
        QCOMPARE(m.size(), std::size_t{15});
        for (int l = 0; l < 3; ++l) QCOMPARE(m.neuronsOf(l).size(), std::size_t{5});
        QVERIFY(m == r.shortcutNeuronMask());
        QVERIFY(m.neuronsOf(0) != m.neuronsOf(1));  // drawn per layer
        const auto skill = r.skillOptions(), second = r.pretrainOptions();
        QCOMPARE(skill.trainableNeurons->size(), std::size_t{3 * 40 - 15});
        for (const prune::Neuron& n : m.neurons()) QVERIFY(!skill.trainableNeurons->contains(n));
        QVERIFY(skill.trainablePrefixes.empty());
        QVERIFY(*second.trainableNeurons == m);
        QCOMPARE(second.trainablePrefixes.size(), std::size_t{6});  // attention and MLP of 3 layers
        r.shortcutLr = 0.02;
        QCOMPARE(r.pretrainOptions().adamw.lr, 0.02);
        QCOMPARE(r.skillOptions().adamw.lr, r.pretrainLr);
        r.shortcutAttention = "none";
        QCOMPARE(r.pretrainOptions().trainablePrefixes.size(), std::size_t{3});
        r.shortcutAttention = "routing";
        QCOMPARE(r.pretrainOptions().trainablePrefixes.size(), std::size_t{9});  // q, k and MLP of 3 layers
        QCOMPARE(lab::LabRecipe::fromJson({{"cue", "single"}}, "r").cue, std::string("single"));
        QVERIFY(lab::LabRecipe::fromJson({{"cue", "single"}}, "r").hash() != lab::LabRecipe{}.hash());
        QVERIFY_EXCEPTION_THROWN(lab::LabRecipe::fromJson({{"cue", "triple"}}, "r"), InvalidArgument);
        QVERIFY_EXCEPTION_THROWN(lab::LabRecipe::fromJson({{"shortcut_neurons", 300}}, "r"), InvalidArgument);
        QVERIFY_EXCEPTION_THROWN(lab::LabRecipe::fromJson({{"shortcut_neurons", 4}, {"shortcut_mlp_layer", 1}}, "r"),
                                 InvalidArgument);
        QVERIFY_EXCEPTION_THROWN(lab::LabRecipe::fromJson({{"shortcut_attention", true}}, "r"), FormatError);
        QVERIFY_EXCEPTION_THROWN(lab::LabRecipe::fromJson({{"shortcut_attention", "some"}}, "r"), InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestShortcutLab)
#include "test_shortcut_lab.moc"
