// The comparison on a real trained model (stories260K) and real benchmark files: every condition and
// benchmark gets a cell over the same items, the controls prune the same count in the same layers as
// the method, McNemar counts match the per-item results, a seed reproduces the table exactly, and the
// stored variant records every artefact in the workspace.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/system/runtime.h"
#include "core/compare/comparison.h"
#include "core/data/benchmark_loader.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"

#include <filesystem>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::compare;

namespace {

struct Fixture {
    std::unique_ptr<Tokenizer> tokenizer;
    ComparisonSetup setup;
};

bool load(Fixture& f) {
    const QString model = prominence::test::sharedPath(QStringLiteral("fixtures/models/stories260K-hf"));
    const QString copa = prominence::test::sharedPath(QStringLiteral("data/benchmarks/copa/copa.llmfoundry.jsonl"));
    const QString piqa = prominence::test::sharedPath(QStringLiteral("data/benchmarks/piqa/piqa.llmfoundry.jsonl"));
    if (model.isEmpty() || copa.isEmpty() || piqa.isEmpty()) return false;
    f.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(model.toStdString()));
    ComparisonSetup& s = f.setup;
    s.modelDir = model.toStdString();
    s.tokenizer = f.tokenizer.get();
    auto items = data::loadBenchmark(copa.toStdString()).items;
    s.finetunePool.assign(items.begin(), items.begin() + 20);
    s.source = {"copa", copa.toStdString(), "icl", std::vector<data::McItem>(items.begin() + 20, items.begin() + 60)};
    auto transfer = data::loadBenchmark(piqa.toStdString()).items;
    transfer.resize(30);
    s.transfer = {{"piqa", piqa.toStdString(), "icl", transfer}};
    s.shots = 8;
    s.eval.scoring = eval::Scoring::Loglik;
    s.train.adamw.lr = 3e-3;
    s.train.epochs = 2;
    s.train.batchSize = 4;
    s.methodMask = prune::PruneMask::parse("2:5,2:17,2:40,2:99,3:1,3:150", 5, 172);
    s.methodProvenance = {{"policy", "explicit"}};
    for (std::size_t i = 0; i < 6; ++i) s.selectionPrompts.push_back(s.source.items[i].loglikContext);
    s.seeds = {3, 4};
    s.bootstrap.resamples = 500;
    s.bootstrap.seed = 5;
    return true;
}

const nlohmann::json* cell(const nlohmann::json& table, const std::string& cond, const std::string& bench) {
    for (const auto& c : table.at("cells"))
        if (c.at("condition") == cond && c.at("benchmark") == bench) return &c;
    return nullptr;
}

}  // namespace

class TestComparison : public QObject {
    Q_OBJECT

private slots:
    // The measured defaults (one BLAS thread on small cores): oversubscribed OpenBLAS threads spin.
    void initTestCase() { applyThreadSettings({}); }

    void tableIsCompleteAndReproducible() {
        Fixture f;
        if (!load(f)) QSKIP("stories260K-hf or the copa/piqa benchmark files are missing");
        const ComparisonResult a = runComparison(f.setup);
        QCOMPARE(a.runs.size(), std::size_t(2 + 4 * 2));
        for (const std::string bench : {"copa", "piqa"})
            for (Condition c : allConditions()) {
                const nlohmann::json* x = cell(a.table, conditionName(c), bench);
                QVERIFY2(x, (conditionName(c) + " / " + bench).c_str());
                QCOMPARE(x->at("seeds").get<int>(), conditionTrains(c) ? 2 : 1);
                QCOMPARE(x->at("items").get<int>(), bench == "copa" ? 40 : 30);
                QVERIFY(x->at("ci_low").get<double>() <= x->at("mean").get<double>() + 1e-12);
                QVERIFY(x->at("ci_high").get<double>() >= x->at("mean").get<double>() - 1e-12);
            }
        // Controls: same count in the same layers as the method.
        const auto methodCounts = f.setup.methodMask.countsPerLayer();
        int random = 0, magnitude = 0;
        for (const ConditionRun& r : a.runs) {
            if (r.condition == Condition::RandomFinetune || r.condition == Condition::MagnitudeFinetune) {
                QCOMPARE(r.mask.countsPerLayer(), methodCounts);
                QVERIFY(!(r.mask == f.setup.methodMask));
                (r.condition == Condition::RandomFinetune ? random : magnitude)++;
            }
            if (r.condition == Condition::Method || r.condition == Condition::PruneOnly) QCOMPARE(r.mask, f.setup.methodMask);
            if (r.training) QCOMPARE(r.training->steps, std::int64_t(4));  // 2 epochs x ceil(8 / 4)
        }
        QCOMPARE(random, 2);
        QCOMPARE(magnitude, 2);
        // The two random masks differ (seeded per seed); magnitude is the same for both seeds.
        const auto& rm = a.table.at("masks").at("random_finetune");
        QVERIFY(rm.at("3").at("neurons") != rm.at("4").at("neurons"));

        // McNemar's discordant counts from the per-item results.
        for (const auto& t : a.table.at("mcnemar")) {
            const std::string bench = t.at("benchmark");
            std::int64_t onlyA = 0, onlyB = 0;
            for (std::uint64_t seed : f.setup.seeds) {
                const eval::EvalResult *m = nullptr, *ft = nullptr;
                for (const ConditionRun& r : a.runs) {
                    if (r.seed != seed) continue;
                    if (r.condition == Condition::Method) m = &r.evals.at(bench);
                    if (r.condition == Condition::FinetuneOnly) ft = &r.evals.at(bench);
                }
                for (std::size_t i = 0; i < m->items.size(); ++i) {
                    onlyA += m->items[i].correct && !ft->items[i].correct;
                    onlyB += !m->items[i].correct && ft->items[i].correct;
                }
            }
            QCOMPARE(t.at("only_a").get<std::int64_t>(), onlyA);
            QCOMPARE(t.at("only_b").get<std::int64_t>(), onlyB);
        }
        // Fine-tuning changed predictions; pruning without it did something too.
        QVERIFY(cell(a.table, "before", "copa")->at("per_seed") != cell(a.table, "finetune_only", "copa")->at("per_seed") ||
                a.runs[0].evals.at("copa").items[0].scores != a.runs[2].evals.at("copa").items[0].scores);

        const ComparisonResult b = runComparison(f.setup);
        QCOMPARE(b.table.dump(), a.table.dump());
        const std::string text = formatTable(a.table);
        QVERIFY(text.find("magnitude_finetune") != std::string::npos);
        QVERIFY(text.find("McNemar") != std::string::npos);
    }

    void storesEveryArtefact() {
        Fixture f;
        if (!load(f)) QSKIP("stories260K-hf or the copa/piqa benchmark files are missing");
        f.setup.seeds = {3};
        f.setup.conditions = {Condition::Before, Condition::Method, Condition::FinetuneOnly, Condition::RandomFinetune};
        const std::string path = (prominence::test::tempDir() + QStringLiteral("/cmp.prominence")).toStdString();
        auto ws = workspace::Workspace::create(path);
        const StoredComparison s = runAndStoreComparison(ws, f.setup, "copa-test", true);
        const workspace::ComparisonRecord rec = ws.comparison(s.comparisonId);
        QCOMPARE(rec.table.at("cells").size(), std::size_t(4 * 2));
        QCOMPARE(ws.run(s.runId).status, workspace::RunStatus::Completed);
        QCOMPARE(s.result.table.at("eval_runs").size(), std::size_t(4 * 2));
        for (const auto& e : s.result.table.at("eval_runs")) {
            const workspace::RunRecord r = ws.run(e.at("run_id").get<workspace::Id>());
            QCOMPARE(r.kind, std::string("eval"));
            QCOMPARE(r.params.at("compare_run").get<workspace::Id>(), s.runId);
            QCOMPARE(static_cast<int>(ws.items(r.id).size()), e.at("benchmark") == "copa" ? 40 : 30);
        }
        const auto ckpts = ws.checkpoints(s.runId);
        QCOMPARE(ckpts.size(), std::size_t(3));  // method, finetune_only, random_finetune (seed 3)
        for (const auto& c : ckpts) QVERIFY(std::filesystem::exists(c.path + "/model.safetensors"));
        const prune::StoredMask method = prune::findMask(ws, "copa-test/method");
        QCOMPARE(method.mask, f.setup.methodMask);
        const prune::StoredMask random = prune::findMask(ws, "copa-test/random_finetune/seed 3");
        QCOMPARE(random.mask.countsPerLayer(), f.setup.methodMask.countsPerLayer());
        // The method's checkpoint holds the pruned neurons at exactly zero.
        for (const auto& c : ckpts)
            if (c.maskId && *c.maskId == method.id) QCOMPARE(prune::maxPrunedMagnitude(*Model::load(c.path), method.mask), 0.0);
    }

    void setupIsValidated() {
        Fixture f;
        if (!load(f)) QSKIP("stories260K-hf or the copa/piqa benchmark files are missing");
        ComparisonSetup s = f.setup;
        s.shots = 21;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, runComparison(s));
        s = f.setup;
        s.methodMask = prune::PruneMask(5, 172);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, runComparison(s));
        s = f.setup;
        s.transfer.push_back(s.transfer[0]);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, runComparison(s));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, parseCondition("prune_first"));
    }
};

QTEST_GUILESS_MAIN(TestComparison)
#include "test_comparison.moc"
