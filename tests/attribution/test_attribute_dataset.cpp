// The dataset form of `prominence-cli attribute` (stored selections -> IG per item, matrices and
// contrast in the workspace) and core's selection attribution with cancel and resume. Runs on the
// Shortcut Lab's miniature (built here in seconds), so it needs nothing from ../shared.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/baseline.h"
#include "core/attribution/dataset_attribution.h"
#include "core/model/safetensors.h"
#include "core/system/runtime.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::attribution;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

nlohmann::json parseOut(const test::CliResult& r) { return nlohmann::json::parse(r.out.toStdString()); }

at::Tensor asMatrix(const workspace::NeuronScores& s) {
    return at::from_blob(const_cast<float*>(s.scores.data()), {s.layers, s.neurons}, at::kFloat).to(at::kDouble);
}

double relErr(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>() / std::max(1e-12, b.abs().max().item<double>());
}

const workspace::NeuronScores& scoresOfKind(const std::vector<workspace::NeuronScores>& all, const std::string& kind) {
    for (const auto& s : all)
        if (s.kind == kind) return s;
    qFatal("no neuron scores of kind %s", kind.c_str());
}

}  // namespace

class TestAttributeDataset : public QObject {
    Q_OBJECT

    QString labDir_, modelDir_, ws_;
    std::int64_t sourceSel_ = 0, refSel_ = 0;

    QStringList base(const QStringList& extra) {
        return QStringList{QStringLiteral("attribute"), QStringLiteral("--workspace"), ws_} + extra;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        const QString dir = test::tempDir();
        const test::CliResult b = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--build-only"),
                                                QStringLiteral("--cache"), dir + QStringLiteral("/lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        labDir_ = q(parseOut(b).at("lab_dir").get<std::string>());
        modelDir_ = labDir_ + QStringLiteral("/model");
        ws_ = dir + QStringLiteral("/attr.prominence");
        // Eval + selection of every correct item (the miniature is barely trained: its p are low).
        for (const char* bench : {"source", "member"}) {
            const test::CliResult e = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), modelDir_,
                QStringLiteral("--benchmark"), labDir_ + QStringLiteral("/benchmarks/") + QLatin1String(bench) + QStringLiteral(".jsonl"),
                QStringLiteral("--scoring"), QStringLiteral("letter"), QStringLiteral("--workspace"), ws_,
                QStringLiteral("--selection"), QStringLiteral("correct"), QStringLiteral("--select-threshold"), QStringLiteral("0")});
            QVERIFY2(e.code == 0, qPrintable(e.err));
            const nlohmann::json j = parseOut(e);
            QVERIFY2(j.at("selection").at("items").get<int>() >= 2, "too few correct items to attribute");
            (std::string(bench) == "source" ? sourceSel_ : refSel_) = j.at("selection").at("id").get<std::int64_t>();
        }
    }

    // Attribute the source selection with a reference selection: every item and layer stored, the
    // matrices are the statistics of the stored per-item vectors, and the contrast is in the run.
    void storesItemsMatricesAndContrast() {
        const test::CliResult r = test::runCli(base({QStringLiteral("--selection"), QString::number(sourceSel_),
            QStringLiteral("--reference-selection"), QString::number(refSel_), QStringLiteral("--steps"), QStringLiteral("8"),
            QStringLiteral("--freq-threshold"), QStringLiteral("0.3")}));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const nlohmann::json j = parseOut(r);
        const auto run = j.at("attribution").at("run").get<workspace::Id>();
        const auto refRun = j.at("references").at(0).at("run").get<workspace::Id>();

        auto ws = workspace::Workspace::open(ws_.toStdString());
        QCOMPARE(q(ws.run(run).status == workspace::RunStatus::Completed ? "completed" : "not"), QStringLiteral("completed"));
        const workspace::Selection sel = ws.selection(sourceSel_);
        const std::vector<workspace::IgItem> rows = ws.igItems(run);
        const auto model = Model::load(modelDir_.toStdString());
        const std::int64_t L = model->numLayers(), N = model->intermediateSize();
        QCOMPARE(static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(sel.itemIndices.size()) * L);

        // mean_ig / mean_abs_ig / freq from the stored vectors.
        at::Tensor sum = at::zeros({L, N}, at::kDouble), sumAbs = at::zeros({L, N}, at::kDouble);
        std::map<std::int64_t, at::Tensor> perItem;
        for (const auto& row : rows) {
            QCOMPARE(static_cast<std::int64_t>(row.attribution.size()), N);
            const at::Tensor v = at::from_blob(const_cast<float*>(row.attribution.data()), {N}, at::kFloat).to(at::kDouble);
            sum[row.layer] += v;
            sumAbs[row.layer] += v.abs();
            if (!perItem.count(row.itemIndex)) perItem[row.itemIndex] = at::zeros({L, N}, at::kDouble);
            perItem[row.itemIndex][row.layer].copy_(v);
        }
        at::Tensor count = at::zeros({L, N}, at::kLong);
        for (const auto& [index, m] : perItem) count += (m >= 0.3 * m.max()).to(at::kLong);
        const double n = static_cast<double>(sel.itemIndices.size());
        const auto scores = ws.neuronScoresOf(run);
        QVERIFY(relErr(asMatrix(scoresOfKind(scores, "mean_ig")), sum / n) < 1e-6);
        QVERIFY(relErr(asMatrix(scoresOfKind(scores, "mean_abs_ig")), sumAbs / n) < 1e-6);
        const workspace::NeuronScores& freq = scoresOfKind(scores, "freq");
        QCOMPARE(static_cast<std::int64_t>(freq.counts.size()), L * N);
        const at::Tensor storedCounts = at::from_blob(const_cast<std::int32_t*>(freq.counts.data()), {L, N}, at::kInt).to(at::kLong);
        QVERIFY(at::equal(storedCounts, count));
        QCOMPARE(freq.itemCount, static_cast<std::int64_t>(n));

        // The contrast, recomputed from the two stored runs, equals the stored one.
        const NeuronScores in = loadStoredScores(ws, run), ref = loadStoredScores(ws, refRun);
        const ContrastResult c = contrast(in, {&ref}, ContrastParams{});
        std::string kind;
        for (const auto& s : scores)
            if (s.kind.rfind("contrast_", 0) == 0) kind = s.kind;
        QVERIFY2(!kind.empty(), "no contrast stored in the source's run");
        QCOMPARE(q(kind), q(j.at("contrast").at("kind").get<std::string>()));
        QVERIFY(relErr(asMatrix(scoresOfKind(scores, kind)), c.score) < 1e-6);
        QVERIFY(!j.at("contrast").at("top").empty());
        QCOMPARE(ws.run(run).params.at("attribution").at("steps").get<int>(), 8);

        // "Top items for this neuron": the stored vectors, sorted, agree with a direct scan.
        const std::int64_t neuron = 3;
        const auto top = topItemsForNeuron(ws, run, 1, neuron, 3);
        QCOMPARE(top.size(), std::min<std::size_t>(3, perItem.size()));
        std::vector<double> column;
        for (const auto& [index, m] : perItem) column.push_back(m[1][neuron].item<double>());
        std::sort(column.rbegin(), column.rend());
        for (std::size_t i = 0; i < top.size(); ++i) {
            QVERIFY(std::abs(top[i].ig - column[i]) < 1e-6);
            QVERIFY(std::abs(perItem.at(top[i].itemIndex)[1][neuron].item<double>() - top[i].ig) < 1e-6);
        }
        QCOMPARE(ws.run(run).params.at("selection_id").get<std::int64_t>(), sourceSel_);
    }

    // One stored item's IG equals the one-sequence form on the same ids and target.
    void agreesWithTheSequenceForm() {
        const test::CliResult r = test::runCli(base({QStringLiteral("--selection"), QString::number(sourceSel_),
            QStringLiteral("--steps"), QStringLiteral("6"), QStringLiteral("--rule"), QStringLiteral("riemann_trapezoid")}));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto run = parseOut(r).at("attribution").at("run").get<workspace::Id>();
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const workspace::Selection sel = ws.selection(sourceSel_);
        const auto tok = Tokenizer::load(modelDir_.toStdString());
        const auto items = attributionItemsFromStored(ws.items(sel.runId), {sel.itemIndices.front()}, tok,
                                                      PromptEncoding::fromEvalRun(ws.run(sel.runId)));
        const QString input = test::tempDir() + QStringLiteral("/one.json");
        std::ofstream(input.toStdString()) << nlohmann::json{{"input_ids", {items[0].inputIds}}}.dump();
        const QString output = test::tempDir() + QStringLiteral("/one.safetensors");
        const test::CliResult s = test::runCli({QStringLiteral("attribute"), QStringLiteral("--model"), modelDir_,
            QStringLiteral("--input"), input, QStringLiteral("--target-token"), QString::number(items[0].target),
            QStringLiteral("--steps"), QStringLiteral("6"), QStringLiteral("--rule"), QStringLiteral("riemann_trapezoid"),
            QStringLiteral("--output"), output});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const auto file = SafetensorsFile::open(output.toStdString());
        for (const auto& row : ws.igItems(run)) {
            if (row.itemIndex != sel.itemIndices.front()) continue;
            const at::Tensor stored = at::from_blob(const_cast<float*>(row.attribution.data()), {row.neurons}, at::kFloat).to(at::kDouble);
            const at::Tensor one = file->tensor("ig." + std::to_string(row.layer)).to(at::kDouble);
            QVERIFY2(relErr(stored, one) < 1e-6, qPrintable(QStringLiteral("layer %1").arg(row.layer)));
        }
    }

    // A run cancelled after two items keeps them; resuming finishes it with the same matrices as an
    // uninterrupted run (margin objective, mean baseline, all positions: the dataset form's knobs).
    void cancelThenResumeEqualsUninterrupted() {
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const auto model = Model::load(modelDir_.toStdString());
        const auto tok = Tokenizer::load(modelDir_.toStdString());
        const workspace::Selection sel = ws.selection(sourceSel_);
        SelectionAttributionOptions o;
        o.params.objective = Objective::Margin;
        o.params.baseline = BaselineKind::Mean;
        o.params.positions = PositionMode::All;
        o.params.ig.steps = 6;
        const auto items = attributionItemsFromStored(ws.items(sel.runId), sel.itemIndices, tok,
                                                      PromptEncoding::fromEvalRun(ws.run(sel.runId)));
        o.meanBaseline = meanSiteActivations(*model, items, o.params.positions);

        const SelectionAttribution whole = attributeSelection(ws, *model, tok, sourceSel_, o);

        std::int64_t reports = 0;
        Progress stopAfterTwo([&](const std::string&, std::int64_t done, std::int64_t) { return ++reports, done < 2; });
        workspace::Id cancelled = 0;
        try {
            attributeSelection(ws, *model, tok, sourceSel_, o, false, stopAfterTwo);
            QFAIL("the run was not cancelled");
        } catch (const Cancelled&) {
        }
        for (const auto& r : ws.runs({"attribution", true}))
            if (r.status == workspace::RunStatus::Cancelled) cancelled = r.id;
        QVERIFY(cancelled != 0);
        const auto kept = ws.igItems(cancelled, std::nullopt, workspace::ReadScope::Any);
        QCOMPARE(static_cast<std::int64_t>(kept.size()), 2 * static_cast<std::int64_t>(model->numLayers()));

        const SelectionAttribution resumed = resumeSelectionAttribution(ws, *model, tok, cancelled, o.meanBaseline);
        QCOMPARE(resumed.summary.skipped, std::int64_t(2));
        QCOMPARE(resumed.scores.items, whole.scores.items);
        QVERIFY(relErr(resumed.scores.meanIg, whole.scores.meanIg) < 1e-6);
        QVERIFY(relErr(resumed.scores.meanAbsIg, whole.scores.meanAbsIg) < 1e-6);
        QVERIFY(at::equal(resumed.scores.count, whole.scores.count));
        QVERIFY(ws.run(cancelled).status == workspace::RunStatus::Completed);
        // A completed run cannot be resumed again.
        QVERIFY_EXCEPTION_THROWN(resumeSelectionAttribution(ws, *model, tok, cancelled, o.meanBaseline), InvalidArgument);
    }

    void badInvocationsFailClearly() {
        struct Case {
            QStringList args;
            int code;
            const char* message;
        };
        const QString sel = QString::number(sourceSel_);
        const std::vector<Case> cases = {
            {base({}), 2, "exactly one of --selection"},
            {base({QStringLiteral("--selection"), sel, QStringLiteral("--output"), QStringLiteral("x.safetensors")}), 2, "one-sequence form"},
            {base({QStringLiteral("--selection"), QStringLiteral("999")}), 1, "999"},
            {base({QStringLiteral("--selection"), sel, QStringLiteral("--objective"), QStringLiteral("best")}), 2, "best"},
            {base({QStringLiteral("--selection"), sel, QStringLiteral("--reference-selection"), QStringLiteral("x")}), 2, "reference-selection"},
            {base({QStringLiteral("--resume"), QStringLiteral("1")}), 2, "not an attribution run"},
            {{QStringLiteral("attribute"), QStringLiteral("--model"), modelDir_, QStringLiteral("--selection"), sel}, 2, "--workspace"},
            {{QStringLiteral("attribute"), QStringLiteral("--model"), modelDir_, QStringLiteral("--input"), QStringLiteral("in.json"),
              QStringLiteral("--target-token"), QStringLiteral("1"), QStringLiteral("--output"), QStringLiteral("o.safetensors"),
              QStringLiteral("--objective"), QStringLiteral("margin")}, 2, "margin"},
        };
        for (const Case& c : cases) {
            const test::CliResult r = test::runCli(c.args);
            QVERIFY2(r.code == c.code, qPrintable(c.args.join(QLatin1Char(' ')) + QStringLiteral(" -> ") + QString::number(r.code) + QStringLiteral(": ") + r.err));
            QVERIFY2(r.err.contains(QLatin1String(c.message)), qPrintable(r.err));
        }
    }
};

QTEST_GUILESS_MAIN(TestAttributeDataset)
#include "test_attribute_dataset.moc"
