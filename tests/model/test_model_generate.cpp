// stories260K-hf, a real trained Llama: greedy decoding from BOS reproduces transformers' (and
// llama2.c's) 256 ids exactly; the prompts' top-5 next-token log-probs match.
#include "core/common/torch.h"

#include <QtTest>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/model/generate.h"
#include "core/model/model.h"
#include "tests/common/test_support.h"

using namespace prominence;

class TestModelGenerate : public QObject {
    Q_OBJECT

    static nlohmann::json reference(const QString& dir) {
        std::ifstream in((dir + QStringLiteral("/reference.json")).toStdString());
        return nlohmann::json::parse(in);
    }

private slots:
    void greedyFromBos() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        const auto ref = reference(dir);
        const auto expected = ref["greedy_ids"].get<std::vector<std::int64_t>>();
        const auto model = Model::load(dir.toStdString());
        GenerateOptions go;
        go.maxNewTokens = static_cast<std::int64_t>(expected.size());
        const GenerateResult r = generateGreedy(*model, {1}, go);
        QCOMPARE(r.tokens.size(), expected.size());
        int firstDiff = -1;
        for (std::size_t i = 0; i < expected.size() && firstDiff < 0; ++i)
            if (r.tokens[i] != expected[i]) firstDiff = static_cast<int>(i);
        std::printf("  greedy: %zu ids, first difference at %d\n", r.tokens.size(), firstDiff);
        QCOMPARE(firstDiff, -1);
    }

    void promptTop5() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        const auto ref = reference(dir);
        const auto model = Model::load(dir.toStdString());
        at::NoGradGuard noGrad;
        for (const auto& p : ref["prompts"]) {
            const auto ids = p["ids"].get<std::vector<std::int64_t>>();
            const at::Tensor logits = model->forward({at::tensor(ids).unsqueeze(0), {}, {}}).logits;  // [1, T, V]
            const at::Tensor logprobs = logits[0][static_cast<std::int64_t>(ids.size()) - 1].log_softmax(-1);
            const at::Tensor top = std::get<1>(logprobs.topk(5));
            double worst = 0;
            for (int k = 0; k < 5; ++k) {
                QCOMPARE(top[k].item<std::int64_t>(), p["top5_next"][k]["id"].get<std::int64_t>());
                worst = std::max(worst, std::abs(logprobs[top[k]].item<double>() - p["top5_next"][k]["logprob"].get<double>()));
            }
            std::printf("  prompt %-24s top-5 ids equal, max |logprob diff| %.3g\n", p["text"].get<std::string>().c_str(), worst);
            QVERIFY(worst < 1e-4);
        }
    }
};

QTEST_GUILESS_MAIN(TestModelGenerate)
#include "test_model_generate.moc"
