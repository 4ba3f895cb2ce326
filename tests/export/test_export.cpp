// HF export: reload reproduces the in-memory logits exactly, names/shapes/config/metadata match the
// source, sharding with an index as transformers writes it, tokenizer files copied, and a failed or
// refused export leaves nothing half-written.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/export/hf_export.h"
#include "core/model/checkpoint.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"
#include "core/prune/prune_mask.h"
#include "core/prune/surgery.h"

#include <filesystem>
#include <fstream>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
namespace fs = std::filesystem;

namespace {

ForwardInput probe(std::int64_t vocab) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(17);
    ForwardInput in;
    in.inputIds = at::randint(vocab, {2, 10}, gen, at::kLong);
    return in;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string out(const char* name) { return (prominence::test::tempDir() + QLatin1Char('/') + QLatin1String(name)).toStdString(); }

// Nothing beside the target that looks like a temporary or moved-aside export.
bool noLeftovers(const fs::path& parent) {
    for (const auto& e : fs::directory_iterator(parent))
        if (e.path().filename().string().rfind(".", 0) == 0) return false;
    return true;
}

}  // namespace

class TestExport : public QObject {
    Q_OBJECT

private slots:
    void roundTripReproducesLogits_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* name : {"gpt2-tiny", "llama-tiny", "qwen2-tiny", "gpt_neox-tiny", "mistral-tiny", "llama-tiny-bf16"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void roundTripReproducesLogits() {
        QFETCH(QString, fixture);
        const QString rel = QStringLiteral("fixtures/models/") + fixture;
        const QString dir = prominence::test::sharedPath(rel);
        if (dir.isEmpty()) QSKIP(qPrintable(QStringLiteral("fixture %1 not found").arg(rel)));
        auto model = Model::load(dir.toStdString());
        const prune::PruneMask mask =
            prune::PruneMask::fromNeurons(model->numLayers(), model->intermediateSize(), {{0, 3}, {1, 10}, {1, 11}});
        prune::applyWeightSurgery(*model, mask);
        const std::string target = out(qPrintable(QStringLiteral("rt-") + fixture));
        exporting::ExportOptions o;
        o.prominence = {{"mask", mask.toJson()}, {"metrics", {{"acc", 0.5}}}};
        const exporting::ExportResult r = exporting::exportCheckpoint(*model, target, o);
        QVERIFY(!r.sharded);
        QCOMPARE(r.weightFiles, std::vector<std::string>{"model.safetensors"});

        auto back = Model::load(target);
        at::NoGradGuard noGrad;
        const ForwardInput in = probe(model->vocabSize());
        QVERIFY(at::equal(back->forward(in).logits, model->forward(in).logits));
        QCOMPARE(prune::maxPrunedMagnitude(*back, mask), 0.0);

        // Same config bytes, tensor names, shapes and stored dtypes as the source; HF metadata.
        QCOMPARE(readFile(fs::path(target) / "config.json"), readFile(fs::path(dir.toStdString()) / "config.json"));
        const CheckpointFiles src = CheckpointFiles::open(dir.toStdString());
        const CheckpointFiles dst = CheckpointFiles::open(target);
        QCOMPARE(dst.tensorNames(), src.tensorNames());
        for (const std::string& name : src.tensorNames()) {
            QCOMPARE(dst.entry(name).shape, src.entry(name).shape);
            QCOMPARE(dst.entry(name).dtype, src.entry(name).dtype);
        }
        const auto file = SafetensorsFile::open(target + "/model.safetensors");
        QCOMPARE(file->metadata().at("format"), std::string("pt"));
        const auto meta = nlohmann::json::parse(readFile(fs::path(target) / "prominence.json"));
        QCOMPARE(prune::PruneMask::fromJson(meta.at("mask"), "prominence.json"), mask);
        QVERIFY(fs::exists(fs::path(target) / "generation_config.json"));
        QVERIFY(noLeftovers(fs::path(target).parent_path()));
    }

    void shardsWithAnIndexLikeTransformers() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto model = Model::load(dir.toStdString());
        const std::string target = out("sharded");
        exporting::ExportOptions o;
        o.maxShardBytes = 200 * 1000;  // llama-tiny is ~1.3 MB of f32
        const exporting::ExportResult r = exporting::exportCheckpoint(*model, target, o);
        QVERIFY(r.sharded);
        const std::size_t shards = r.weightFiles.size() - 1;
        QVERIFY(shards >= 5);
        char first[64];
        std::snprintf(first, sizeof first, "model-00001-of-%05zu.safetensors", shards);
        QCOMPARE(r.weightFiles.front(), std::string(first));
        QCOMPARE(r.weightFiles.back(), std::string("model.safetensors.index.json"));
        const auto index = nlohmann::json::parse(readFile(fs::path(target) / "model.safetensors.index.json"));
        std::uint64_t total = 0;
        const CheckpointFiles src = CheckpointFiles::open(dir.toStdString());
        for (const std::string& name : src.tensorNames()) {
            QVERIFY2(index.at("weight_map").contains(name), name.c_str());
            std::uint64_t n = 4;
            for (auto s : src.entry(name).shape) n *= static_cast<std::uint64_t>(s);
            total += n;
        }
        QCOMPARE(index.at("weight_map").size(), src.tensorNames().size());
        QCOMPARE(index.at("metadata").at("total_size").get<std::uint64_t>(), total);
        // Every shard but the last is within the limit unless it holds a single larger tensor.
        for (std::size_t s = 0; s < shards; ++s) {
            const auto f = SafetensorsFile::open(target + "/" + r.weightFiles[s]);
            std::uint64_t bytes = 0;
            for (const auto& e : f->entries()) bytes += e.end - e.begin;
            QVERIFY(bytes <= o.maxShardBytes || f->entries().size() == 1);
            QCOMPARE(f->metadata().at("format"), std::string("pt"));
        }
        auto back = Model::load(target);
        at::NoGradGuard noGrad;
        const ForwardInput in = probe(model->vocabSize());
        QVERIFY(at::equal(back->forward(in).logits, model->forward(in).logits));
    }

    void tokenizerFilesAreCopied() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        auto model = Model::load(dir.toStdString());
        const std::string target = out("stories");
        const exporting::ExportResult r = exporting::exportCheckpoint(*model, target);
        for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}) {
            QVERIFY2(std::find(r.copiedFiles.begin(), r.copiedFiles.end(), name) != r.copiedFiles.end(), name);
            QCOMPARE(readFile(fs::path(target) / name), readFile(fs::path(dir.toStdString()) / name));
        }
        QVERIFY(!fs::exists(fs::path(target) / "prominence.json"));  // none asked for
    }

    void refusesOrReplacesAnExistingTarget() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        auto model = Model::load(dir.toStdString());
        const std::string target = out("existing");
        fs::create_directories(target);
        { std::ofstream(target + "/keep.txt") << "mine"; }
        QVERIFY_THROWS_EXCEPTION(StorageError, exporting::exportCheckpoint(*model, target));
        QVERIFY(fs::exists(target + "/keep.txt"));
        QVERIFY(!fs::exists(target + "/model.safetensors"));
        exporting::ExportOptions o;
        o.overwrite = true;
        exporting::exportCheckpoint(*model, target, o);
        QVERIFY(!fs::exists(target + "/keep.txt"));
        QVERIFY(fs::exists(target + "/model.safetensors"));
        QVERIFY(noLeftovers(fs::path(target).parent_path()));
    }

    void cancelledExportLeavesNothing() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        auto model = Model::load(dir.toStdString());
        const std::string target = out("cancelled");
        int calls = 0;
        Progress stopHalfway([&](const std::string&, std::int64_t done, std::int64_t total) { return ++calls < 5; });
        QVERIFY_THROWS_EXCEPTION(Cancelled, exporting::exportCheckpoint(*model, target, {}, stopHalfway));
        QVERIFY(calls >= 5);
        QVERIFY(!fs::exists(target));
        QVERIFY(noLeftovers(fs::path(target).parent_path()));
    }

    void forcedDtypeUpdatesConfig() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny-bf16");
        auto model = Model::load(dir.toStdString());
        const std::string target = out("as-f32");
        exporting::ExportOptions o;
        o.dtype = "float32";
        exporting::exportCheckpoint(*model, target, o);
        const auto config = nlohmann::json::parse(readFile(fs::path(target) / "config.json"));
        QCOMPARE(config.at("torch_dtype").get<std::string>(), std::string("float32"));
        const CheckpointFiles dst = CheckpointFiles::open(target);
        for (const std::string& name : dst.tensorNames()) QCOMPARE(dst.entry(name).dtype, at::kFloat);
        auto back = Model::load(target);
        at::NoGradGuard noGrad;
        const ForwardInput in = probe(model->vocabSize());
        QVERIFY(at::equal(back->forward(in).logits, model->forward(in).logits));
        o.dtype = "int8";
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, exporting::exportCheckpoint(*model, out("bad"), o));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
