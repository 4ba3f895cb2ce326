// Dataset-specific scores: each contrast method on hand-made matrices with known answers.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/contrast.h"
#include "core/common/error.h"

#include <QtTest>

using namespace prominence;
using namespace prominence::attribution;

namespace {

NeuronScores scores(std::vector<int> layers, const at::Tensor& meanIg) {
    NeuronScores s;
    s.layers = std::move(layers);
    s.items = 1;
    s.meanIg = meanIg.to(at::kDouble);
    s.meanAbsIg = s.meanIg.abs();
    s.frequency = (s.meanIg > 0).to(at::kDouble);
    s.count = (s.meanIg > 0).to(at::kLong);
    return s;
}

}  // namespace

class TestContrast : public QObject {
    Q_OBJECT

private slots:
    void normalisedDifferenceUsesStrongestReference() {
        // In-domain max 4 over selectable layers; references max 2 and 10.
        const NeuronScores in = scores({0, 1}, at::tensor({4.0, 2.0, 0.0, -4.0}).view({2, 2}));
        const NeuronScores refA = scores({0, 1}, at::tensor({2.0, 0.0, 1.0, 0.0}).view({2, 2}));
        const NeuronScores refB = scores({0, 1}, at::tensor({0.0, 10.0, 0.0, 5.0}).view({2, 2}));
        const ContrastResult r = contrast(in, {&refA, &refB}, ContrastParams{});
        // norm(in) = [1, .5, 0, -1]; norm(A) = [1, 0, .5, 0]; norm(B) = [0, 1, 0, .5]; max = [1, 1, .5, .5]
        QVERIFY(at::allclose(r.score, at::tensor({0.0, -0.5, -0.5, -1.5}, at::kDouble).view({2, 2})));
        QVERIFY(topNeurons(r, 5).empty());
    }

    void excludedLayersAreNotSelectedNorNormalisedOver() {
        // Layer 0 is huge (the constant-bias effect); excluding it must rescale the rest.
        const NeuronScores in = scores({0, 1}, at::tensor({100.0, 100.0, 2.0, 1.0}).view({2, 2}));
        const NeuronScores ref = scores({0, 1}, at::tensor({1.0, 1.0, 0.0, 1.0}).view({2, 2}));
        ContrastParams p;
        p.excludeLayers = {0};
        const ContrastResult r = contrast(in, {&ref}, p);
        QVERIFY(at::allclose(r.score, at::tensor({0.0, 0.0, 1.0, -0.5}, at::kDouble).view({2, 2})));
        QVERIFY(!r.selectable[0].any().item<bool>());
        const auto top = topNeurons(r, 3);
        QCOMPARE(top.size(), size_t(1));
        QCOMPARE(top[0], (std::pair<int, int64_t>{1, 0}));
        p.excludeLayers = {0, 1};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, contrast(in, {&ref}, p));
    }

    void smoothedRatio() {
        const NeuronScores in = scores({2}, at::tensor({2.0, 1.0, -1.0}).view({1, 3}));
        const NeuronScores ref = scores({2}, at::tensor({4.0, 0.0, 2.0}).view({1, 3}));
        ContrastParams p;
        p.method = ContrastMethod::SmoothedRatio;
        p.ratioSmoothing = 0.1;
        const ContrastResult r = contrast(in, {&ref}, p);
        // norm(in) = [1, .5, -.5] -> clamp [1, .5, 0]; norm(ref) = [1, 0, .5]
        QVERIFY(at::allclose(r.score, at::tensor({1.1 / 1.1, 0.6 / 0.1, 0.1 / 0.6}, at::kDouble).view({1, 3})));
        QCOMPARE(topNeurons(r, 1)[0], (std::pair<int, int64_t>{2, 1}));
    }

    // Wei et al. 2024: top-q% of the in-domain set minus the top-p% of each reference.
    void topSetDifference() {
        // 10 neurons; top 30% in-domain = neurons 9, 8, 7; reference top 20% = neurons 8, 0.
        const NeuronScores in = scores({0}, at::arange(0.0, 10.0).view({1, 10}));
        at::Tensor refValues = at::zeros({1, 10});
        refValues[0][8] = 5.0;
        refValues[0][0] = 4.0;
        const NeuronScores ref = scores({0}, refValues);
        ContrastParams p;
        p.method = ContrastMethod::TopSetDifference;
        p.topPercentIn = 30;
        p.topPercentRef = 20;
        const ContrastResult r = contrast(in, {&ref}, p);
        const auto top = topNeurons(r, 10);
        QCOMPARE(top.size(), size_t(2));
        QCOMPARE(top[0], (std::pair<int, int64_t>{0, 9}));
        QCOMPARE(top[1], (std::pair<int, int64_t>{0, 7}));
        QCOMPARE(r.score[0][9].item<double>(), 1.0);
        QCOMPARE(r.score[0][8].item<double>(), 0.0);
    }

    void statisticChoosesTheMatrix() {
        const NeuronScores in = scores({0}, at::tensor({-3.0, 1.0}).view({1, 2}));
        const NeuronScores ref = scores({0}, at::tensor({0.0, 0.0}).view({1, 2}));
        ContrastParams p;
        p.statistic = ScoreStatistic::MeanAbsIg;
        QCOMPARE(topNeurons(contrast(in, {&ref}, p), 1)[0], (std::pair<int, int64_t>{0, 0}));
        p.statistic = ScoreStatistic::MeanIg;
        QCOMPARE(topNeurons(contrast(in, {&ref}, p), 1)[0], (std::pair<int, int64_t>{0, 1}));
    }

    void mismatchedInputsAreRejected() {
        const NeuronScores in = scores({0, 1}, at::zeros({2, 3}));
        const NeuronScores otherLayers = scores({0, 2}, at::zeros({2, 3}));
        const NeuronScores otherWidth = scores({0, 1}, at::zeros({2, 4}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, contrast(in, {&otherLayers}, ContrastParams{}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, contrast(in, {&otherWidth}, ContrastParams{}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, contrast(in, {}, ContrastParams{}));
        ContrastParams bad;
        bad.topPercentIn = 0;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, contrast(in, {&in}, bad));
    }

    void paramsRoundTripThroughJson() {
        ContrastParams p;
        p.method = ContrastMethod::TopSetDifference;
        p.statistic = ScoreStatistic::Frequency;
        p.topPercentIn = 2.5;
        p.excludeLayers = {0, 5};
        const ContrastParams q = ContrastParams::fromJson(p.toJson());
        QVERIFY(q.method == ContrastMethod::TopSetDifference);
        QVERIFY(q.statistic == ScoreStatistic::Frequency);
        QCOMPARE(q.topPercentIn, 2.5);
        QCOMPARE(q.excludeLayers, (std::vector<int>{0, 5}));
        try {
            ContrastParams::fromJson({{"method", "quotient"}});
            QFAIL("accepted 'quotient'");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("'quotient'") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestContrast)
#include "test_contrast.moc"
