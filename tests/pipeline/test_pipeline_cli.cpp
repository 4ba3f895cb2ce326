// The CLI end to end: one-shot prune writes a checkpoint that loads and equals the activation-masked
// model; bad neuron lists fail with the entry named; run --config on stories260K with real benchmark
// files completes, stores every artefact, exports a loadable checkpoint, and prints the same table again
// for the same config.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/prune_mask.h"
#include "core/prune/surgery.h"
#include "core/workspace/workspace.h"

#include <filesystem>
#include <fstream>

#include <QProcess>
#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
namespace fs = std::filesystem;

namespace {

struct Result {
    int code = -1;
    QString out, err;
};

Result cli(const QStringList& args) {
    const prominence::test::CliResult r = prominence::test::runCli(args);
    return {r.code, r.outText(), r.err};
}

QString tmp(const char* name) { return prominence::test::tempDir() + QLatin1Char('/') + QLatin1String(name); }

nlohmann::json pipelineConfig(const QString& shared, const QString& workspace, const QString& exportDir) {
    const std::string s = shared.toStdString();
    return {{"name", "stories-copa"},
            {"workspace", workspace.toStdString()},
            {"model", s + "/fixtures/models/stories260K-hf"},
            {"seed", 0},
            {"eval", {{"scoring", "loglik"}, {"add_bos", true}}},
            {"source", {{"name", "copa"}, {"path", s + "/data/benchmarks/copa/copa.llmfoundry.jsonl"}, {"limit", 40}}},
            {"references", {{{"name", "piqa"}, {"path", s + "/data/benchmarks/piqa/piqa.llmfoundry.jsonl"}, {"limit", 40}}}},
            {"transfer", {{{"name", "arc_easy"}, {"path", s + "/data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl"}, {"limit", 30}}}},
            {"select", {{"top_k", 6}}},
            {"attribution", {{"steps", 8}}},
            {"contrast", {{"exclude_layers", {0}}}},
            {"prune", {{"policy", "layer_top_percent"}, {"layer", 3}, {"percent", 5}}},
            {"finetune", {{"shots", 8}, {"pool", 16}, {"lr", 1e-3}, {"epochs", 2}, {"batch_size", 4}}},
            {"compare", {{"seeds", {1, 2}}, {"bootstrap", {{"resamples", 300}, {"seed", 3}}}}},
            {"export", {{"output", exportDir.toStdString()}, {"seed", 2}}}};
}

}  // namespace

class TestPipelineCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (prominence::test::cliPath().isEmpty()) QSKIP("PROMINENCE_CLI is not set (run through ctest)");
    }

    void oneShotPruneWritesALoadableCheckpoint() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        const QString out = tmp("pruned-llama");
        const Result r = cli({QStringLiteral("prune"), QStringLiteral("--model"), dir, QStringLiteral("--neurons"),
                              QStringLiteral("2:5,0:1,1:175"), QStringLiteral("--output"), out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto summary = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(summary.at("count").get<int>(), 3);
        QCOMPARE(summary.at("neurons").get<std::string>(), std::string("0:1,1:175,2:5"));

        auto pruned = Model::load(out.toStdString());
        auto original = Model::load(dir.toStdString());
        const prune::PruneMask mask = prune::PruneMask::parse("0:1,1:175,2:5", 3, 176);
        QCOMPARE(prune::maxPrunedMagnitude(*pruned, mask), 0.0);
        const NeuronMask nm = mask.toNeuronMask();
        ForwardOptions masked;
        masked.neuronMask = &nm;
        ForwardInput in;
        in.inputIds = at::arange(3, 15, at::kLong).view({1, 12});
        at::NoGradGuard noGrad;
        QVERIFY(at::equal(pruned->forward(in).logits, original->forward(in, masked).logits));
        for (const char* f : {"config.json", "generation_config.json", "prominence.json", "model.safetensors"})
            QVERIFY2(fs::exists(fs::path(out.toStdString()) / f), f);

        // The same output again is refused without --overwrite, accepted with it.
        QCOMPARE(cli({QStringLiteral("prune"), QStringLiteral("--model"), dir, QStringLiteral("--neurons"), QStringLiteral("0:1"),
                      QStringLiteral("--output"), out})
                     .code,
                 1);
        QCOMPARE(cli({QStringLiteral("prune"), QStringLiteral("--model"), dir, QStringLiteral("--neurons"), QStringLiteral("0:1"),
                      QStringLiteral("--output"), out, QStringLiteral("--overwrite")})
                     .code,
                 0);
    }

    void badNeuronListsAreUsageErrors() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        const Result range = cli({QStringLiteral("prune"), QStringLiteral("--model"), dir, QStringLiteral("--neurons"),
                                  QStringLiteral("0:1,2:0"), QStringLiteral("--output"), tmp("never")});
        QCOMPARE(range.code, 2);
        QVERIFY2(range.err.contains(QStringLiteral("'2:0'")) && range.err.contains(QStringLiteral("[0, 2)")), qPrintable(range.err));
        const Result syntax = cli({QStringLiteral("prune"), QStringLiteral("--model"), dir, QStringLiteral("--neurons"),
                                   QStringLiteral("0:1;1:2"), QStringLiteral("--output"), tmp("never")});
        QCOMPARE(syntax.code, 2);
        QVERIFY2(syntax.err.contains(QStringLiteral("0:1;1:2")), qPrintable(syntax.err));
        QVERIFY(!fs::exists(tmp("never").toStdString()));
        const Result missing = cli({QStringLiteral("prune"), QStringLiteral("--model"), tmp("no-such-model"),
                                    QStringLiteral("--neurons"), QStringLiteral("0:1"), QStringLiteral("--output"), tmp("never")});
        QCOMPARE(missing.code, 1);
    }

    void runConfigCompletesAndReproduces() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(copa, "data/benchmarks/copa/copa.llmfoundry.jsonl");
        const QString shared = prominence::test::sharedDir();
        QStringList tables;
        for (int round = 0; round < 2; ++round) {
            const QString dir = tmp(round == 0 ? "pipe-a" : "pipe-b");
            QDir().mkpath(dir);
            const QString ws = dir + QStringLiteral("/stories.prominence");
            const QString exportDir = dir + QStringLiteral("/exported");
            const QString config = dir + QStringLiteral("/pipeline.json");
            std::ofstream(config.toStdString()) << pipelineConfig(shared, ws, exportDir).dump(2);
            const Result r = cli({QStringLiteral("run"), QStringLiteral("--config"), config});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            for (const char* cond : {"before", "method", "finetune_only", "prune_only", "random_finetune", "magnitude_finetune"})
                QVERIFY2(r.out.contains(QLatin1String(cond)), cond);
            QVERIFY(r.out.contains(QStringLiteral("McNemar")));
            tables << r.out;

            // Every artefact is in the workspace.
            auto w = workspace::Workspace::open(ws.toStdString());
            std::map<std::string, int> kinds;
            for (const auto& run : w.runs()) {
                ++kinds[run.kind];
                QCOMPARE(run.status, workspace::RunStatus::Completed);
            }
            QCOMPARE(kinds["pipeline"], 1);
            QCOMPARE(kinds["attribution"], 2);  // source and reference
            QCOMPARE(kinds["prune"], 1);
            QCOMPARE(kinds["compare"], 1);
            QCOMPARE(kinds["eval"], 2 + (2 + 4 * 2) * 2);  // before x (copa, piqa) + conditions x (copa, arc_easy)
            const auto comparisons = w.comparisons();
            QCOMPARE(comparisons.size(), std::size_t(1));
            QCOMPARE(comparisons[0].table.at("cells").size(), std::size_t(6 * 2));
            const prune::StoredMask method = prune::findMask(w, "stories-copa/mask");
            QCOMPARE(static_cast<int>(method.mask.size()), 9);  // round(5% of 172) in layer 3
            QCOMPARE(method.mask.countsPerLayer().begin()->first, 3);
            QVERIFY(method.provenance.contains("scores"));
            const auto exports = w.exports();
            QCOMPARE(exports.size(), std::size_t(1));
            auto exported = Model::load(exportDir.toStdString());
            QCOMPARE(prune::maxPrunedMagnitude(*exported, method.mask), 0.0);
            QVERIFY(fs::exists(fs::path(exportDir.toStdString()) / "tokenizer.json"));
            std::ifstream meta((exportDir + QStringLiteral("/prominence.json")).toStdString());
            const auto pj = nlohmann::json::parse(meta);
            QCOMPARE(pj.at("comparison").at("cells").size(), std::size_t(12));
            QCOMPARE(pj.at("neurons").get<std::string>(), method.mask.format());
        }
        QCOMPARE(tables[1], tables[0]);
    }
};

QTEST_GUILESS_MAIN(TestPipelineCli)
#include "test_pipeline_cli.moc"
