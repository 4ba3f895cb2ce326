// PruneMask parsing and formatting, selection policies, control masks and the workspace round trip.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/prune/baselines.h"
#include "core/prune/mask_store.h"
#include "core/prune/prune_mask.h"
#include "core/prune/selection.h"

#include <string>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::prune;

namespace {

// The message of the InvalidArgument `f` throws, or "" when it throws none.
template <typename F>
std::string invalidMessage(F f) {
    try {
        f();
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestPruneMask : public QObject {
    Q_OBJECT

private slots:
    void parsesAndFormatsSorted() {
        const PruneMask m = PruneMask::parse(" 2:5, 0:7,0:3 ", 3, 10);
        QCOMPARE(m.size(), std::size_t(3));
        QCOMPARE(m.format(), std::string("0:3,0:7,2:5"));
        QVERIFY(m.contains({2, 5}));
        QVERIFY(!m.contains({1, 5}));
        QCOMPARE(m.neuronsOf(0), (std::vector<std::int64_t>{3, 7}));
        QCOMPARE(m.countsPerLayer().at(2), std::int64_t(1));
        QCOMPARE(PruneMask::parse(m.format(), 3, 10), m);
    }

    void rejectsBadEntriesByName() {
        const std::string bad = invalidMessage([] { PruneMask::parse("0:1,0x:2", 3, 10); });
        QVERIFY2(contains(bad, "entry 2") && contains(bad, "'0x:2'"), bad.c_str());
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("0:1,,1:2", 3, 10); }), "entry 2"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("0:1,1", 3, 10); }), "'1' is not of the form L:N"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("1:2:3", 3, 10); }), "not of the form"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("-1:2", 3, 10); }), "layer '-1'"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("1:+2", 3, 10); }), "neuron '+2'"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("1:2,1:2", 3, 10); }), "listed twice"));
        QVERIFY(contains(invalidMessage([] { PruneMask::parse("", 3, 10); }), "empty"));
        const std::string layer = invalidMessage([] { PruneMask::parse("0:1,3:0", 3, 10); });
        QVERIFY2(contains(layer, "'3:0'") && contains(layer, "layer 3 is out of range [0, 3)"), layer.c_str());
        const std::string neuron = invalidMessage([] { PruneMask::parse("2:10", 3, 10); });
        QVERIFY2(contains(neuron, "neuron 10 is out of range [0, 10)"), neuron.c_str());
    }

    void activationMaskHasZerosExactlyThere() {
        const PruneMask m = PruneMask::parse("1:0,1:4", 3, 6);
        const NeuronMask nm = m.toNeuronMask();
        QCOMPARE(nm.scales.size(), std::size_t(3));
        QVERIFY(!nm.scales[0].defined());
        QVERIFY(!nm.scales[2].defined());
        QVERIFY(at::equal(nm.scales[1], at::tensor({0.f, 1.f, 1.f, 1.f, 0.f, 1.f})));
    }

    void jsonRoundTripAndErrors() {
        const PruneMask m = PruneMask::parse("0:1,2:3", 3, 8);
        QCOMPARE(PruneMask::fromJson(m.toJson(), "x.json"), m);
        nlohmann::json j = m.toJson();
        j["neurons"].push_back({4, 0});
        QVERIFY(contains(invalidMessage([&] { PruneMask::fromJson(j, "x.json"); }), "x.json"));
        QVERIFY_THROWS_EXCEPTION(FormatError, PruneMask::fromJson(nlohmann::json{{"layers", 3}}, "x.json"));
    }

    void diffListsAddedRemovedCommon() {
        const PruneMask a = PruneMask::parse("0:1,0:2,1:3", 2, 8);
        const PruneMask b = PruneMask::parse("0:2,1:3,1:4,1:5", 2, 8);
        const MaskDiff d = diffMasks(a, b);
        QCOMPARE(formatNeuronList(d.added), std::string("1:4,1:5"));
        QCOMPARE(formatNeuronList(d.removed), std::string("0:1"));
        QCOMPARE(formatNeuronList(d.common), std::string("0:2,1:3"));
        QCOMPARE(d.jaccard, 2.0 / 5.0);
        QVERIFY_THROWS_EXCEPTION(ShapeError, diffMasks(a, PruneMask(3, 8)));
    }

    void percentCounts() {
        QCOMPARE(percentCount(10.0, 176), std::int64_t(18));  // 17.6 -> 18
        QCOMPARE(percentCount(5.0, 10), std::int64_t(1));     // 0.5 -> 1 (half away from zero)
        QCOMPARE(percentCount(0.1, 10), std::int64_t(1));     // at least one
        QCOMPARE(percentCount(100.0, 7), std::int64_t(7));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, percentCount(0.0, 10));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, percentCount(101.0, 10));
    }

    void policiesPickTheRightNeurons() {
        // Layer 0: 0.9 0.1 0.5 -0.2 ; layer 1: 0.3 0.8 0.8 0.0 ; layer 2: -1 0.2 0.95 0.4
        const at::Tensor s = at::tensor({0.9, 0.1, 0.5, -0.2, 0.3, 0.8, 0.8, 0.0, -1.0, 0.2, 0.95, 0.4}).view({3, 4});
        const ScoreMatrix m = ScoreMatrix::allLayers(s);
        PolicyParams p;
        p.kind = PolicyKind::LayerTopPercent;
        p.layer = 1;
        p.percent = 50.0;
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("1:1,1:2"));  // tie 0.8/0.8 both in
        p.percent = 25.0;
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("1:1"));  // tie broken by lower index
        p.kind = PolicyKind::PerLayerTopPercent;
        p.percent = 25.0;
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("0:0,1:1,2:2"));
        p.layers = {0, 2};
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("0:0,2:2"));
        p.kind = PolicyKind::GlobalTopK;
        p.k = 3;
        p.layers = {};
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("0:0,1:1,2:2"));
        p.k = 100;  // positive only: 0.0 and the negatives are never chosen
        QCOMPARE(selectNeurons(m, p, 3).size(), std::size_t(9));
        p.positiveOnly = false;
        QCOMPARE(selectNeurons(m, p, 3).size(), std::size_t(12));
        p.kind = PolicyKind::Threshold;
        p.threshold = 0.5;
        p.positiveOnly = true;
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("0:0,0:2,1:1,1:2,2:2"));
        p.kind = PolicyKind::Explicit;
        p.neurons = "2:3,0:1";
        QCOMPARE(selectNeurons(m, p, 3).format(), std::string("0:1,2:3"));
        // Layer rows other than 0..L-1, and a non-selectable neuron.
        at::Tensor sel = at::ones({2, 4}, at::kBool);
        sel[0][0] = false;
        const ScoreMatrix partial = ScoreMatrix::make({1, 3}, s.narrow(0, 0, 2), sel);
        p = PolicyParams{};
        p.kind = PolicyKind::LayerTopPercent;
        p.layer = 1;
        p.percent = 25.0;
        QCOMPARE(selectNeurons(partial, p, 4).format(), std::string("1:2"));  // row 0 is layer 1; 0 blocked
        p.layer = 2;
        QVERIFY(contains(invalidMessage([&] { selectNeurons(partial, p, 4); }), "layer 2 has no scores"));
    }

    void policyJsonRoundTrip() {
        PolicyParams p;
        p.kind = PolicyKind::PerLayerTopPercent;
        p.percent = 7.5;
        p.layers = {1, 2};
        p.positiveOnly = false;
        const PolicyParams q = PolicyParams::fromJson(p.toJson(), "cfg");
        QCOMPARE(q.toJson(), p.toJson());
        QVERIFY_THROWS_EXCEPTION(FormatError, PolicyParams::fromJson({{"policy", "layer_top_percent"}, {"prcent", 5}}, "cfg"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument,
                                 PolicyParams::fromJson({{"policy", "layer_top_percent"}, {"percent", 5}}, "cfg"));
        QVERIFY_THROWS_EXCEPTION(FormatError, PolicyParams::fromJson({{"policy", "top"}}, "cfg"));
    }

    void controlsKeepCountsPerLayer() {
        const PruneMask method = PruneMask::parse("1:0,1:1,1:2,3:7", 4, 16);
        const PruneMask r1 = randomLike(method, 11);
        QCOMPARE(r1.countsPerLayer(), method.countsPerLayer());
        QCOMPARE(randomLike(method, 11), r1);            // seeded
        QVERIFY(!(randomLike(method, 12) == r1));        // another seed, another draw (16 choose 3 * 16)
        at::Tensor mag = at::zeros({4, 16}, at::kDouble);
        mag[1][9] = 3.0;
        mag[1][4] = 2.0;
        mag[1][12] = 2.0;
        mag[3][0] = 1.0;
        const PruneMask m = magnitudeLike(method, mag);
        QCOMPARE(m.format(), std::string("1:4,1:9,1:12,3:0"));
        QVERIFY_THROWS_EXCEPTION(ShapeError, magnitudeLike(method, at::zeros({3, 16})));
    }

    void workspaceRoundTrip() {
        const std::string path = (prominence::test::tempDir() + QStringLiteral("/masks.prominence")).toStdString();
        auto w = workspace::Workspace::create(path);
        const PruneMask m = PruneMask::parse("0:3,1:2", 2, 8);
        const workspace::Id id = saveMask(w, "mine", m, {{"policy", "explicit"}});
        saveMask(w, "other", PruneMask::parse("1:1", 2, 8), {});
        const StoredMask back = loadMaskByRef(w, "mine");
        QCOMPARE(back.id, id);
        QCOMPARE(back.mask, m);
        QCOMPARE(back.provenance.at("policy").get<std::string>(), std::string("explicit"));
        QCOMPARE(loadMaskByRef(w, std::to_string(id)).mask, m);
        QVERIFY_THROWS_EXCEPTION(StorageError, findMask(w, "missing"));

        workspace::RunStart start;
        start.kind = "attribution";
        start.name = "scores";
        const workspace::Id run = w.beginRun(start);
        workspace::NeuronScores s;
        s.runId = run;
        s.dataset = "arc";
        s.kind = "contrast_piqa";
        s.layers = 2;
        s.neurons = 3;
        s.scores = {0.1f, 0.9f, 0.2f, 0.5f, 0.0f, 0.7f};
        s.params = {{"layers", {1, 3}}};
        w.saveNeuronScores(s);
        s.kind = "mean_ig";
        w.saveNeuronScores(s);
        w.finishRun(run);
        const ScoreMatrix matrix = scoreMatrixOf(findScores(w, run, ""));  // the contrast one
        QCOMPARE(matrix.layers, (std::vector<int>{1, 3}));
        QCOMPARE(matrix.scores[1][2].item<double>(), double(0.7f));
        QVERIFY(contains(invalidMessage([&] { findScores(w, run, "freq"); }), "contrast_piqa"));
    }
};

QTEST_GUILESS_MAIN(TestPruneMask)
#include "test_prune_mask.moc"
