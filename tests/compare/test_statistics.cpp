// Comparison statistics against values computed by hand (and cross-checked with scipy/statsmodels).
#include <QtTest>

#include <cmath>
#include <random>

#include "core/common/error.h"
#include "core/compare/statistics.h"

using namespace prominence;

class TestStatistics : public QObject {
    Q_OBJECT
private slots:
    void mcnemarExactAndChiSquare() {
        // 10 items only A got right, 2 only B: exact p = 2 * (C(12,0)+C(12,1)+C(12,2)) / 2^12 = 158/4096.
        const McNemarResult r = mcnemarFromCounts(10, 2);
        QCOMPARE(r.exactP, 158.0 / 4096.0);
        QVERIFY(std::fabs(r.chi2 - 49.0 / 12.0) < 1e-12);       // (|10-2|-1)^2 / 12
        QVERIFY(std::fabs(r.chi2P - 0.04330814281079198) < 1e-12);  // chi2.sf(49/12, 1)
    }

    void mcnemarSymmetricIsOne() {
        QCOMPARE(mcnemarFromCounts(5, 5).exactP, 1.0);
        QCOMPARE(mcnemarFromCounts(0, 0).exactP, 1.0);
        QCOMPARE(mcnemarFromCounts(7, 3).exactP, mcnemarFromCounts(3, 7).exactP);
    }

    void mcnemarCountsPairsAcrossSeeds() {
        const std::vector<std::vector<std::uint8_t>> a = {{1, 1, 0, 1}, {1, 0, 0, 1}};
        const std::vector<std::vector<std::uint8_t>> b = {{1, 0, 1, 0}, {0, 0, 0, 1}};
        const McNemarResult r = mcnemar(a, b);
        QCOMPARE(r.onlyA, std::int64_t(3));
        QCOMPARE(r.onlyB, std::int64_t(1));
        QCOMPARE(r.exactP, 2.0 * (1.0 + 4.0) / 16.0);
        QVERIFY_THROWS_EXCEPTION(ShapeError, mcnemar(a, {{1, 0, 1, 0}}));
    }

    void quantileMatchesNumpyType7() {
        QCOMPARE(quantile({4, 1, 3, 2}, 0.25), 1.75);
        QCOMPARE(quantile({4, 1, 3, 2}, 0.5), 2.5);
        QCOMPARE(quantile({4, 1, 3, 2}, 1.0), 4.0);
        QCOMPARE(quantile({7}, 0.3), 7.0);
    }

    void meanAndSampleSd() {
        QVERIFY(std::fabs(sampleStdDev({0.5, 0.6, 0.7}) - 0.1) < 1e-12);
        QCOMPARE(sampleStdDev({0.4}), 0.0);
        QVERIFY(std::fabs(mean({0.5, 0.6, 0.7}) - 0.6) < 1e-12);
    }

    void bootstrapMatchesExactDistribution() {
        // Mean of 3 draws from {0,1,1}: P(0) = 1/27 > 2.5 %, P(1) = 8/27 > 2.5 %, so the 95 % percentile
        // interval of the exact bootstrap distribution is [0, 1]; 4000 resamples resolve it exactly.
        const Interval ci = bootstrapMeanInterval({0, 1, 1}, {4000, 0.95, 7});
        QCOMPARE(ci.low, 0.0);
        QCOMPARE(ci.high, 1.0);
        const Interval flat = bootstrapMeanInterval({1, 1, 1, 1}, {500, 0.95, 1});
        QCOMPARE(flat.low, 1.0);
        QCOMPARE(flat.high, 1.0);
    }

    void bootstrapIsDeterministicAndCalibrated() {
        std::vector<double> v;
        for (int i = 0; i < 200; ++i) v.push_back(i % 10 < 7 ? 1.0 : 0.0);  // accuracy 0.7
        const Interval a = bootstrapMeanInterval(v, {2000, 0.95, 42});
        const Interval b = bootstrapMeanInterval(v, {2000, 0.95, 42});
        QCOMPARE(a.low, b.low);
        QCOMPARE(a.high, b.high);
        QVERIFY(a.low < 0.7 && a.high > 0.7);
        // Normal approximation: half-width 1.96 * sqrt(0.21 / 200) = 0.0635.
        const double half = (a.high - a.low) / 2.0;
        QVERIFY2(std::fabs(half - 0.0635) < 0.01, qPrintable(QString::number(half)));
    }

    void cellSummary() {
        const CellSummary c = summarizeCell({{1, 1, 0, 0}, {1, 0, 0, 0}}, {1000, 0.95, 3});
        QCOMPARE(c.seeds, 2);
        QCOMPARE(c.items, 4);
        QCOMPARE(c.mean, 0.375);
        QVERIFY(std::fabs(c.sd - std::sqrt(0.03125)) < 1e-12);
        QVERIFY(c.ci.low <= c.mean && c.mean <= c.ci.high);
        QVERIFY_THROWS_EXCEPTION(ShapeError, summarizeCell({{1, 1}, {1}}, {}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, summarizeCell({{1}}, {0, 0.95, 0}));
    }

    void uniformBelowIsUnbiasedOnSmallRange() {
        std::mt19937_64 rng(5);
        auto next = [](void* s) { return (*static_cast<std::mt19937_64*>(s))(); };
        int counts[3] = {0, 0, 0};
        for (int i = 0; i < 30000; ++i) ++counts[uniformBelow(3, next, &rng)];
        for (int c : counts) QVERIFY(std::abs(c - 10000) < 400);
    }
};

QTEST_GUILESS_MAIN(TestStatistics)
#include "test_statistics.moc"
