// Activation mask and weight surgery give identical logits on every fixture architecture, and
// surgery really removes the neurons (their weights are zero, logits change).
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"
#include "core/prune/surgery.h"

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::prune;

namespace {

// A few neurons in every layer, spread over the range (first, last and some in between).
PruneMask spreadMask(const Model& m) {
    PruneMask mask = PruneMask::forModel(m);
    const std::int64_t I = m.intermediateSize();
    for (int l = 0; l < m.numLayers(); ++l)
        for (std::int64_t n : {std::int64_t(0), I / 3 + l, I / 2, I - 1}) mask.add({l, n});
    return mask;
}

ForwardInput batch(const Model& m) {
    at::manual_seed(1234);
    ForwardInput in;
    in.inputIds = at::randint(0, m.vocabSize(), {2, 9}, at::kLong);  // [B, T]
    return in;
}

}  // namespace

class TestSurgery : public QObject {
    Q_OBJECT

private slots:
    void activationMaskEqualsSurgery_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* name : {"gpt2-tiny", "llama-tiny", "qwen2-tiny", "gpt_neox-tiny", "mistral-tiny", "llama-tiny-bf16",
                                 "stories260K-hf"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void activationMaskEqualsSurgery() {
        QFETCH(QString, fixture);
        const QString rel = QStringLiteral("fixtures/models/") + fixture;
        const QString dir = prominence::test::sharedPath(rel);
        if (dir.isEmpty()) QSKIP(qPrintable(QStringLiteral("fixture %1 not found").arg(rel)));
        at::NoGradGuard noGrad;

        auto masked = Model::load(dir.toStdString());
        const PruneMask mask = spreadMask(*masked);
        const ForwardInput in = batch(*masked);
        const NeuronMask nm = mask.toNeuronMask();
        ForwardOptions withMask;
        withMask.neuronMask = &nm;
        withMask.returnSites = true;
        const ForwardOutput a = masked->forward(in, withMask);
        const at::Tensor plain = masked->forward(in).logits;

        auto cut = Model::load(dir.toStdString());
        QVERIFY(maxPrunedMagnitude(*cut, mask) > 0.0);
        applyWeightSurgery(*cut, mask);
        QCOMPARE(maxPrunedMagnitude(*cut, mask), 0.0);
        ForwardOptions sites;
        sites.returnSites = true;
        const ForwardOutput b = cut->forward(in, sites);

        const double diff = (a.logits - b.logits).abs().max().item<double>();
        QVERIFY2(at::equal(a.logits, b.logits), qPrintable(QStringLiteral("max |diff| %1").arg(diff)));
        for (int l = 0; l < cut->numLayers(); ++l) {
            QVERIFY(at::equal(a.sites[l], b.sites[l]));
            const at::Tensor pruned = b.sites[l].index_select(2, at::tensor(mask.neuronsOf(l), at::kLong));
            QCOMPARE(pruned.abs().max().item<double>(), 0.0);  // f(0) = 0 at the removed neurons
        }
        QVERIFY2((plain - b.logits).abs().max().item<double>() > 1e-6, "pruning changed nothing");
        // The mask on top of surgery changes nothing more.
        ForwardOptions both;
        both.neuronMask = &nm;
        QVERIFY(at::equal(cut->forward(in, both).logits, b.logits));
    }

    void surgeryTouchesOnlyPrunedSlices() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto orig = Model::load(dir.toStdString());
        auto cut = Model::load(dir.toStdString());
        const PruneMask mask = PruneMask::parse("1:5,1:100,2:0", cut->numLayers(), cut->intermediateSize());
        applyWeightSurgery(*cut, mask);
        const auto before = orig->namedParameters();
        const auto after = cut->namedParameters();
        QCOMPARE(before.size(), after.size());
        int changed = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
            QCOMPARE(after[i].name, before[i].name);
            QCOMPARE(after[i].tensor.sizes(), before[i].tensor.sizes());
            if (at::equal(before[i].tensor, after[i].tensor)) continue;
            ++changed;
            const at::Tensor delta = (before[i].tensor - after[i].tensor).ne(0);
            const std::string& n = after[i].name;
            // gate/up rows and down columns only.
            const bool down = n.find("down_proj") != std::string::npos;
            QVERIFY2(n.find("mlp") != std::string::npos, n.c_str());
            const at::Tensor perNeuron = down ? delta.any(0) : delta.any(1);
            const int layer = n.find("layers.1.") != std::string::npos ? 1 : 2;
            const at::Tensor expected = at::zeros({cut->intermediateSize()}, at::kBool);
            for (std::int64_t k : mask.neuronsOf(layer)) expected[k] = true;
            QVERIFY2(at::equal(perNeuron, expected), n.c_str());
        }
        QCOMPARE(changed, 6);  // gate, up, down of layers 1 and 2
    }

    void maskMustFitTheModel() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        auto m = Model::load(dir.toStdString());
        QVERIFY_THROWS_EXCEPTION(ShapeError, applyWeightSurgery(*m, PruneMask(3, 256)));
        QVERIFY_THROWS_EXCEPTION(ShapeError, applyWeightSurgery(*m, PruneMask(2, 255)));
    }
};

QTEST_GUILESS_MAIN(TestSurgery)
#include "test_surgery.moc"
