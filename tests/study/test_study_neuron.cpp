// study::runDirectEffect equals the direct path computed here from the checkpoint's own safetensors
// tensors (GPT-2's Conv1D layout and Llama's Linear layout, tied and untied heads), and
// runTokenActivations / runItemActivations equal the `forward` CLI's mlp.L tensor for the same ids,
// the item encoded as its eval run encoded it; the Shortcut Lab's workspace answers "top items for
// this neuron" from its stored IG rows. The fixtures come from ../shared (skipped when
// absent); the Shortcut Lab's miniature is built here. LibTorch first: its headers use `slots` as a
// name, which Qt defines as a macro.
#include "core/attribution/dataset_attribution.h"
#include "core/model/safetensors.h"
#include "core/study/eval_step.h"
#include "core/study/neuron_step.h"
#include "core/system/runtime.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

test::CliResult cli(std::vector<std::string> argv) {
    QStringList args;
    for (const std::string& a : argv) args << q(a);
    args << QStringLiteral("--threads") << QStringLiteral("1") << QStringLiteral("--blas-threads")
         << QStringLiteral("1");
    return test::runCli(args);
}

// Where one architecture keeps the direct path's tensors.
struct DirectPath {
    std::string down;  // the layer's down projection
    bool neuronIsRow;  // GPT-2 Conv1D c_proj [I, H]: the neuron's output weights are a row
    std::string norm;  // the final norm's weight
    std::string head;  // lm_head, or the tied embedding
};

// U (w ⊙ g) from the file, in double so the check does not share the step's float rounding.
at::Tensor expectedEffect(const std::string& modelDir, const DirectPath& d, int neuron) {
    const auto file = SafetensorsFile::open(modelDir + "/model.safetensors");
    const at::Tensor down = file->tensor(d.down).to(at::kDouble);
    const at::Tensor w = d.neuronIsRow ? down.select(0, neuron) : down.select(1, neuron);  // [H]
    const at::Tensor g = file->tensor(d.norm).to(at::kDouble);                            // [H]
    return at::matmul(file->tensor(d.head).to(at::kDouble), w * g);                        // [V]
}

void checkDirectEffect(const std::string& modelDir, const std::string& tokenizer,
                       const DirectPath& d, int layer, int neuron) {
    study::DirectEffectParams p;
    p.modelDir = modelDir;
    p.tokenizer = tokenizer;
    p.layer = layer;
    p.neuron = neuron;
    p.top = 7;
    const study::DirectEffectResult r = study::runDirectEffect(p);
    const Tokenizer tok = Tokenizer::load(tokenizer.empty() ? modelDir : tokenizer);
    at::Tensor expected = expectedEffect(modelDir, d, neuron);
    expected = expected.slice(0, 0, std::min(expected.size(0), tok.vocabSize()));
    const double scale = expected.abs().max().item<double>();
    QVERIFY(scale > 0);

    QCOMPARE(r.up.size(), std::size_t(7));
    QCOMPARE(r.down.size(), std::size_t(7));
    const auto [upValues, upIds] = at::topk(expected, 7, 0, true, true);
    const auto [downValues, downIds] = at::topk(expected, 7, 0, false, true);
    for (std::size_t k = 0; k < 7; ++k) {
        const auto i = static_cast<std::int64_t>(k);
        QVERIFY2(std::abs(r.up[k].value - upValues[i].item<double>()) <= 1e-5 * scale,
                 qPrintable(QStringLiteral("up %1: %2 vs %3").arg(k).arg(r.up[k].value).arg(upValues[i].item<double>())));
        QVERIFY(std::abs(r.down[k].value - downValues[i].item<double>()) <= 1e-5 * scale);
        // Ties could reorder ids; the value at the reported id is what must match.
        QVERIFY(std::abs(expected[r.up[k].token].item<double>() - r.up[k].value) <= 1e-5 * scale);
        QVERIFY(std::abs(expected[r.down[k].token].item<double>() - r.down[k].value) <= 1e-5 * scale);
        QCOMPARE(q(r.up[k].text), q(tok.decode({r.up[k].token})));
        if (k > 0) QVERIFY(r.up[k].value <= r.up[k - 1].value && r.down[k].value >= r.down[k - 1].value);
    }
    QCOMPARE(r.letters.size(), std::size_t(4));
    for (std::size_t k = 0; k < 4; ++k) {
        const std::string letter(1, static_cast<char>('A' + k));
        // The token letter scoring reads after "Answer:".
        const std::vector<std::int64_t> body = tok.encode("Answer:", false);
        const std::vector<std::int64_t> whole = tok.encode("Answer: " + letter, false);
        QCOMPARE(whole.size(), body.size() + 1);
        QCOMPARE(r.letters[k].token, whole.back());
        QVERIFY(std::abs(r.letters[k].value - expected[whole.back()].item<double>()) <= 1e-5 * scale);
    }
    QCOMPARE(r.summary.at("up").size(), std::size_t(7));
    QCOMPARE(r.summary.at("letters").at(3).at("token").get<std::int64_t>(), r.letters[3].token);
}

}  // namespace

class TestStudyNeuron : public QObject {
    Q_OBJECT

    std::string dir_, labModel_, source_;

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir().toStdString();
        const test::CliResult b = cli({"demo", "--tiny", "--build-only", "--cache", dir_ + "/lab"});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const std::string lab = json::parse(b.out.toStdString()).at("lab_dir").get<std::string>();
        labModel_ = lab + "/model";
        source_ = lab + "/benchmarks/source.jsonl";
    }

    void directEffectGpt2() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/gpt2-tiny");
        PROMINENCE_REQUIRE_SHARED(tok, "fixtures/tokenizers/gpt2");
        // Tied head: the unembedding is wte.
        checkDirectEffect(model.toStdString(), tok.toStdString(),
                          {"transformer.h.1.mlp.c_proj.weight", true, "transformer.ln_f.weight",
                           "transformer.wte.weight"},
                          1, 37);
    }

    void directEffectLlama() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/llama-tiny");
        PROMINENCE_REQUIRE_SHARED(tok, "fixtures/tokenizers/llama3");
        checkDirectEffect(model.toStdString(), tok.toStdString(),
                          {"model.layers.2.mlp.down_proj.weight", false, "model.norm.weight",
                           "lm_head.weight"},
                          2, 101);
    }

    void directEffectLab() {
        checkDirectEffect(labModel_, "",
                          {"model.layers.1.mlp.down_proj.weight", false, "model.norm.weight",
                           "lm_head.weight"},
                          1, 5);
    }

    void directEffectRefusesBadSites() {
        study::DirectEffectParams p;
        p.modelDir = labModel_;
        p.layer = 2;  // the miniature has 2 layers
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDirectEffect(p));
        p.layer = 0;
        p.neuron = 64;  // and 64 neurons per layer
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDirectEffect(p));
        p.neuron = 0;
        p.top = 0;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDirectEffect(p));
        p.top = 3;
        p.optionLetters = {"A", "no such letter"};
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runDirectEffect(p));
    }

    // The activation per token equals `forward`'s mlp.L column for the same ids.
    void tokenActivationsEqualForward() {
        study::TokenActivationsParams p;
        p.modelDir = labModel_;
        p.text = "Question: which word is a fruit?\nA. pear";
        p.layer = 1;
        p.neuron = 9;
        const study::TokenActivationsResult r = study::runTokenActivations(p);
        const Tokenizer tok = Tokenizer::load(labModel_);
        QCOMPARE(r.ids, tok.encode(p.text, false));
        QCOMPARE(r.tokens.size(), r.ids.size());
        QCOMPARE(q(r.tokens.at(0)), q(tok.decode({r.ids.at(0)})));
        checkAgainstForward(r, p.layer, p.neuron);
    }

    // A stored item is tokenised as its eval run tokenised it, with that run's model.
    void itemActivationsEqualForward() {
        study::EvalParams e;
        e.modelDir = labModel_;
        e.benchmarkPath = source_;
        e.options.scoring = eval::Scoring::Letter;
        e.options.shots = 1;
        e.limit = 3;
        e.workspacePath = dir_ + "/items.prominence";
        const study::EvalResult er = study::runEval(e);
        QVERIFY(er.runId);

        study::ItemActivationsParams p;
        p.workspacePath = e.workspacePath;
        p.evalRunId = *er.runId;
        p.itemIndex = 2;
        p.layer = 0;
        p.neuron = 17;
        const study::TokenActivationsResult r = study::runItemActivations(p);
        const Tokenizer tok = Tokenizer::load(labModel_);
        QCOMPARE(r.ids, attribution::encodePrompt(tok, er.scores.items.at(2).prompt, false));
        QCOMPARE(r.summary.at("item_index").get<std::int64_t>(), std::int64_t(2));
        checkAgainstForward(r, p.layer, p.neuron);

        p.itemIndex = 3;  // the run holds items 0..2
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runItemActivations(p));
        p.itemIndex = 0;
        p.layer = 5;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runItemActivations(p));
        p.layer = 0;
        p.evalRunId = 99;
        QVERIFY_THROWS_EXCEPTION(StorageError, study::runItemActivations(p));
    }

    // The Shortcut Lab's attribution run keeps the source items' IG rows: "top items for this neuron"
    // lists every attributed source item, best first, and their mean is the stored mean_ig matrix.
    void labWorkspaceHasTopItems() {
        const std::string ws = dir_ + "/demo.prominence";
        const test::CliResult d = cli({"demo", "--tiny", "--cache", dir_ + "/lab", "--workspace", ws});
        QVERIFY2(d.code == 0, qPrintable(d.err));
        auto w = workspace::Workspace::open(ws);
        // The matrices' run first, then one run of per-item rows per reference (its children).
        const std::vector<workspace::RunRecord> igRuns = w.runs({"attribution", false});
        QCOMPARE(igRuns.size(), std::size_t(3));
        const workspace::RunRecord& run = igRuns[0];
        QVERIFY(!w.neuronScoresOf(run.id).empty());
        QCOMPARE(run.inputs.size(), std::size_t(1));
        const workspace::RunRecord source = w.run(run.inputs[0].runId);
        QCOMPARE(source.kind, std::string("eval"));
        QVERIFY(w.run(source.id).name.find("source") != std::string::npos);
        std::map<std::int64_t, std::string> sourceIds;
        for (const workspace::ItemResult& it : w.items(source.id)) sourceIds[it.index] = it.itemId;
        const std::vector<std::int64_t> selected = w.selections(source.id).at(0).itemIndices;
        std::optional<workspace::NeuronScores> meanIg;
        for (workspace::NeuronScores& s : w.neuronScoresOf(run.id))
            if (s.kind == "mean_ig" && s.dataset == "source") meanIg = std::move(s);
        QVERIFY(meanIg);

        const int layer = 1;
        for (std::int64_t neuron : {0, 9, 63}) {
            const std::vector<attribution::NeuronItem> top =
                attribution::topItemsForNeuron(w, run.id, layer, neuron, 1000);
            QCOMPARE(static_cast<std::int64_t>(top.size()), meanIg->itemCount);
            double sum = 0;
            for (std::size_t k = 0; k < top.size(); ++k) {
                if (k > 0) QVERIFY(top[k].ig <= top[k - 1].ig);
                QVERIFY(std::find(selected.begin(), selected.end(), top[k].itemIndex) != selected.end());
                QCOMPARE(q(top[k].itemId), q(sourceIds.at(top[k].itemIndex)));
                sum += top[k].ig;
            }
            // meanIg rows are the attributed layers in order; the lab attributes every layer.
            const double expected = meanIg->scores[static_cast<std::size_t>(layer * meanIg->neurons + neuron)];
            QVERIFY2(std::abs(sum / static_cast<double>(top.size()) - expected) <= 1e-5 * std::max(1e-3, std::abs(expected)),
                     qPrintable(QStringLiteral("neuron %1: %2 vs %3").arg(neuron).arg(sum / top.size()).arg(expected)));
        }
    }

private:
    void checkAgainstForward(const study::TokenActivationsResult& r, int layer, int neuron) {
        const std::string in = dir_ + "/forward-in.json", out = dir_ + "/forward-out.safetensors";
        std::ofstream(in) << json{{"input_ids", {r.ids}}}.dump();
        const test::CliResult f = cli({"forward", "--model", labModel_, "--input", in, "--output", out});
        QVERIFY2(f.code == 0, qPrintable(f.err));
        const at::Tensor site = SafetensorsFile::open(out)->tensor("mlp." + std::to_string(layer));
        QCOMPARE(site.size(1), static_cast<std::int64_t>(r.ids.size()));
        QCOMPARE(r.activation.size(), r.ids.size());
        for (std::size_t t = 0; t < r.ids.size(); ++t) {
            const float expected = site[0][static_cast<std::int64_t>(t)][neuron].item<float>();
            QVERIFY2(std::abs(r.activation[t] - expected) <= 1e-6f * std::max(1.0f, std::abs(expected)),
                     qPrintable(QStringLiteral("token %1: %2 vs %3").arg(t).arg(r.activation[t]).arg(expected)));
        }
    }
};

QTEST_GUILESS_MAIN(TestStudyNeuron)
#include "test_study_neuron.moc"
