// The model API others build on: neuron sites (read, hook, mask, gradients), layer stepping, KV
// caches (generation and the batch-1 prefix shared by many rows), parameters by name, saving,
// random init, weight surgery, GPT-2 without its prefix, Mistral's sliding window.
#include "core/common/torch.h"

#include <QtTest>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"
#include "tests/common/test_support.h"

using namespace prominence;
namespace fs = std::filesystem;

namespace {

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

at::Tensor ids12() { return at::tensor(std::vector<std::int64_t>{5, 17, 99, 3, 250, 41, 7, 300, 12, 8, 77, 460}).unsqueeze(0); }

}  // namespace

class TestModelApi : public QObject {
    Q_OBJECT

    std::unique_ptr<Model> load(const char* name) {
        const QString dir = test::sharedPath(QStringLiteral("fixtures/models/") + QLatin1String(name));
        if (dir.isEmpty()) return nullptr;
        return Model::load(dir.toStdString());
    }

private slots:
    void siteNames() {
        QCOMPARE(Model::siteName(0), std::string("blocks.0.mlp.post"));
        QCOMPARE(Model::siteName(11), std::string("blocks.11.mlp.post"));
    }

    void maskZeroesNeuronsAndEqualsHook() {
        auto model = load("llama-tiny");
        if (!model) QSKIP("llama-tiny fixture not found");
        at::NoGradGuard g;
        const NeuronMask mask = NeuronMask::fromNeurons(3, 176, {{1, 5}, {1, 100}, {2, 0}});
        ForwardOptions masked;
        masked.neuronMask = &mask;
        masked.returnSites = true;
        const ForwardOutput a = model->forward({ids12(), {}, {}}, masked);
        QCOMPARE(a.sites[1].select(-1, 5).abs().max().item<float>(), 0.0f);
        QCOMPARE(a.sites[2].select(-1, 0).abs().max().item<float>(), 0.0f);
        QVERIFY(a.sites[1].select(-1, 6).abs().max().item<float>() > 0.0f);
        ForwardOptions hooked;
        hooked.siteHook = [](int layer, const at::Tensor& act) {
            at::Tensor out = act.clone();
            if (layer == 1) {
                out.select(-1, 5).zero_();
                out.select(-1, 100).zero_();
            }
            if (layer == 2) out.select(-1, 0).zero_();
            return out;
        };
        const ForwardOutput b = model->forward({ids12(), {}, {}}, hooked);
        const ForwardOutput plain = model->forward({ids12(), {}, {}});
        QVERIFY(maxDiff(a.logits, b.logits) < 1e-6);
        QVERIFY(maxDiff(a.logits, plain.logits) > 1e-4);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, NeuronMask::fromNeurons(3, 176, {{3, 0}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, NeuronMask::fromNeurons(3, 176, {{0, 176}}));
    }

    // d f / d alpha through the hook, against a central difference: what IG relies on.
    void gradientsFlowThroughHook() {
        auto model = load("gpt2-tiny");
        if (!model) QSKIP("gpt2-tiny fixture not found");
        auto f = [&](const at::Tensor& alpha) {
            ForwardOptions o;
            o.siteHook = [&](int layer, const at::Tensor& act) { return layer == 0 ? act * alpha : act; };
            return model->forward({ids12(), {}, {}}, o).logits[0][11].log_softmax(-1)[368];
        };
        const at::Tensor alpha = at::full({}, 0.7, at::TensorOptions().dtype(at::kDouble)).requires_grad_(true);
        const at::Tensor y = f(alpha.to(at::kFloat));
        y.backward();
        const double grad = alpha.grad().item<double>();
        at::NoGradGuard g;
        const double h = 1e-2;
        const double numeric = (f(at::full({}, 0.7 + h)).item<double>() - f(at::full({}, 0.7 - h)).item<double>()) / (2 * h);
        std::printf("  d logprob / d alpha: autograd %.6f, central difference %.6f\n", grad, numeric);
        QVERIFY(std::abs(grad) > 1e-3);
        QVERIFY(std::abs(grad - numeric) < 1e-3 * std::max(1.0, std::abs(numeric)));
    }

    void layerSteppingEqualsForward() {
        for (const char* name : {"gpt2-tiny", "llama-tiny", "gpt_neox-tiny"}) {
            auto model = load(name);
            if (!model) QSKIP("fixture not found");
            at::NoGradGuard g;
            const at::Tensor ids = ids12().remainder(model->vocabSize());
            const at::Tensor pos = at::arange(12).unsqueeze(0);
            LayerContext ctx;
            ctx.positionIds = pos;
            at::Tensor h = model->embed(ids, pos);
            h = model->runLayers(0, 1, h, ctx);
            h = model->runLayers(1, model->numLayers(), h, ctx);
            const double d = maxDiff(model->final(h), model->forward({ids, {}, {}}).logits);
            std::printf("  %s: layer stepping vs forward %.3g\n", name, d);
            QCOMPARE(d, 0.0);
        }
    }

    // Prefix once into a cache, then the last token: equals the full forward's last position.
    void kvCacheIncrementalEqualsFull() {
        for (const char* name : {"gpt2-tiny", "llama-tiny", "qwen2-tiny", "gpt_neox-tiny"}) {
            auto model = load(name);
            if (!model) QSKIP("fixture not found");
            at::NoGradGuard g;
            const at::Tensor ids = ids12().remainder(model->vocabSize());
            const at::Tensor full = model->forward({ids, {}, {}}).logits;
            KvCache cache;
            ForwardOptions o;
            o.cache = &cache;
            model->forward({ids.narrow(1, 0, 7), {}, {}}, o);
            for (int t = 7; t < 12; ++t) {
                const at::Tensor step = model->forward({ids.narrow(1, t, 1), {}, {}}, o).logits;
                QVERIFY2(maxDiff(step[0][0], full[0][t]) < 1e-5, name);
            }
            QCOMPARE(cache.length(), std::int64_t{12});
        }
    }

    // The IG fast path: a batch-1 cache of positions < T-1, then S rows of the last position with
    // layer L's site scaled by a different alpha each; each row equals a full forward so scaled.
    void sharedPrefixCacheBroadcastsToRows() {
        auto model = load("llama-tiny");
        if (!model) QSKIP("llama-tiny fixture not found");
        at::NoGradGuard g;
        const at::Tensor ids = ids12();
        const int L = 1;
        const std::vector<double> alphas = {0.0, 0.25, 0.5, 1.0, 2.0};
        const std::int64_t S = static_cast<std::int64_t>(alphas.size());
        KvCache cache;
        ForwardOptions fo;
        fo.cache = &cache;
        model->forward({ids.narrow(1, 0, 11), {}, {}}, fo);
        const at::Tensor last = ids.narrow(1, 11, 1);
        const at::Tensor pos = at::full({1, 1}, 11, at::kLong);
        LayerContext ctx;
        ctx.positionIds = pos;
        ctx.cache = &cache;
        at::Tensor h = model->runLayers(0, L, model->embed(last, pos), ctx);  // [1, 1, H]
        const at::Tensor alpha = at::tensor(alphas, at::kFloat).view({S, 1, 1});
        LayerContext rows;
        rows.positionIds = pos.expand({S, 1});
        rows.cache = &cache;
        rows.siteHook = [&](int layer, const at::Tensor& act) { return layer == L ? act * alpha : act; };
        const at::Tensor out = model->final(model->runLayers(L, model->numLayers(), h.expand({S, 1, h.size(2)}), rows));  // [S, 1, V]
        for (std::int64_t s = 0; s < S; ++s) {
            ForwardOptions o;
            o.siteHook = [&](int layer, const at::Tensor& act) {
                if (layer != L) return act;
                at::Tensor scaled = act.clone();
                scaled.narrow(1, 11, 1).mul_(alphas[static_cast<std::size_t>(s)]);
                return scaled;
            };
            const at::Tensor ref = model->forward({ids, {}, {}}, o).logits[0][11];
            const double d = maxDiff(out[s][0], ref);
            std::printf("  alpha %.2f: shared-prefix row vs full forward %.3g\n", alphas[static_cast<std::size_t>(s)], d);
            QVERIFY(d < 1e-5);
        }
    }

    void namedParametersMatchCheckpoint() {
        for (const char* name : {"gpt2-tiny", "llama-tiny-sharded", "qwen2-tiny", "gpt_neox-tiny"}) {
            const QString dir = test::sharedPath(QStringLiteral("fixtures/models/") + QLatin1String(name));
            if (dir.isEmpty()) QSKIP("fixture not found");
            auto model = Model::load(dir.toStdString());
            std::map<std::string, std::vector<std::int64_t>> expected;
            for (const auto& f : fs::directory_iterator(dir.toStdString()))
                if (f.path().extension() == ".safetensors" && f.path().filename().string().rfind("model", 0) == 0) {
                    const auto file = SafetensorsFile::open(f.path().string());
                    for (const auto& e : file->entries()) expected[e.name] = e.shape;
                }
            const auto params = model->namedParameters();
            QCOMPARE(params.size(), expected.size());
            for (const auto& p : params) QCOMPARE(p.tensor.sizes().vec(), expected.at(p.name));
        }
    }

    void saveAndReloadRoundTrips() {
        for (const char* name : {"gpt2-tiny", "llama-tiny-bf16", "qwen2-tiny"}) {
            auto model = load(name);
            if (!model) QSKIP("fixture not found");
            const std::string out = (test::tempDir() + QStringLiteral("/saved-") + QLatin1String(name)).toStdString();
            model->saveCheckpoint(out);
            auto again = Model::load(out);
            QCOMPARE(again->storedDtype(), model->storedDtype());
            const auto file = SafetensorsFile::open(out + "/model.safetensors");
            QCOMPARE(file->metadata().at("format"), std::string("pt"));
            QVERIFY(!file->find("lm_head.weight") || !model->config().tieWordEmbeddings);
            at::NoGradGuard g;
            const at::Tensor ids = ids12().remainder(model->vocabSize());
            QCOMPARE(maxDiff(again->forward({ids, {}, {}}).logits, model->forward({ids, {}, {}}).logits), 0.0);
        }
    }

    void makeTrainableGivesPrivateF32Copies() {
        auto model = load("llama-tiny-bf16");
        if (!model) QSKIP("fixture not found");
        const at::Tensor before = model->forward({ids12(), {}, {}}).logits.detach();
        model->makeTrainable();
        QVERIFY(model->isTrainable());
        model->setRequiresGrad(true);
        for (const auto& p : model->namedParameters()) {
            QCOMPARE(p.tensor.scalar_type(), at::kFloat);
            QVERIFY(p.tensor.requires_grad());
        }
        const at::Tensor loss = model->forward({ids12(), {}, {}}).logits.log_softmax(-1).select(-1, 3).mean();
        loss.backward();
        const auto params = model->namedParameters();
        QVERIFY(params.front().tensor.grad().defined());
        {
            at::NoGradGuard g;
            for (const auto& p : params) p.tensor.sub_(p.tensor.grad() * 0.5);  // one SGD step
        }
        const at::Tensor after = model->forward({ids12(), {}, {}}).logits.detach();
        QVERIFY(maxDiff(before, after) > 1e-3);
        auto fresh = load("llama-tiny-bf16");  // the file itself is untouched
        QCOMPARE(maxDiff(fresh->forward({ids12(), {}, {}}).logits.detach(), before), 0.0);
    }

    // Removing a neuron's column of the down projection equals masking it at the site.
    void downProjectionSurgeryEqualsMask() {
        for (const char* name : {"gpt2-tiny", "llama-tiny"}) {
            auto model = load(name);
            if (!model) QSKIP("fixture not found");
            at::NoGradGuard g;
            const at::Tensor ids = ids12().remainder(model->vocabSize());
            const NeuronMask mask = NeuronMask::fromNeurons(model->numLayers(), model->intermediateSize(), {{1, 7}});
            ForwardOptions o;
            o.neuronMask = &mask;
            const at::Tensor masked = model->forward({ids, {}, {}}, o).logits;
            model->makeTrainable();
            const MlpWeights w = model->mlp(1);
            QVERIFY(w.down.defined());
            QCOMPARE(w.down.tensor.size(w.down.neuronDim), model->intermediateSize());
            QCOMPARE(w.up.tensor.size(w.up.neuronDim), model->intermediateSize());
            w.down.tensor.select(w.down.neuronDim, 7).zero_();
            QVERIFY(maxDiff(model->forward({ids, {}, {}}).logits, masked) < 1e-6);
        }
    }

    void createFromConfigTrainsAndSaves() {
        nlohmann::json j = {{"model_type", "llama"}, {"vocab_size", 50}, {"hidden_size", 32}, {"intermediate_size", 40},
                            {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                            {"tie_word_embeddings", true}};
        const ModelConfig config = ModelConfig::fromJson(j, "test");
        auto a = Model::createFromConfig(config, 7);
        auto b = Model::createFromConfig(config, 7);
        QVERIFY(a->isTrainable());
        QVERIFY(std::abs(a->namedParameters().front().tensor.std().item<double>() - 0.02) < 0.002);
        at::NoGradGuard g;
        const at::Tensor ids = at::arange(10).unsqueeze(0);
        QCOMPARE(maxDiff(a->forward({ids, {}, {}}).logits, b->forward({ids, {}, {}}).logits), 0.0);
        const std::string out = (test::tempDir() + QStringLiteral("/created")).toStdString();
        a->saveCheckpoint(out);
        auto c = Model::load(out);
        QCOMPARE(c->config().toJson()["architectures"][0].get<std::string>(), std::string("LlamaForCausalLM"));
        QCOMPARE(maxDiff(c->forward({ids, {}, {}}).logits, a->forward({ids, {}, {}}).logits), 0.0);
    }

    // GPT-2 as published: no "transformer." prefix, attn.bias / attn.masked_bias buffers present.
    void gpt2WithoutPrefixLoads() {
        const QString dir = test::sharedPath(QStringLiteral("fixtures/models/gpt2-tiny"));
        if (dir.isEmpty()) QSKIP("gpt2-tiny fixture not found");
        const std::string out = (test::tempDir() + QStringLiteral("/gpt2-published")).toStdString();
        fs::create_directories(out);
        fs::copy_file(dir.toStdString() + "/config.json", out + "/config.json", fs::copy_options::overwrite_existing);
        const auto src = SafetensorsFile::open(dir.toStdString() + "/model.safetensors");
        std::vector<NamedTensor> tensors;
        for (const auto& e : src->entries()) tensors.push_back({e.name.substr(std::string("transformer.").size()), src->tensor(e.name)});
        for (int L = 0; L < 2; ++L) {
            tensors.push_back({"h." + std::to_string(L) + ".attn.bias", at::ones({1, 1, 64, 64}).tril()});
            tensors.push_back({"h." + std::to_string(L) + ".attn.masked_bias", at::full({}, -1e4)});
        }
        writeSafetensors(out + "/model.safetensors", tensors);
        auto published = Model::load(out);
        auto original = Model::load(dir.toStdString());
        at::NoGradGuard g;
        QCOMPARE(maxDiff(published->forward({ids12(), {}, {}}).logits, original->forward({ids12(), {}, {}}).logits), 0.0);
        QCOMPARE(published->namedParameters().front().name, std::string("wte.weight"));
    }

    // transformers v4.40: query i sees key j iff 0 <= i - j <= window. With window 2 and 2 layers,
    // token 0 reaches position 4 (4 -> 2 -> 0) but not 5; a "< window" rule would stop at 2.
    void mistralSlidingWindowRule() {
        const QString dir = test::sharedPath(QStringLiteral("fixtures/models/mistral-tiny"));
        if (dir.isEmpty()) QSKIP("mistral-tiny fixture not found");
        const std::string out = (test::tempDir() + QStringLiteral("/mistral-window")).toStdString();
        fs::create_directories(out);
        nlohmann::json config = nlohmann::json::parse(std::ifstream(dir.toStdString() + "/config.json"));
        config["sliding_window"] = 2;
        std::ofstream(out + "/config.json") << config.dump();
        fs::copy_file(dir.toStdString() + "/model.safetensors", out + "/model.safetensors", fs::copy_options::overwrite_existing);
        auto model = Model::load(out);
        at::NoGradGuard g;
        const at::Tensor a = ids12().narrow(1, 0, 10);
        at::Tensor b = a.clone();
        b[0][0] = 999;
        const at::Tensor la = model->forward({a, {}, {}}).logits, lb = model->forward({b, {}, {}}).logits;
        QVERIFY(maxDiff(la[0][4], lb[0][4]) > 1e-5);
        QCOMPARE(maxDiff(la[0].narrow(0, 5, 5), lb[0].narrow(0, 5, 5)), 0.0);
        // The cache path applies the same window.
        KvCache cache;
        ForwardOptions o;
        o.cache = &cache;
        model->forward({a.narrow(1, 0, 6), {}, {}}, o);
        for (int t = 6; t < 10; ++t) QVERIFY(maxDiff(model->forward({a.narrow(1, t, 1), {}, {}}, o).logits[0][0], la[0][t]) < 1e-5);
    }

    void badInputsAreErrors() {
        auto model = load("llama-tiny");
        if (!model) QSKIP("llama-tiny fixture not found");
        at::NoGradGuard g;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, model->forward({at::full({1, 3}, 1000, at::kLong), {}, {}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, model->forward({at::ones({3}, at::kLong), {}, {}}));
        QVERIFY_THROWS_EXCEPTION(ShapeError, model->forward({at::ones({1, 3}, at::kLong), at::ones({1, 4}, at::kLong), {}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, model->runLayers(2, 5, at::zeros({1, 1, 64}), {}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, model->mlp(3));
    }
};

QTEST_GUILESS_MAIN(TestModelApi)
#include "test_model_api.moc"
