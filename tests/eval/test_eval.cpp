// Evaluation on a real trained model (stories260K, with its tokenizer): batched and cached scoring
// equal the unbatched path, and both equal a direct computation from forward() logits.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "core/eval/eval_store.h"
#include "core/eval/evaluator.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"

// Qt's `slots` macro must come after the LibTorch headers, which use the word.
#include <QtTest>
#include "tests/common/test_support.h"

using namespace prominence;

class TestEval : public QObject {
    Q_OBJECT

    std::unique_ptr<Model> model_;
    std::optional<Tokenizer> tokenizer_;
    std::vector<data::McItem> items_;

    // Direct: log_softmax of forward() over the whole sequence, summed at the continuation tokens.
    double directLoglik(const std::string& context, const std::string& continuation) {
        std::string ctx = context, cont = continuation;
        while (!ctx.empty() && ctx.back() == ' ') {
            cont.insert(0, 1, ' ');
            ctx.pop_back();
        }
        const auto ctxIds = tokenizer_->encode(ctx);
        const auto whole = tokenizer_->encode(ctx + cont);
        std::vector<std::int64_t> seq = ctxIds;
        seq.insert(seq.end(), whole.begin() + static_cast<std::ptrdiff_t>(ctxIds.size()), whole.end());
        ForwardInput in;
        in.inputIds = at::tensor(seq, at::kLong).unsqueeze(0);
        at::NoGradGuard g;
        const at::Tensor logp = at::log_softmax(model_->forward(in).logits[0].to(at::kDouble), -1);
        double sum = 0;
        for (std::size_t t = ctxIds.size(); t < seq.size(); ++t)
            sum += logp[static_cast<std::int64_t>(t - 1)][seq[t]].item<double>();
        return sum;
    }

private slots:
    void initTestCase() {
        const QString dir = test::sharedPath(QStringLiteral("fixtures/models/stories260K-hf"));
        const QString arc = test::sharedPath(QStringLiteral("data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl"));
        if (dir.isEmpty() || arc.isEmpty()) QSKIP("stories260K-hf or arc_easy fixture not found (PROMINENCE_SHARED)");
        model_ = Model::load(dir.toStdString());
        tokenizer_ = Tokenizer::load(dir.toStdString());
        auto b = data::loadBenchmark(arc.toStdString());
        items_.assign(b.items.begin(), b.items.begin() + 12);
    }

    void loglikBatchedEqualsUnbatched() {
        eval::EvalOptions single;
        single.maxBatchRows = 1;
        single.reuseContext = false;
        eval::EvalOptions batched;
        batched.reuseContext = false;
        eval::EvalOptions cached;  // reuse on, continuations batched
        eval::EvalOptions cachedSingle;
        cachedSingle.maxBatchRows = 1;
        const auto a = eval::evaluate(*model_, *tokenizer_, items_, nullptr, single);
        for (const auto* o : {&batched, &cached, &cachedSingle}) {
            const auto b = eval::evaluate(*model_, *tokenizer_, items_, nullptr, *o);
            for (std::size_t i = 0; i < items_.size(); ++i)
                for (std::size_t c = 0; c < a.items[i].scores.size(); ++c)
                    // float32 sums of ~100 nats: 1e-5 relative (GEMM blocking differs with batch shape).
                    QVERIFY2(std::fabs(a.items[i].scores[c] - b.items[i].scores[c]) <=
                                 1e-5 * std::max(1.0, std::fabs(a.items[i].scores[c])),
                             qPrintable(QStringLiteral("item %1 choice %2: %3 vs %4")
                                            .arg(i).arg(c).arg(a.items[i].scores[c]).arg(b.items[i].scores[c])));
        }
    }

    void loglikEqualsDirectForward() {
        const auto r = eval::evaluate(*model_, *tokenizer_, items_, nullptr, {});
        for (std::size_t i = 0; i < 4; ++i) {
            const auto conts = data::loglikContinuations(items_[i]);
            QCOMPARE(r.items[i].prompt, data::loglikContext(items_[i]));
            QCOMPARE(r.items[i].continuations, conts);
            for (std::size_t c = 0; c < conts.size(); ++c) {
                const double direct = directLoglik(r.items[i].prompt, conts[c]);
                QVERIFY2(std::fabs(direct - r.items[i].scores[c]) < 1e-4,
                         qPrintable(QStringLiteral("%1 vs %2").arg(direct).arg(r.items[i].scores[c])));
            }
            double z = 0;
            for (double p : r.items[i].probs) z += p;
            QVERIFY(std::fabs(z - 1.0) < 1e-9);
        }
        QCOMPARE(r.summary.n, std::int64_t(12));
        QVERIFY(r.summary.accNorm.has_value());
    }

    void letterNeedsSingleTokenLetters() {
        // stories260K's SentencePiece vocabulary splits " A" after "Answer:" into "▁" + "A".
        eval::EvalOptions o;
        o.scoring = eval::Scoring::Letter;
        try {
            eval::evaluate(*model_, *tokenizer_, items_, nullptr, o);
            QFAIL("expected InvalidArgument");
        } catch (const InvalidArgument& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is not exactly one token")), e.what());
        }
    }

    void letterEqualsDirectForwardAndBatchingAgrees() {
        // GPT-2's byte-level BPE has single-token " A".." D"; a small seeded GPT-2 of its vocabulary.
        const QString tokDir = test::sharedPath(QStringLiteral("fixtures/tokenizers/gpt2"));
        if (tokDir.isEmpty()) QSKIP("fixtures/tokenizers/gpt2 not found");
        const Tokenizer gpt2Tok = Tokenizer::load(tokDir.toStdString());
        const nlohmann::json cfg = {{"model_type", "gpt2"}, {"vocab_size", 50257}, {"n_embd", 64}, {"n_layer", 2},
                                    {"n_head", 4}, {"n_positions", 1024}, {"activation_function", "gelu_new"}};
        const auto gpt2 = Model::createFromConfig(ModelConfig::fromJson(cfg, "test"), 3);
        eval::EvalOptions o;
        o.scoring = eval::Scoring::Letter;
        const auto r = eval::evaluate(*gpt2, gpt2Tok, items_, nullptr, o);
        eval::EvalOptions one = o;
        one.maxBatchRows = 1;
        const auto r1 = eval::evaluate(*gpt2, gpt2Tok, items_, nullptr, one);
        at::NoGradGuard g;
        for (std::size_t i = 0; i < items_.size(); ++i) {
            QCOMPARE(r.items[i].prompt, data::letterPrompt(items_[i]));
            const auto ids = gpt2Tok.encode(r.items[i].prompt);
            ForwardInput in;
            in.inputIds = at::tensor(ids, at::kLong).unsqueeze(0);
            const at::Tensor logp = at::log_softmax(gpt2->forward(in).logits[0][-1].to(at::kDouble), -1);
            for (std::size_t c = 0; c < items_[i].choices.size(); ++c) {
                const auto letterIds = gpt2Tok.encode(" " + data::optionLetter(c));
                QCOMPARE(letterIds.size(), std::size_t(1));
                const double direct = logp[letterIds[0]].item<double>();
                QVERIFY2(std::fabs(direct - r.items[i].scores[c]) < 1e-4,
                         qPrintable(QStringLiteral("%1 vs %2").arg(direct).arg(r.items[i].scores[c])));
                QVERIFY(std::fabs(r1.items[i].scores[c] - r.items[i].scores[c]) < 1e-5);
            }
        }
    }

    void fewShotPromptsAreSeededAndExcludeTheItem() {
        eval::EvalOptions o;
        o.shots = 2;
        o.seed = 7;
        std::vector<data::McItem> few(items_.begin(), items_.begin() + 4);
        const auto a = eval::evaluate(*model_, *tokenizer_, few, &items_, o);
        const auto b = eval::evaluate(*model_, *tokenizer_, few, &items_, o);
        QCOMPARE(a.items[0].prompt, b.items[0].prompt);
        QVERIFY(a.items[0].prompt.size() > data::loglikContext(few[0]).size());
        QVERIFY(a.items[0].prompt.find("\n\n") != std::string::npos);
        const auto same = eval::evaluate(*model_, *tokenizer_, few, nullptr, o);
        for (std::size_t i = 0; i < few.size(); ++i) {
            // The item's own solved text never appears among its exemplars.
            const std::string own = data::loglikContext(few[i]) + data::loglikContinuations(few[i])[static_cast<std::size_t>(few[i].gold)];
            QVERIFY(same.items[i].prompt.find(own + "\n\n") == std::string::npos);
        }
    }

    void shuffledOptionsKeepScoresPerChoice() {
        eval::EvalOptions o;
        o.shuffleOptions = true;
        const auto plain = eval::evaluate(*model_, *tokenizer_, items_, nullptr, {});
        const auto shuffled = eval::evaluate(*model_, *tokenizer_, items_, nullptr, o);
        for (std::size_t i = 0; i < items_.size(); ++i) {
            // In loglik the context does not list the options, so each choice keeps its score.
            QVERIFY(std::fabs(plain.items[i].pCorrect - shuffled.items[i].pCorrect) < 1e-5);
            QCOMPARE(shuffled.items[i].continuations[static_cast<std::size_t>(shuffled.items[i].gold)],
                     plain.items[i].continuations[static_cast<std::size_t>(plain.items[i].gold)]);
        }
    }

    // The models row's weights hash: the same for a byte-identical copy, different once one weight
    // changes (a pruned export), a sharded model hashed over all its shards, empty without safetensors.
    void weightsHashIdentifiesTheWeights() {
        namespace fs = std::filesystem;
        const QString dir = test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        const QString sharded = test::sharedPath(QStringLiteral("fixtures/models/llama-tiny-sharded"));
        if (dir.isEmpty() || sharded.isEmpty()) QSKIP("llama-tiny fixtures not found (PROMINENCE_SHARED)");
        const std::string original = eval::weightsHash(dir.toStdString());
        QVERIFY(original.rfind("fnv1a64:", 0) == 0);
        QCOMPARE(original.size(), std::string("fnv1a64:").size() + 16);
        QTemporaryDir tmp;
        const fs::path copy = fs::path(tmp.path().toStdString()) / "copy";
        fs::create_directories(copy);
        for (const auto& e : fs::directory_iterator(dir.toStdString())) fs::copy_file(e.path(), copy / e.path().filename());
        QCOMPARE(eval::weightsHash(copy.string()), original);
        // One weight changed: the first sampled block begins right after the header.
        const fs::path file = copy / "model.safetensors";
        std::uint64_t headerLen = 0;
        {
            std::ifstream in(file, std::ios::binary);
            in.read(reinterpret_cast<char*>(&headerLen), 8);
        }
        {
            std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
            io.seekg(static_cast<std::streamoff>(8 + headerLen));
            char b = 0;
            io.read(&b, 1);
            b = static_cast<char>(b ^ 0x5a);
            io.seekp(static_cast<std::streamoff>(8 + headerLen));
            io.write(&b, 1);
        }
        QVERIFY(eval::weightsHash(copy.string()) != original);
        const std::string shardedHash = eval::weightsHash(sharded.toStdString());
        QVERIFY(!shardedHash.empty());
        QVERIFY(shardedHash != original);
        QVERIFY(eval::weightsHash(tmp.path().toStdString()).empty());  // no safetensors file at its top
    }
};

QTEST_GUILESS_MAIN(TestEval)
#include "test_eval.moc"
