// Per-item metrics and selection: acc_norm divides by characters (code points), acc_bytes by UTF-8
// bytes, margin and p(correct) come from the softmax over options.
#include <cmath>

#include "core/common/error.h"
#include "core/eval/item_metrics.h"
#include "core/eval/selection.h"

// Qt's `slots` macro must come after the LibTorch headers, which use the word.
#include <QtTest>

using namespace prominence;
using namespace prominence::eval;

class TestEvalMetrics : public QObject {
    Q_OBJECT

private slots:
    void accNormUsesCharacterLengths() {
        ItemScore s;
        s.scores = {-10.0, -12.0};
        s.golds = {1};
        fillItemMetrics(s, {"ab", "abcdefgh"}, true);
        QCOMPARE(s.pred, 0);
        QCOMPARE(*s.predNorm, 1);  // -5 per char vs -1.5 per char
        QVERIFY(!s.correct);
        QVERIFY(std::fabs(s.probs[0] - 1.0 / (1.0 + std::exp(-2.0))) < 1e-12);
        QVERIFY(std::fabs(s.margin - (s.probs[0] - s.probs[1])) < 1e-12);
        QVERIFY(std::fabs(s.pCorrect - s.probs[1]) < 1e-12);
    }

    void accBytesUsesUtf8Bytes() {
        ItemScore s;
        s.scores = {-4.0, -5.0};
        s.golds = {0};
        // "éé": 2 characters, 4 bytes; "abc": 3 characters, 3 bytes.
        fillItemMetrics(s, {"\xC3\xA9\xC3\xA9", "abc"}, true);
        QCOMPARE(*s.predNorm, 1);   // -2.0 vs -1.67 per character
        QCOMPARE(*s.predBytes, 0);  // -1.0 vs -1.67 per byte
        const EvalSummary sum = summarize({s}, Scoring::Loglik);
        QCOMPARE(sum.acc, 1.0);
        QCOMPARE(*sum.accNorm, 0.0);
        QCOMPARE(*sum.accBytes, 1.0);
        QVERIFY(!sum.mc2);
    }

    void mc2IsTrueAnswerMass() {
        ItemScore s;
        s.scores = {std::log(0.2), std::log(0.3), std::log(0.5)};
        s.golds = {0, 1};
        fillItemMetrics(s, {"a", "b", "c"}, true);
        QVERIFY(std::fabs(s.pCorrect - 0.5) < 1e-12);
        QCOMPARE(s.pred, 2);
        QVERIFY(!s.correct);
        const EvalSummary sum = summarize({s}, Scoring::Loglik);
        QVERIFY(std::fabs(*sum.mc2 - 0.5) < 1e-12);
    }

    void letterSummaryHasNoAccNorm() {
        ItemScore s;
        s.scores = {-1.0, -3.0};
        s.golds = {0};
        fillItemMetrics(s, {"A", "B"}, false);
        QVERIFY(!s.predNorm);
        const EvalSummary sum = summarize({s}, Scoring::Letter);
        QVERIFY(!sum.accNorm);
        QCOMPARE(sum.acc, 1.0);
    }

    void selectionByThresholdAndTopK() {
        std::vector<ItemScore> items(5);
        const double p[] = {0.95, 0.5, 0.99, 0.91, 0.97};
        const bool ok[] = {true, true, true, true, false};
        for (int i = 0; i < 5; ++i) {
            items[static_cast<std::size_t>(i)].index = i;
            items[static_cast<std::size_t>(i)].pCorrect = p[i];
            items[static_cast<std::size_t>(i)].correct = ok[i];
        }
        SelectionCriteria t;
        t.threshold = 0.9;
        QCOMPARE(selectHighConfidence(items, t), (std::vector<std::int64_t>{2, 0, 3}));
        SelectionCriteria k;
        k.topK = 2;
        QCOMPARE(selectHighConfidence(items, k), (std::vector<std::int64_t>{2, 0}));
        SelectionCriteria both = t;
        both.topK = 1;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, selectHighConfidence(items, both));
        SelectionCriteria bad;
        bad.threshold = 1.5;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, selectHighConfidence(items, bad));
    }
};

QTEST_GUILESS_MAIN(TestEvalMetrics)
#include "test_eval_metrics.moc"
