// Runs over a selection: every item yielded once, cancellation keeps finished items, resume skips
// them and gives the same numbers; the mean-activation baseline; aggregation of a run's items.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/aggregate.h"
#include "core/attribution/baseline.h"
#include "core/attribution/run.h"
#include "core/common/error.h"
#include "core/model/model.h"

#include <map>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::attribution;

namespace {

std::vector<AttributionItem> items() {
    const std::vector<std::int64_t> seq = {799, 948, 139, 580, 143, 581, 117, 112, 207, 419, 504, 812};
    std::vector<AttributionItem> out;
    for (int i = 0; i < 4; ++i) {
        AttributionItem item;
        item.id = 100 + i;
        item.inputIds.assign(seq.begin() + i, seq.end());
        item.target = 501 - i;
        out.push_back(item);
    }
    out[2].position = 4;
    return out;
}

AttributionParams smallParams() {
    AttributionParams p;
    p.ig.steps = 8;
    return p;
}

}  // namespace

class TestAttributionRun : public QObject {
    Q_OBJECT

    std::unique_ptr<Model> model_;

private slots:
    void initTestCase() {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (!dir.isEmpty()) model_ = Model::load(dir.toStdString());
    }

    void cancelKeepsFinishedItemsAndResumeCompletes() {
        if (!model_) QSKIP("llama-tiny fixture not found: set PROMINENCE_SHARED to the shared/ folder");
        const auto selection = items();
        std::map<std::int64_t, at::Tensor> reference;
        Progress quiet;
        const RunSummary full = attributeItems(*model_, selection, smallParams(), {}, {},
                                               [&](const ItemAttribution& r) { reference[r.id] = r.matrix(); }, quiet);
        QCOMPARE(full.finished, std::int64_t(4));
        QCOMPARE(reference.size(), size_t(4));

        // Stop once two items are done: the sink has both, the third never started.
        std::map<std::int64_t, at::Tensor> stored;
        std::vector<std::int64_t> reports;
        Progress stopAfterTwo([&](const std::string&, std::int64_t done, std::int64_t) {
            reports.push_back(done);
            return done < 2;
        });
        QVERIFY_THROWS_EXCEPTION(Cancelled, attributeItems(*model_, selection, smallParams(), {}, {},
                                                           [&](const ItemAttribution& r) { stored[r.id] = r.matrix(); },
                                                           stopAfterTwo));
        QCOMPARE(stored.size(), size_t(2));
        QVERIFY(stored.count(100) && stored.count(101));
        QCOMPARE(reports, (std::vector<std::int64_t>{0, 1, 2}));

        std::set<std::int64_t> done;
        for (const auto& [id, m] : stored) done.insert(id);
        const RunSummary rest = attributeItems(*model_, selection, smallParams(), {}, done,
                                               [&](const ItemAttribution& r) {
                                                   QVERIFY(!stored.count(r.id));
                                                   stored[r.id] = r.matrix();
                                               },
                                               quiet);
        QCOMPARE(rest.skipped, std::int64_t(2));
        QCOMPARE(rest.finished, std::int64_t(2));
        for (const auto& [id, m] : reference) QVERIFY(at::equal(stored.at(id), m));
    }

    void duplicateIdsAreRefused() {
        if (!model_) QSKIP("llama-tiny fixture not found");
        auto selection = items();
        selection[3].id = selection[0].id;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItems(*model_, selection, smallParams(), {}, {},
                                                                 [](const ItemAttribution&) {}, Progress::none()));
    }

    // The mean baseline over the selection: IG then explains F(x) - F(mean), and aggregation of the
    // run's items gives [layers, neurons] matrices whose top items point back at real items.
    void meanBaselineAndAggregation() {
        if (!model_) QSKIP("llama-tiny fixture not found");
        const auto selection = items();
        const std::vector<at::Tensor> mean = meanSiteActivations(*model_, selection, PositionMode::Last);
        QCOMPARE(mean.size(), size_t(3));
        QCOMPARE(mean[1].sizes(), (at::IntArrayRef{176}));
        AttributionParams p = smallParams();
        p.baseline = BaselineKind::Mean;
        p.baselineSource = "mean over the 4 test items at the prediction position";
        p.layers = {1, 2};
        ScoreAccumulator acc(p.resolvedLayers(model_->numLayers()), model_->intermediateSize());
        const RunSummary s = attributeItems(*model_, selection, p, mean, {},
                                            [&](const ItemAttribution& r) {
                                                for (const LayerAttribution& la : r.layers)
                                                    QVERIFY(std::abs(la.delta) <= 1e-3 * std::max(1.0, std::abs(la.fInput - la.fBaseline)));
                                                acc.add(r.id, r.matrix());
                                            },
                                            Progress::none());
        QCOMPARE(s.finished, std::int64_t(4));
        const NeuronScores scores = acc.result();
        QCOMPARE(scores.meanIg.sizes(), (at::IntArrayRef{2, 176}));
        const auto top = scores.topItemsFor(2, 0);
        QCOMPARE(top.size(), size_t(4));
        for (const auto& [id, value] : top) QVERIFY(id >= 100 && id < 104);
        QCOMPARE(p.toJson().at("baseline").get<std::string>(), std::string("mean"));
        QCOMPARE(AttributionParams::fromJson(p.toJson()).toJson(), p.toJson());
    }
};

QTEST_GUILESS_MAIN(TestAttributionRun)
#include "test_attribution_run.moc"
