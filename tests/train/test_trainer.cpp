// The trainer on fixture models: pruned neurons stay exactly zero through training, the activation
// mask then changes nothing, accumulation equals a bigger batch, a seed reproduces a run bit for bit,
// early stopping restores the best weights, checkpoints reload.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/system/runtime.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"
#include "core/prune/surgery.h"
#include "core/train/trainer.h"

#include <filesystem>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::train;

namespace {

// Seeded random token sequences of varied lengths (so batches get padded).
std::vector<TrainExample> randomLmExamples(std::int64_t vocab, int count, std::uint64_t seed) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    std::vector<TrainExample> out;
    for (int i = 0; i < count; ++i) {
        const std::int64_t T = 5 + (i * 3) % 7;
        const at::Tensor ids = at::randint(vocab, {T}, gen, at::kLong);
        out.push_back(languageModelExample(std::vector<std::int64_t>(ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + T)));
    }
    return out;
}

ForwardInput probe(std::int64_t vocab) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(99);
    ForwardInput in;
    in.inputIds = at::randint(vocab, {2, 8}, gen, at::kLong);
    return in;
}

bool sameWeights(const Model& a, const Model& b) {
    const auto pa = a.namedParameters(), pb = b.namedParameters();
    for (std::size_t i = 0; i < pa.size(); ++i)
        if (!at::equal(pa[i].tensor, pb[i].tensor)) return false;
    return true;
}

double maxWeightDiff(const Model& a, const Model& b) {
    double d = 0;
    const auto pa = a.namedParameters(), pb = b.namedParameters();
    for (std::size_t i = 0; i < pa.size(); ++i) d = std::max(d, (pa[i].tensor - pb[i].tensor).abs().max().item<double>());
    return d;
}

TrainOptions quickOptions() {
    TrainOptions o;
    o.adamw.lr = 5e-3;
    o.adamw.weightDecay = 0.1;
    o.schedule = ScheduleKind::Cosine;
    o.warmupSteps = 2;
    o.epochs = 3;
    o.batchSize = 4;
    o.seed = 7;
    return o;
}

}  // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private slots:
    // The measured defaults (one BLAS thread on small cores): oversubscribed OpenBLAS threads spin.
    void initTestCase() { applyThreadSettings({}); }

    void prunedNeuronsStayZeroThroughTraining_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* name : {"llama-tiny", "gpt2-tiny", "gpt_neox-tiny", "qwen2-tiny"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void prunedNeuronsStayZeroThroughTraining() {
        QFETCH(QString, fixture);
        const QString rel = QStringLiteral("fixtures/models/") + fixture;
        const QString dir = prominence::test::sharedPath(rel);
        if (dir.isEmpty()) QSKIP(qPrintable(QStringLiteral("fixture %1 not found").arg(rel)));
        auto model = Model::load(dir.toStdString());
        auto original = Model::load(dir.toStdString());
        const std::int64_t I = model->intermediateSize();
        const prune::PruneMask mask =
            prune::PruneMask::fromNeurons(model->numLayers(), I, {{0, 1}, {0, I - 1}, {1, 7}, {1, 8}, {1, I / 2}});
        const auto examples = randomLmExamples(model->vocabSize(), 12, 3);
        TrainOptions o = quickOptions();
        o.hold = &mask;
        int stepsChecked = 0;
        o.onStep = [&](const StepRecord& r) {
            QCOMPARE(prune::maxPrunedMagnitude(*model, mask), 0.0);
            QVERIFY(std::isfinite(r.loss));
            ++stepsChecked;
        };
        const double before = meanLoss(*model, examples, 4, 0);
        const TrainResult result = train::train(*model, examples, {}, o);
        QCOMPARE(result.steps, std::int64_t(9));  // 3 epochs x ceil(12 / 4)
        QCOMPARE(stepsChecked, 9);
        QCOMPARE(prune::maxPrunedMagnitude(*model, mask), 0.0);
        QVERIFY(maxWeightDiff(*model, *original) > 1e-3);  // it trained

        // After training, the activation mask changes nothing: the neurons are gone from the weights.
        at::NoGradGuard noGrad;
        const NeuronMask nm = mask.toNeuronMask();
        ForwardOptions withMask;
        withMask.neuronMask = &nm;
        const ForwardInput in = probe(model->vocabSize());
        QVERIFY(at::equal(model->forward(in, withMask).logits, model->forward(in).logits));
        const double after = meanLoss(*model, examples, 4, 0, &nm);
        QVERIFY2(after < before, qPrintable(QStringLiteral("loss %1 -> %2").arg(before).arg(after)));
        for (const auto& p : model->namedParameters()) QVERIFY(!p.tensor.requires_grad());
    }

    void seedReproducesBitForBit() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto a = Model::load(dir.toStdString());
        auto b = Model::load(dir.toStdString());
        auto c = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(a->vocabSize(), 10, 5);
        TrainOptions o = quickOptions();
        const TrainResult ra = train::train(*a, examples, {}, o);
        const TrainResult rb = train::train(*b, examples, {}, o);
        QVERIFY(sameWeights(*a, *b));
        QCOMPARE(ra.history.back().loss, rb.history.back().loss);
        o.seed = 8;  // another shuffle order
        train::train(*c, examples, {}, o);
        QVERIFY(!sameWeights(*a, *c));
    }

    void accumulationEqualsBiggerBatch() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        auto a = Model::load(dir.toStdString());
        auto b = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(a->vocabSize(), 8, 11);
        TrainOptions o = quickOptions();
        o.epochs = 1;
        o.warmupSteps = 0;
        // Adam's first step is ~lr * sign(g): float noise in a near-zero gradient would flip it. With a
        // large eps the update is ~lr * g, so equal gradients show as equal weights.
        o.adamw.eps = 1.0;
        o.batchSize = 8;
        const TrainResult ra = train::train(*a, examples, {}, o);
        o.batchSize = 2;
        o.gradAccumulation = 4;
        const TrainResult rb = train::train(*b, examples, {}, o);
        QCOMPARE(ra.steps, std::int64_t(1));
        QCOMPARE(rb.steps, std::int64_t(1));
        QVERIFY(std::fabs(ra.history[0].loss - rb.history[0].loss) < 1e-6);
        QVERIFY(std::fabs(ra.history[0].gradNorm - rb.history[0].gradNorm) < 1e-5);
        QVERIFY2(maxWeightDiff(*a, *b) < 1e-7, qPrintable(QString::number(maxWeightDiff(*a, *b))));
    }

    // Data-parallel shards: one step's gradient equals the sequential one (float order aside), a run is
    // bit-reproducible for a worker count, and held neurons stay exactly zero.
    void workersEqualSequentialAndReproduce() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto a = Model::load(dir.toStdString());
        auto b = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(a->vocabSize(), 9, 13);
        TrainOptions o = quickOptions();
        o.epochs = 1;
        o.warmupSteps = 0;
        o.adamw.eps = 1.0;  // update ~ lr * g (see accumulationEqualsBiggerBatch)
        o.batchSize = 9;
        o.gradAccumulation = 1;
        const TrainResult ra = train::train(*a, examples, {}, o);
        o.workers = 3;
        const TrainResult rb = train::train(*b, examples, {}, o);
        QCOMPARE(rb.steps, std::int64_t(1));
        QVERIFY(std::fabs(ra.history[0].loss - rb.history[0].loss) < 1e-6);
        QVERIFY(std::fabs(ra.history[0].gradNorm - rb.history[0].gradNorm) < 1e-5);
        // A few float32 ulps of weights near 1 (norm weights): the shards sum in another order.
        QVERIFY2(maxWeightDiff(*a, *b) < 5e-7, qPrintable(QString::number(maxWeightDiff(*a, *b))));

        // Several steps with accumulation and a held mask: identical twice, pruned weights exactly 0.
        auto c = Model::load(dir.toStdString());
        auto d = Model::load(dir.toStdString());
        const std::int64_t I = c->intermediateSize();
        const prune::PruneMask mask = prune::PruneMask::fromNeurons(c->numLayers(), I, {{0, 2}, {1, 5}, {1, I - 1}});
        TrainOptions p = quickOptions();
        p.workers = 2;
        p.gradAccumulation = 2;
        p.batchSize = 3;
        p.hold = &mask;
        p.onStep = [&](const StepRecord&) { QCOMPARE(prune::maxPrunedMagnitude(*c, mask), 0.0); };
        const TrainResult rc = train::train(*c, examples, {}, p);
        p.onStep = nullptr;
        const TrainResult rd = train::train(*d, examples, {}, p);
        QVERIFY(sameWeights(*c, *d));
        QCOMPARE(rc.history.back().loss, rd.history.back().loss);
        QCOMPARE(prune::maxPrunedMagnitude(*d, mask), 0.0);
        QVERIFY(TrainOptions::fromJson(p.toJson(), "test").workers == 2);
    }

    // Only the parameters named by the prefixes change; a prefix matching nothing is refused.
    void trainablePrefixesFreezeTheRest() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto model = Model::load(dir.toStdString());
        auto original = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(model->vocabSize(), 8, 21);
        TrainOptions o = quickOptions();
        o.trainablePrefixes = {"model.layers.1.mlp.", "model.layers.0.self_attn."};
        train::train(*model, examples, {}, o);
        const auto after = model->namedParameters(), before = original->namedParameters();
        int changed = 0;
        for (std::size_t i = 0; i < after.size(); ++i) {
            const bool named = after[i].name.rfind("model.layers.1.mlp.", 0) == 0 || after[i].name.rfind("model.layers.0.self_attn.", 0) == 0;
            const bool same = at::equal(after[i].tensor, before[i].tensor);
            QVERIFY2(named != same, after[i].name.c_str());
            changed += !same;
        }
        QVERIFY(changed >= 5);  // gate, up, down + q, k, v, o
        o.trainablePrefixes = {"no.such."};
        QVERIFY_EXCEPTION_THROWN(train::train(*model, examples, {}, o), InvalidArgument);
        QCOMPARE(TrainOptions::fromJson(TrainOptions{}.toJson(), "t").trainablePrefixes.size(), std::size_t(0));
    }

    // Only the chosen neurons' MLP entries train (weight decay included); every other neuron's entries
    // keep their values bit for bit, while non-MLP parameters still follow the prefixes.
    void trainableNeuronsFreezeEveryOtherNeuron() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto model = Model::load(dir.toStdString());
        auto original = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(model->vocabSize(), 8, 23);
        TrainOptions o = quickOptions();  // weight decay 0.1: a decayed frozen entry would show
        const prune::PruneMask chosen = prune::PruneMask::parse("0:1,0:5,1:2", model->numLayers(), model->intermediateSize());
        o.trainableNeurons = chosen;
        o.trainablePrefixes = {"model.layers.0.mlp.", "model.layers.1.mlp.", "model.layers.0.self_attn."};
        train::train(*model, examples, {}, o);
        int trainedEntries = 0;
        for (int layer = 0; layer < model->numLayers(); ++layer) {
            const MlpWeights a = model->mlp(layer), b = original->mlp(layer);
            const std::vector<std::pair<const NeuronWeight*, const NeuronWeight*>> pairs = {
                {&a.up, &b.up}, {&a.gate, &b.gate}, {&a.down, &b.down}};
            for (const auto& [wa, wb] : pairs) {
                if (!wa->defined()) continue;
                for (std::int64_t n = 0; n < model->intermediateSize(); ++n) {
                    const bool same = at::equal(wa->tensor.select(wa->neuronDim, n), wb->tensor.select(wb->neuronDim, n));
                    const bool trains = chosen.contains({layer, n});
                    QVERIFY2(same != trains, (wa->name + " neuron " + std::to_string(n)).c_str());
                    trainedEntries += trains;
                }
            }
        }
        QCOMPARE(trainedEntries, 9);  // 3 neurons x (up, gate, down)
        const auto after = model->namedParameters(), before = original->namedParameters();
        for (std::size_t i = 0; i < after.size(); ++i) {
            const bool attention0 = after[i].name.rfind("model.layers.0.self_attn.", 0) == 0;
            const bool mlp = after[i].name.find(".mlp.") != std::string::npos;
            if (mlp) continue;  // checked per neuron above
            QVERIFY2(attention0 != at::equal(after[i].tensor, before[i].tensor), after[i].name.c_str());
        }

        // JSON round trip; an empty or ill-fitting neuron set is refused before training.
        const TrainOptions back = TrainOptions::fromJson(o.toJson(), "t");
        QVERIFY(back.trainableNeurons.has_value());
        QVERIFY(*back.trainableNeurons == chosen);
        QVERIFY(!TrainOptions::fromJson(TrainOptions{}.toJson(), "t").trainableNeurons.has_value());
        o.trainableNeurons = prune::PruneMask(model->numLayers(), model->intermediateSize());
        QVERIFY_EXCEPTION_THROWN(train::train(*model, examples, {}, o), InvalidArgument);
        o.trainableNeurons = prune::PruneMask::parse("0:1", model->numLayers() + 1, model->intermediateSize());
        QVERIFY_EXCEPTION_THROWN(train::train(*model, examples, {}, o), ShapeError);
    }

    // A learning-rate scale is a parameter group's own lr: scale 0.5 at lr 2e-3 trains that tensor exactly
    // as lr 1e-3 does; the longest matching prefix wins; bad scales are refused.
    void lrScalesActPerParameter() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        const auto examples = randomLmExamples(40, 8, 29);
        auto a = Model::load(dir.toStdString());
        auto b = Model::load(dir.toStdString());
        TrainOptions o = quickOptions();
        o.maxGradNorm = 0;  // clipping couples tensors through the global norm
        o.trainablePrefixes = {"model.layers.1.mlp."};
        o.adamw.lr = 2e-3;
        o.lrScales = {{"model.layers.1.", 4.0}, {"model.layers.1.mlp.", 0.5}};  // the longer prefix wins
        train::train(*a, examples, {}, o);
        o.adamw.lr = 1e-3;
        o.lrScales.clear();
        train::train(*b, examples, {}, o);
        const auto pa = a->namedParameters(), pb = b->namedParameters();
        int compared = 0;
        for (std::size_t i = 0; i < pa.size(); ++i) {
            QVERIFY2(at::allclose(pa[i].tensor, pb[i].tensor, 0.0, 1e-7), pa[i].name.c_str());
            compared += pa[i].name.rfind("model.layers.1.mlp.", 0) == 0;
        }
        QCOMPARE(compared, 3);
        QCOMPARE(TrainOptions::fromJson({{"lr_scales", {{"model.", 0.25}}}}, "t").lrScales.at("model."), 0.25);
        o.lrScales = {{"model.", 0.0}};
        QVERIFY_EXCEPTION_THROWN(train::train(*a, examples, {}, o), InvalidArgument);
        QVERIFY_EXCEPTION_THROWN(TrainOptions::fromJson({{"lr_scales", {{"model.", "fast"}}}}, "t"), FormatError);
    }

    void maxStepsAndScheduleAreFollowed() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto m = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(m->vocabSize(), 6, 2);
        TrainOptions o = quickOptions();
        o.schedule = ScheduleKind::Linear;
        o.maxSteps = 7;  // more than one epoch of 2 steps
        o.warmupSteps = 2;
        const TrainResult r = train::train(*m, examples, {}, o);
        QCOMPARE(r.steps, std::int64_t(7));
        QCOMPARE(r.epochsStarted, 4);
        QCOMPARE(r.history[0].lr, 0.0);
        QCOMPARE(r.history[1].lr, o.adamw.lr * 0.5);
        QCOMPARE(r.history[2].lr, o.adamw.lr);
        QVERIFY(std::fabs(r.history[6].lr - o.adamw.lr * 0.2) < 1e-15);  // (7 - 6) / (7 - 2)
    }

    void earlyStoppingRestoresBest() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto m = Model::load(dir.toStdString());
        // Validation asks for other next tokens than training teaches, so its loss rises.
        std::vector<TrainExample> trainSet, valSet;
        for (std::int64_t i = 0; i < 8; ++i) {
            trainSet.push_back(continuationExample({10 + i, 20 + i, 30 + i}, {5}));
            valSet.push_back(continuationExample({10 + i, 20 + i, 30 + i}, {6}));
        }
        TrainOptions o = quickOptions();
        o.adamw.lr = 2e-2;
        o.warmupSteps = 0;
        o.schedule = ScheduleKind::Constant;
        o.epochs = 20;
        o.evalEvery = 1;
        o.patience = 3;
        const TrainResult r = train::train(*m, trainSet, valSet, o);
        QVERIFY(r.stoppedEarly);
        QVERIFY(r.restoredBest);
        QVERIFY(r.steps < 40);
        QCOMPARE(r.steps, r.bestStep + 3);
        QCOMPARE(meanLoss(*m, valSet, 4, 0), r.bestLoss);  // the best weights are back
    }

    void checkpointsReload() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/qwen2-tiny");
        auto m = Model::load(dir.toStdString());
        const auto examples = randomLmExamples(m->vocabSize(), 8, 4);
        TrainOptions o = quickOptions();
        o.epochs = 2;
        o.checkpointDir = (prominence::test::tempDir() + QStringLiteral("/ckpt")).toStdString();
        o.checkpointEvery = 2;
        o.checkpointFinal = true;
        const TrainResult r = train::train(*m, examples, {}, o);
        QCOMPARE(r.checkpoints.size(), std::size_t(3));  // step-2, step-4, final
        QCOMPARE(r.checkpoints.back().path, o.checkpointDir + "/final");
        auto back = Model::load(r.checkpoints.back().path);
        at::NoGradGuard noGrad;
        const ForwardInput in = probe(m->vocabSize());
        QVERIFY(at::equal(back->forward(in).logits, m->forward(in).logits));
        QVERIFY(std::filesystem::exists(o.checkpointDir + "/step-2/model.safetensors"));
    }

    void badInputIsRefused() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        auto m = Model::load(dir.toStdString());
        TrainOptions o = quickOptions();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, train::train(*m, {}, {}, o));
        try {
            train::train(*m, {languageModelExample({1, 2, 3}), languageModelExample({1, 100000})}, {}, o);
            QFAIL("an out-of-vocabulary id was accepted");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("training example 1") != std::string::npos, e.what());
        }
        o.batchSize = 0;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, train::train(*m, {languageModelExample({1, 2})}, {}, o));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, languageModelExample({1}));
    }

    void optionsJsonRoundTrip() {
        TrainOptions o = quickOptions();
        o.maxSteps = 12;
        o.minLrRatio = 0.1;
        const TrainOptions back = TrainOptions::fromJson(o.toJson(), "cfg");
        QCOMPARE(back.toJson(), o.toJson());
        QVERIFY_THROWS_EXCEPTION(FormatError, TrainOptions::fromJson({{"learning_rate", 1e-3}}, "cfg"));
        QVERIFY_THROWS_EXCEPTION(FormatError, TrainOptions::fromJson({{"epochs", "three"}}, "cfg"));
    }

    void continuationExampleScoresOnlyTheAnswer() {
        const TrainExample e = continuationExample({1, 2, 3}, {7, 8});
        QCOMPARE(e.inputIds, (std::vector<std::int64_t>{1, 2, 3, 7}));
        QCOMPARE(e.lossPositions, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(e.targetIds, (std::vector<std::int64_t>{7, 8}));
        const Batch b = collate({&e, &e}, 0);
        QCOMPARE(b.inputIds.sizes().vec(), (std::vector<std::int64_t>{2, 4}));
        QCOMPARE(b.targets.size(0), std::int64_t(4));
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
