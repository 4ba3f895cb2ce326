// Per-dataset neuron matrices from streamed item IG: means, Knowledge-Neurons counts, top items.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/aggregate.h"
#include "core/common/error.h"

#include <QtTest>

using namespace prominence;
using namespace prominence::attribution;

class TestAggregate : public QObject {
    Q_OBJECT

private slots:
    void meansCountsAndTopItems() {
        AggregateParams p;
        p.frequencyThreshold = 0.5;
        p.topItemsPerNeuron = 2;
        ScoreAccumulator acc({1, 3}, 3, p);
        // Item 10: max 4 -> neurons >= 2 count: (0,0)=4, (1,2)=2.
        acc.add(10, at::tensor({4.0, 1.0, -1.0, 0.0, 0.5, 2.0}, at::kDouble).view({2, 3}));
        // Item 20: max 1 -> >= 0.5 counts: (0,1)=1, (1,0)=0.5.
        acc.add(20, at::tensor({-2.0, 1.0, 0.25, 0.5, 0.0, 0.0}, at::kDouble).view({2, 3}));
        // Item 30: nothing positive -> no neuron counts.
        acc.add(30, at::tensor({-1.0, -1.0, -1.0, -1.0, -1.0, -1.0}, at::kDouble).view({2, 3}));
        const NeuronScores s = acc.result();
        QCOMPARE(s.items, std::int64_t(3));
        QVERIFY(at::allclose(s.meanIg, at::tensor({1.0 / 3, 1.0 / 3, -1.75 / 3, -0.5 / 3, -0.5 / 3, 1.0 / 3}, at::kDouble).view({2, 3})));
        QVERIFY(at::allclose(s.meanAbsIg, at::tensor({7.0 / 3, 3.0 / 3, 2.25 / 3, 1.5 / 3, 1.5 / 3, 3.0 / 3}, at::kDouble).view({2, 3})));
        QVERIFY(at::equal(s.count, at::tensor({1, 1, 0, 1, 0, 1}, at::kLong).view({2, 3})));
        QVERIFY(at::allclose(s.frequency, s.count.to(at::kDouble) / 3.0));

        const auto top = s.topItemsFor(1, 0);  // layer 1 = row 0, neuron 0: 4 (item 10), -1 (30), -2 (20)
        QCOMPARE(top.size(), size_t(2));
        QCOMPARE(top[0].first, std::int64_t(10));
        QCOMPARE(top[0].second, 4.0);
        QCOMPARE(top[1].first, std::int64_t(30));
        const auto top2 = s.topItemsFor(3, 2);  // 2 (10), 0 (20), -1 (30)
        QCOMPARE(top2[0].first, std::int64_t(10));
        QCOMPARE(top2[1].first, std::int64_t(20));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, s.topItemsFor(2, 0));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, s.topItemsFor(1, 3));
    }

    void fewerItemsThanTopSlots() {
        ScoreAccumulator acc({0}, 2);
        acc.add(5, at::tensor({1.0, 2.0}, at::kDouble).view({1, 2}));
        const auto top = acc.result().topItemsFor(0, 1);
        QCOMPARE(top.size(), size_t(1));
        QCOMPARE(top[0].first, std::int64_t(5));
    }

    void badInputIsRejected() {
        ScoreAccumulator acc({0, 1}, 4);
        QVERIFY_THROWS_EXCEPTION(ShapeError, acc.add(1, at::zeros({2, 5})));
        QVERIFY_THROWS_EXCEPTION(ShapeError, acc.add(1, at::zeros({8})));
        at::Tensor nan = at::zeros({2, 4});
        nan[1][2] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, acc.add(1, nan));
        QCOMPARE(acc.items(), std::int64_t(0));
        AggregateParams p;
        p.frequencyThreshold = 1.5;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ScoreAccumulator({0}, 4, p));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ScoreAccumulator({}, 4));
    }

    void paramsRoundTripThroughJson() {
        AggregateParams p;
        p.frequencyThreshold = 0.3;
        p.topItemsPerNeuron = 4;
        const AggregateParams q = AggregateParams::fromJson(p.toJson());
        QCOMPARE(q.frequencyThreshold, 0.3);
        QCOMPARE(q.topItemsPerNeuron, 4);
        QVERIFY_THROWS_EXCEPTION(FormatError, AggregateParams::fromJson({{"frequency_threshold", "high"}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, AggregateParams::fromJson({{"top_items_per_neuron", 0}}));
    }
};

QTEST_GUILESS_MAIN(TestAggregate)
#include "test_aggregate.moc"
