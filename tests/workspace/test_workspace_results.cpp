// What runs write and readers get back: items, selections, IG, neuron score matrices, masks,
// checkpoints, comparisons and exports, and the run lifecycle that guards them.
#include <QFile>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/common/error.h"
#include "core/workspace/workspace.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::workspace;

namespace {

std::string freshPath(const char* name) {
    const QString p = test::tempDir() + QLatin1Char('/') + QString::fromUtf8(name);
    QFile::remove(p);
    QFile::remove(p + QStringLiteral("-wal"));
    QFile::remove(p + QStringLiteral("-shm"));
    return p.toStdString();
}

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!sameBits(a[i], b[i])) return false;
    return true;
}

ItemResult makeItem(std::int64_t i) {
    ItemResult it;
    it.index = i;
    it.itemId = "Mercury_" + std::to_string(7000 + i);
    it.prompt = "Question: Which is \"denser\" — ice or water? ☃ " + std::to_string(i) + "\nAnswer:";
    it.continuations = {" ice", " water", " neither"};
    it.scores = {-0.1 * static_cast<double>(i + 1), -1.0 / 3.0, -std::numeric_limits<double>::infinity()};
    it.probs = {0.6, 0.4, 0.0};
    it.pred = 0;
    it.gold = i % 2;
    it.correct = it.gold == 0;
    it.pCorrect = it.probs[static_cast<std::size_t>(it.gold)];
    it.margin = 0.2 + 1e-17;
    it.extra = {{"pred_norm", 1}, {"lengths", {4, 6, 8}}};
    return it;
}

Id beginEval(Workspace& ws, Id model = 0, Id bench = 0) {
    RunStart start;
    start.kind = "eval";
    start.name = "arc-easy letter";
    if (model != 0) start.modelId = model;
    if (bench != 0) start.benchmarkId = bench;
    start.params = {{"scoring", "letter"}, {"shots", 5}, {"seed", 1234}};
    return ws.beginRun(start);
}

}  // namespace

class TestWorkspaceResults : public QObject {
    Q_OBJECT

private slots:
    void modelsAndBenchmarksAreDeduplicated() {
        Workspace ws = Workspace::create(freshPath("dedup.prominence"));
        const ModelRecord m{0, "/models/qwen", "qwen", "qwen2", "cfgA", "hdrA", {{"layers", 24}}, ""};
        const Id a = ws.addModel(m);
        QCOMPARE(ws.addModel(m), a);
        ModelRecord changed = m;
        changed.weightsHash = "hdrB";
        QVERIFY(ws.addModel(changed) != a);
        QCOMPARE(ws.model(a).info.at("layers").get<int>(), 24);
        QCOMPARE(ws.model(a).architecture, std::string("qwen2"));

        BenchmarkRecord b{0, "/data/g.jsonl", "g", "sha", "jsonl", {{"question", "q"}}, 40, ""};
        const Id bid = ws.addBenchmark(b);
        QCOMPARE(ws.addBenchmark(b), bid);
        QCOMPARE(ws.benchmark(bid).fieldMapping, (Json{{"question", "q"}}));
        QCOMPARE(ws.benchmark(bid).itemCount, std::int64_t{40});
        b.itemCount = -1;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addBenchmark(b));
        QVERIFY_THROWS_EXCEPTION(StorageError, ws.model(999));
    }

    void itemsRoundTripExactly() {
        Workspace ws = Workspace::create(freshPath("items.prominence"));
        const Id model = ws.addModel({0, "/m", "", "gpt2", "c", "w", Json::object(), ""});
        const Id bench = ws.addBenchmark({0, "/b.jsonl", "arc", "h", "arc", Json::object(), 4, ""});
        const Id run = beginEval(ws, model, bench);
        std::vector<ItemResult> written;
        for (int i = 0; i < 4; ++i) written.push_back(makeItem(i));
        written[3].scores[1] = std::numeric_limits<double>::quiet_NaN();
        ws.addItems(run, {written[0], written[1]});
        ws.addItems(run, {written[2], written[3]});

        // Readers see only completed runs unless they ask for partial results.
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.items(run));
        QCOMPARE(ws.items(run, ReadScope::Any).size(), std::size_t{4});
        QVERIFY(ws.runs().empty());
        ws.finishRun(run, {{"n", 4}, {"acc", 0.5}});

        const std::vector<ItemResult> read = ws.items(run);
        QCOMPARE(read.size(), written.size());
        for (std::size_t i = 0; i < read.size(); ++i) {
            const ItemResult& a = written[i];
            const ItemResult& b = read[i];
            QCOMPARE(b.index, a.index);
            QCOMPARE(b.itemId, a.itemId);
            QCOMPARE(b.prompt, a.prompt);
            QCOMPARE(b.continuations, a.continuations);
            QVERIFY2(sameBits(b.probs, a.probs), a.itemId.c_str());
            QCOMPARE(b.scores.size(), a.scores.size());
            for (std::size_t k = 0; k < a.scores.size(); ++k)
                QVERIFY(sameBits(a.scores[k], b.scores[k]) || (std::isnan(a.scores[k]) && std::isnan(b.scores[k])));
            QCOMPARE(b.pred, a.pred);
            QCOMPARE(b.gold, a.gold);
            QCOMPARE(b.correct, a.correct);
            QVERIFY(sameBits(b.pCorrect, a.pCorrect));
            QVERIFY(sameBits(b.margin, a.margin));
            QCOMPARE(b.extra, a.extra);
        }
        QCOMPARE(ws.itemIndices(run), (std::vector<std::int64_t>{0, 1, 2, 3}));

        const RunRecord r = ws.run(run);
        QCOMPARE(r.status, RunStatus::Completed);
        QCOMPARE(r.params.at("shots").get<int>(), 5);
        QCOMPARE(r.summary.at("acc").get<double>(), 0.5);
        QCOMPARE(r.modelId, std::optional<Id>(model));
        QCOMPARE(r.benchmarkId, std::optional<Id>(bench));
        QVERIFY(r.endedAt.has_value());
        QVERIFY(*r.endedAt >= r.startedAt);
        QCOMPARE(ws.runs().size(), std::size_t{1});
        QCOMPARE(ws.runs({"attribution", false}).size(), std::size_t{0});
    }

    void writesAreGuarded() {
        Workspace ws = Workspace::create(freshPath("guard.prominence"));
        const Id run = beginEval(ws);
        ws.addItems(run, {makeItem(0)});
        // A batch with an index stored before fails as a whole.
        QVERIFY_THROWS_EXCEPTION(StorageError, ws.addItems(run, {makeItem(1), makeItem(0)}));
        QCOMPARE(ws.itemIndices(run, ReadScope::Any), (std::vector<std::int64_t>{0}));
        ItemResult bad = makeItem(5);
        bad.gold = 3;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addItems(run, {bad}));
        bad = makeItem(5);
        bad.probs.pop_back();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addItems(run, {bad}));
        ws.finishRun(run);
        // A completed run is final.
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addItems(run, {makeItem(2)}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.finishRun(run));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.resumeRun(run));
        QVERIFY_THROWS_EXCEPTION(StorageError, ws.addItems(12345, {makeItem(0)}));
        RunStart noKind;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.beginRun(noKind));
    }

    void cancelledRunResumes() {
        Workspace ws = Workspace::create(freshPath("resume.prominence"));
        const Id run = beginEval(ws);
        ws.addItems(run, {makeItem(0), makeItem(1)});
        ws.cancelRun(run, {{"done", 2}});
        QCOMPARE(ws.run(run).status, RunStatus::Cancelled);
        QVERIFY(ws.runs().empty());
        QCOMPARE(ws.runs({"eval", true}).size(), std::size_t{1});
        QCOMPARE(ws.resumeRun(run), (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(ws.run(run).status, RunStatus::Running);
        QVERIFY(!ws.run(run).endedAt.has_value());
        ws.addItems(run, {makeItem(2)});
        ws.failRun(run, "CUDA out of memory");
        QCOMPARE(ws.run(run).error, std::string("CUDA out of memory"));
        QCOMPARE(ws.resumeRun(run).size(), std::size_t{3});
        ws.finishRun(run);
        QCOMPARE(ws.items(run).size(), std::size_t{3});
    }

    void liveRunStaysRunning() {
        const std::string path = freshPath("live.prominence");
        Workspace writer = Workspace::create(path);
        const Id run = beginEval(writer);
        Workspace reader = Workspace::open(path);
        QVERIFY(reader.recoveredRuns().empty());
        QCOMPARE(reader.run(run).status, RunStatus::Running);
        QCOMPARE(reader.run(run).pid, static_cast<std::int64_t>(QCoreApplication::applicationPid()));
    }

    void selectionsRoundTrip() {
        Workspace ws = Workspace::create(freshPath("sel.prominence"));
        const Id run = beginEval(ws);
        std::vector<ItemResult> items;
        for (int i = 0; i < 6; ++i) items.push_back(makeItem(i));
        ws.addItems(run, items);
        Selection sel;
        sel.runId = run;
        sel.name = "high-confidence";
        sel.criteria = {{"threshold", 0.9}, {"correct", true}};
        sel.itemIndices = {4, 0, 2};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveSelection(sel));  // the run is still running
        ws.finishRun(run);
        const Id id = ws.saveSelection(sel);
        const Selection back = ws.selection(id);
        QCOMPARE(back.itemIndices, sel.itemIndices);
        QCOMPARE(back.criteria, sel.criteria);
        QCOMPARE(back.name, sel.name);
        QCOMPARE(ws.findSelection(run, "high-confidence")->id, id);
        QVERIFY(!ws.findSelection(run, "other").has_value());
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveSelection(sel));  // same name
        Selection missing = sel;
        missing.name = "missing";
        missing.itemIndices = {1, 9};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveSelection(missing));
        missing.itemIndices = {1, 1};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveSelection(missing));
        QCOMPARE(ws.selections(run).size(), std::size_t{1});
        QCOMPARE(ws.selections().size(), std::size_t{1});
    }

    void neuronScoresRoundTripBitExactly() {
        Workspace ws = Workspace::create(freshPath("scores.prominence"));
        RunStart start;
        start.kind = "attribution";
        const Id run = ws.beginRun(start);
        NeuronScores s;
        s.runId = run;
        s.dataset = "arc-easy/high-confidence";
        s.kind = "mean_abs_ig";
        s.layers = 3;
        s.neurons = 37;
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1e-3f);
        for (std::int64_t i = 0; i < s.layers * s.neurons; ++i) s.scores.push_back(normal(rng));
        s.scores[0] = -0.0f;
        s.scores[1] = std::numeric_limits<float>::denorm_min();
        s.scores[2] = std::numeric_limits<float>::infinity();
        s.scores[3] = std::numeric_limits<float>::max();
        for (std::int64_t i = 0; i < s.layers * s.neurons; ++i) s.counts.push_back(static_cast<std::int32_t>(i * 3 - 50));
        s.itemCount = 120;
        s.params = {{"steps", 20}, {"rule", "gausslegendre"}};
        const Id id = ws.saveNeuronScores(s);
        NeuronScores noCounts = s;
        noCounts.kind = "freq";
        noCounts.counts.clear();
        ws.saveNeuronScores(noCounts);
        QVERIFY_THROWS_EXCEPTION(StorageError, ws.saveNeuronScores(s));  // (run, dataset, kind) is unique
        NeuronScores wrong = s;
        wrong.kind = "mean_ig";
        wrong.neurons = 36;
        QVERIFY_THROWS_EXCEPTION(ShapeError, ws.saveNeuronScores(wrong));
        ws.finishRun(run);

        const NeuronScores back = ws.neuronScores(id);
        QCOMPARE(back.layers, s.layers);
        QCOMPARE(back.neurons, s.neurons);
        QCOMPARE(back.scores.size(), s.scores.size());
        QVERIFY(std::memcmp(back.scores.data(), s.scores.data(), s.scores.size() * sizeof(float)) == 0);
        QCOMPARE(back.counts, s.counts);
        QCOMPARE(back.itemCount, s.itemCount);
        QCOMPARE(back.params, s.params);
        QCOMPARE(back.dataset, s.dataset);
        const std::vector<NeuronScores> all = ws.neuronScoresOf(run);
        QCOMPARE(all.size(), std::size_t{2});
        QVERIFY(all[1].counts.empty());
        // What sqlite3 users see: 4 little-endian bytes per value.
        Statement raw = ws.database().prepare("SELECT length(scores), hex(substr(scores, 13, 4)) FROM neuron_scores "
                                              "WHERE id = ?", "raw blob");
        raw.bind(1, id);
        QVERIFY(raw.step());
        QCOMPARE(raw.getInt(0), s.layers * s.neurons * 4);
        QCOMPARE(raw.getText(1), std::string("FFFF7F7F"));  // FLT_MAX
    }

    void igItemsRoundTrip() {
        Workspace ws = Workspace::create(freshPath("ig.prominence"));
        RunStart start;
        start.kind = "attribution";
        const Id run = ws.beginRun(start);
        std::vector<IgItem> items;
        for (int item = 0; item < 2; ++item)
            for (int layer = 0; layer < 3; ++layer) {
                IgItem ig;
                ig.itemIndex = item * 10;
                ig.itemId = "q" + std::to_string(item);
                ig.layer = layer;
                ig.target = 318;
                ig.fInput = -0.25 * layer;
                ig.fBaseline = -3.5;
                ig.delta = 1e-6 * (layer + 1);
                ig.neurons = 8;
                if (layer != 1)
                    for (int n = 0; n < 8; ++n) ig.attribution.push_back(0.125f * static_cast<float>(n - layer));
                ig.summary = {{"top", {layer, 7}}};
                items.push_back(ig);
            }
        ws.addIgItems(run, items);
        IgItem bad = items[0];
        bad.itemIndex = 99;
        bad.attribution.pop_back();
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addIgItems(run, {bad}));
        ws.finishRun(run);
        const std::vector<IgItem> back = ws.igItems(run);
        QCOMPARE(back.size(), items.size());
        for (std::size_t i = 0; i < back.size(); ++i) {
            QCOMPARE(back[i].itemIndex, items[i].itemIndex);
            QCOMPARE(back[i].layer, items[i].layer);
            QCOMPARE(back[i].target, items[i].target);
            QCOMPARE(back[i].fInput, items[i].fInput);
            QCOMPARE(back[i].delta, items[i].delta);
            QCOMPARE(back[i].attribution, items[i].attribution);
            QCOMPARE(back[i].summary, items[i].summary);
        }
        const std::vector<IgItem> layer2 = ws.igItems(run, 2);
        QCOMPARE(layer2.size(), std::size_t{2});
        QCOMPARE(layer2[1].itemIndex, std::int64_t{10});
        QVERIFY(ws.igItems(run, 1)[0].attribution.empty());
    }

    void masksKeepProvenance() {
        Workspace ws = Workspace::create(freshPath("mask.prominence"));
        const Id model = ws.addModel({0, "/m", "", "gpt2", "c", "w", Json::object(), ""});
        RunStart start;
        start.kind = "prune";
        start.modelId = model;
        const Id run = ws.beginRun(start);
        MaskRecord m;
        m.name = "contrast top 0.5%";
        m.runId = run;
        m.modelId = model;
        m.layers = 12;
        m.neurons = 3072;
        m.pruned = {{11, 7}, {3, 3071}, {3, 0}};
        m.provenance = {{"scores", {1, 2}}, {"policy", "top_p"}, {"p", 0.005}, {"clicks", Json::array()}};
        const Id id = ws.saveMask(m);
        const MaskRecord back = ws.mask(id);
        QCOMPARE(back.pruned, (std::vector<NeuronRef>{{3, 0}, {3, 3071}, {11, 7}}));
        QCOMPARE(back.provenance, m.provenance);
        QCOMPARE(back.runId, std::optional<Id>(run));
        QCOMPARE(back.modelId, std::optional<Id>(model));
        QCOMPARE(ws.database().queryInt("SELECT neuron_count FROM masks", "count"), std::int64_t{3});
        MaskRecord outside = m;
        outside.pruned = {{12, 0}};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveMask(outside));
        outside.pruned = {{1, 3072}};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveMask(outside));
        outside.pruned = {{1, 2}, {1, 2}};
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.saveMask(outside));
        QCOMPARE(ws.masks().size(), std::size_t{1});
    }

    void checkpointsComparisonsExports() {
        Workspace ws = Workspace::create(freshPath("out.prominence"));
        RunStart start;
        start.kind = "finetune";
        const Id train = ws.beginRun(start);
        const Id mask = ws.saveMask({0, "m", train, std::nullopt, 2, 4, {{0, 1}}, Json::object(), ""});
        ws.addCheckpoint({0, train, 100, "/ckpt/step100", mask, {{"loss", 1.25}}, ""});
        ws.addCheckpoint({0, train, 50, "/ckpt/step50", mask, {{"loss", 2.5}}, ""});
        ws.finishRun(train);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addCheckpoint({0, train, 150, "/c", std::nullopt, {}, ""}));
        const auto cks = ws.checkpoints(train);
        QCOMPARE(cks.size(), std::size_t{2});
        QCOMPARE(cks[0].step, std::int64_t{50});
        QCOMPARE(cks[1].metrics.at("loss").get<double>(), 1.25);
        QCOMPARE(cks[0].maskId, std::optional<Id>(mask));

        RunStart cmp;
        cmp.kind = "compare";
        cmp.inputs = {{train, "after"}};
        const Id compare = ws.beginRun(cmp);
        const Json table = {{"rows", {{{"benchmark", "arc"}, {"before", 0.5}, {"after", 0.625}}}}};
        const Id cid = ws.saveComparison({0, compare, "arc before/after", table, ""});
        QVERIFY(ws.comparisons().empty());
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.comparison(cid));
        ws.finishRun(compare);
        QCOMPARE(ws.comparison(cid).table, table);
        QCOMPARE(ws.comparisons().size(), std::size_t{1});

        ws.addExport({0, train, mask, "hf_checkpoint", "/out/pruned", {{"tokenizer", true}}, ""});
        ws.addArtifact({0, compare, "report_pdf", "/out/r.pdf", Json::object(), ""});
        QCOMPARE(ws.exports(train).size(), std::size_t{1});
        QCOMPARE(ws.exports(train)[0].maskId, std::optional<Id>(mask));
        QCOMPARE(ws.exports(compare).size(), std::size_t{0});
        QCOMPARE(ws.artifacts().size(), std::size_t{1});
        QCOMPARE(ws.artifacts()[0].path, std::string("/out/r.pdf"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ws.addExport({0, train, std::nullopt, "", "/x", {}, ""}));
        QCOMPARE(ws.integrityCheck(), std::string("ok"));
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceResults)
#include "test_workspace_results.moc"
