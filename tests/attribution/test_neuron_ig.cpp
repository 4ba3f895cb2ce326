// Neuron IG against Captum on the tiny fixtures (every layer, variant, rule and step count), and the
// optimised paths against the naive one.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/neuron_ig.h"
#include "core/common/error.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::attribution;

namespace {

struct Fixture {
    std::unique_ptr<Model> model;
    nlohmann::json json;
    std::shared_ptr<const SafetensorsFile> tensors;
    AttributionItem item;
};

Fixture loadFixture(const QString& dir) {
    Fixture f;
    f.model = Model::load(dir.toStdString());
    std::ifstream in((dir + QStringLiteral("/ig_reference.json")).toStdString());
    f.json = nlohmann::json::parse(in);
    f.tensors = SafetensorsFile::open((dir + QStringLiteral("/ig_reference.safetensors")).toStdString());
    f.item.id = 1;
    f.item.inputIds = f.json.at("input_ids").at(0).get<std::vector<std::int64_t>>();
    f.item.target = f.json.at("target_token").get<std::int64_t>();
    return f;
}

// max |a - b| / max |b|
double relativeError(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor bd = b.to(at::kDouble);
    return (a.to(at::kDouble) - bd).abs().max().item<double>() / bd.abs().max().item<double>();
}

AttributionParams paramsFor(PositionMode mode, IntegrationRule rule, int steps, IgPath path) {
    AttributionParams p;
    p.positions = mode;
    p.ig.rule = rule;
    p.ig.steps = steps;
    p.path = path;
    return p;
}

}  // namespace

class TestNeuronIg : public QObject {
    Q_OBJECT

    void reproduceCaptum(const char* relative) {
        const QString dir = prominence::test::sharedPath(QString::fromLatin1(relative));
        if (dir.isEmpty()) QSKIP("IG fixture not found: set PROMINENCE_SHARED to the shared/ folder");
        const Fixture f = loadFixture(dir);
        int compared = 0;
        double worst = 0, worstDelta = 0;
        for (PositionMode mode : {PositionMode::Last, PositionMode::All}) {
            const std::string variant = mode == PositionMode::Last ? "last_position" : "all_positions";
            for (IntegrationRule rule : {IntegrationRule::RiemannRight, IntegrationRule::GaussLegendre}) {
                for (int steps : {20, 50}) {
                    const std::string method = ruleName(rule) + "/n" + std::to_string(steps);
                    const ItemAttribution got = attributeItem(*f.model, f.item, paramsFor(mode, rule, steps, IgPath::Optimised));
                    QCOMPARE(static_cast<int>(got.layers.size()), f.model->numLayers());
                    for (const LayerAttribution& la : got.layers) {
                        const std::string name = "ig.layer" + std::to_string(la.layer) + "." + variant + "." + ruleName(rule) +
                                                 ".n" + std::to_string(steps) + ".float32";
                        const std::string where = std::string(relative) + " " + name;
                        const at::Tensor ref = f.tensors->tensor(mode == PositionMode::Last ? name : name + ".sum_over_positions");
                        const double err = relativeError(la.ig, ref);
                        worst = std::max(worst, err);
                        QVERIFY2(err <= 1e-4, qPrintable(QStringLiteral("%1: rel err %2").arg(QString::fromStdString(where)).arg(err)));
                        if (mode == PositionMode::All) {
                            const double full = relativeError(la.igByPosition, f.tensors->tensor(name));
                            QVERIFY2(full <= 1e-4, qPrintable(QStringLiteral("%1 [T, I]: rel err %2").arg(QString::fromStdString(where)).arg(full)));
                        }
                        const nlohmann::json& rec = f.json.at("layers").at("layer" + std::to_string(la.layer) + "/" + variant + "/float32");
                        const double fDiff = rec.at("f_x_minus_f_baseline").get<double>();
                        QVERIFY2(std::abs(la.fInput - rec.at("f_x").get<double>()) <= 1e-5 * std::abs(rec.at("f_x").get<double>()), where.c_str());
                        QVERIFY2(std::abs(la.fBaseline - rec.at("f_baseline").get<double>()) <= 1e-5 * std::abs(rec.at("f_baseline").get<double>()) + 1e-6,
                                 where.c_str());
                        // Captum's delta is float32 arithmetic: ~1e-7 noise on a difference of order 1.
                        const double refDelta = rec.at(method).at("convergence_delta").get<double>();
                        const double deltaErr = std::abs(la.delta - refDelta) / std::abs(fDiff);
                        worstDelta = std::max(worstDelta, deltaErr);
                        QVERIFY2(deltaErr <= 1e-4, qPrintable(QStringLiteral("%1: delta %2 vs Captum %3").arg(QString::fromStdString(where))
                                                                    .arg(la.delta).arg(refDelta)));
                        ++compared;
                    }
                }
            }
        }
        qInfo("%s: %d (layer, variant, rule, steps) compared; worst IG error %.2e of the layer's max |IG|, worst delta error %.2e of |F(x)-F(x')|",
              relative, compared, worst, worstDelta);
        QCOMPARE(compared, 8 * f.model->numLayers());
    }

    void optimisedEqualsNaive(const AttributionItem& item, AttributionParams params, const char* what) {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (dir.isEmpty()) QSKIP("llama-tiny fixture not found");
        const auto model = Model::load(dir.toStdString());
        params.path = IgPath::Optimised;
        const ItemAttribution fast = attributeItem(*model, item, params);
        params.path = IgPath::Naive;
        const ItemAttribution naive = attributeItem(*model, item, params);
        for (size_t i = 0; i < fast.layers.size(); ++i) {
            const double err = relativeError(fast.layers[i].ig, naive.layers[i].ig);
            QVERIFY2(err <= 1e-5, qPrintable(QStringLiteral("%1 layer %2: rel err %3").arg(QString::fromLatin1(what)).arg(i).arg(err)));
            QVERIFY(std::abs(fast.layers[i].delta - naive.layers[i].delta) <= 1e-5 * std::max(1.0, std::abs(naive.layers[i].fInput)));
            QVERIFY(std::abs(fast.layers[i].fBaseline - naive.layers[i].fBaseline) <= 1e-5 * std::max(1.0, std::abs(naive.layers[i].fBaseline)));
        }
    }

    AttributionItem llamaItem() {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (dir.isEmpty()) return {};
        return loadFixture(dir).item;
    }

private slots:
    void gpt2MatchesCaptum() { reproduceCaptum("fixtures/models/gpt2-tiny"); }
    void llamaMatchesCaptum() { reproduceCaptum("fixtures/models/llama-tiny"); }

    void optimisedEqualsNaiveLastPosition() {
        optimisedEqualsNaive(llamaItem(), paramsFor(PositionMode::Last, IntegrationRule::GaussLegendre, 20, IgPath::Optimised), "last");
    }
    void optimisedEqualsNaiveAllPositions() {
        optimisedEqualsNaive(llamaItem(), paramsFor(PositionMode::All, IntegrationRule::GaussLegendre, 20, IgPath::Optimised), "all");
    }
    // An earlier prediction position, in chunks of 3 steps, on GPT-2's learned positions too.
    void optimisedEqualsNaiveEarlierPositionChunked() {
        AttributionItem item = llamaItem();
        item.position = 6;
        AttributionParams p = paramsFor(PositionMode::Last, IntegrationRule::RiemannMiddle, 10, IgPath::Optimised);
        p.ig.chunkSize = 3;
        optimisedEqualsNaive(item, p, "position 6, chunked");
        p.positions = PositionMode::All;
        optimisedEqualsNaive(item, p, "position 6, all, chunked");
        item.position = 0;  // no prefix: no cache
        p.positions = PositionMode::Last;
        optimisedEqualsNaive(item, p, "position 0");
    }
    void optimisedEqualsNaiveOtherObjectives() {
        AttributionItem item = llamaItem();
        item.optionTokens = {item.target, 17, 42, 99};
        AttributionParams p = paramsFor(PositionMode::Last, IntegrationRule::GaussLegendre, 20, IgPath::Optimised);
        p.objective = Objective::Margin;
        optimisedEqualsNaive(item, p, "margin");
        p.objective = Objective::Prob;
        p.positions = PositionMode::All;
        optimisedEqualsNaive(item, p, "prob, all");
    }

    // With the item's own activation as the "mean" baseline, the path has length zero.
    void meanBaselineAtTheInputGivesZero() {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (dir.isEmpty()) QSKIP("llama-tiny fixture not found");
        const Fixture f = loadFixture(dir);
        std::vector<at::Tensor> mean;
        for (int L = 0; L < f.model->numLayers(); ++L)
            mean.push_back(f.tensors->tensor("act.layer" + std::to_string(L) + ".last_position.float32"));
        AttributionParams p;
        p.baseline = BaselineKind::Mean;
        const ItemAttribution r = attributeItem(*f.model, f.item, p, mean);
        for (const LayerAttribution& la : r.layers) {
            QVERIFY(la.ig.abs().max().item<double>() < 1e-6);
            QVERIFY(std::abs(la.fInput - la.fBaseline) < 1e-5);
        }
        // A real mean baseline: optimised and naive still agree.
        for (at::Tensor& m : mean) m = m * 0.5 + 0.1;
        p.path = IgPath::Naive;
        const ItemAttribution naive = attributeItem(*f.model, f.item, p, mean);
        p.path = IgPath::Optimised;
        const ItemAttribution fast = attributeItem(*f.model, f.item, p, mean);
        for (size_t i = 0; i < fast.layers.size(); ++i) QVERIFY(relativeError(fast.layers[i].ig, naive.layers[i].ig) <= 1e-5);
        mean.pop_back();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItem(*f.model, f.item, p, mean));
    }

    // Gauss-Legendre at 50 steps on a smooth network: completeness holds, nothing is flagged.
    void residualsAreSmallAndRiemannIsFlagged() {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (dir.isEmpty()) QSKIP("llama-tiny fixture not found");
        const Fixture f = loadFixture(dir);
        AttributionParams p;
        p.ig.steps = 50;
        const ItemAttribution r = attributeItem(*f.model, f.item, p);
        QVERIFY(!r.flagged());
        QCOMPARE(r.matrix().sizes(), (at::IntArrayRef{3, 176}));
        QCOMPARE(r.deltas().size(0), int64_t(3));
        p.ig.rule = IntegrationRule::RiemannRight;
        p.ig.steps = 5;
        p.residualFlagThreshold = 0.01;
        QVERIFY(attributeItem(*f.model, f.item, p).flagged());
    }

    void badItemsAreRejected() {
        const QString dir = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (dir.isEmpty()) QSKIP("llama-tiny fixture not found");
        const Fixture f = loadFixture(dir);
        AttributionParams p;
        AttributionItem item = f.item;
        item.target = 1000;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItem(*f.model, item, p));
        item = f.item;
        item.position = 12;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItem(*f.model, item, p));
        item = f.item;
        item.inputIds.clear();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItem(*f.model, item, p));
        item = f.item;
        p.objective = Objective::Margin;
        item.optionTokens = {item.target};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, attributeItem(*f.model, item, p));
        p = AttributionParams{};
        p.layers = {3};
        try {
            attributeItem(*f.model, f.item, p);
            QFAIL("layer 3 of 3 accepted");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("layer 3") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestNeuronIg)
#include "test_neuron_ig.moc"
