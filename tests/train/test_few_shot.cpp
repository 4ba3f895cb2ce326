// Few-shot fine-tuning data: held-out items never overlap the evaluated ones, draws are seeded, and
// the loss covers exactly the answer tokens of the prompt evaluation renders.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "core/data/text_utils.h"
#include "core/train/few_shot.h"

#include <set>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::train;

class TestFewShot : public QObject {
    Q_OBJECT

private slots:
    void holdOutIsDisjointAndSeeded() {
        PROMINENCE_REQUIRE_SHARED(file, "data/benchmarks/copa/copa.llmfoundry.jsonl");
        const auto items = data::loadBenchmark(file.toStdString()).items;
        QCOMPARE(items.size(), std::size_t(100));
        const FewShotSplit a = holdOutFewShot(items, 8, 3);
        QCOMPARE(a.train.size(), std::size_t(8));
        QCOMPARE(a.evaluation.size(), std::size_t(92));
        std::set<std::size_t> trainIdx(a.trainIndices.begin(), a.trainIndices.end());
        QCOMPARE(trainIdx.size(), std::size_t(8));
        std::set<std::string> evalPrompts;
        for (const auto& it : a.evaluation) evalPrompts.insert(it.question + "|" + it.choices[0]);
        for (const auto& it : a.train) QVERIFY(!evalPrompts.count(it.question + "|" + it.choices[0]));
        QCOMPARE(holdOutFewShot(items, 8, 3).trainIndices, a.trainIndices);
        QVERIFY(holdOutFewShot(items, 8, 4).trainIndices != a.trainIndices);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, holdOutFewShot(items, 100, 3));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, holdOutFewShot(items, 0, 3));
    }

    void poolSamplingSkipsEvaluatedItems() {
        std::vector<data::McItem> pool;
        for (int i = 0; i < 6; ++i) {
            data::McItem it;
            it.id = "p" + std::to_string(i);
            it.question = "q" + std::to_string(i);
            it.choices = {"a", "b"};
            it.gold = 0;
            pool.push_back(it);
        }
        std::vector<data::McItem> evaluated = {pool[1], pool[4]};
        evaluated[1].id = "other";  // same question and choices: still excluded
        const auto picked = sampleFewShot(pool, 4, 9, evaluated);
        QCOMPARE(picked.size(), std::size_t(4));
        for (const auto& it : picked) QVERIFY(it.id != "p1" && it.id != "p4");
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, sampleFewShot(pool, 5, 9, evaluated));
    }

    void letterAndLoglikExamples() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(file, "data/benchmarks/copa/copa.llmfoundry.jsonl");
        const Tokenizer tok = Tokenizer::load(dir.toStdString());
        const auto items = data::loadBenchmark(file.toStdString()).items;
        const data::McItem& item = items.at(0);

        const TrainExample letter = mcExample(item, tok, {AnswerStyle::Letter, false});
        const std::string prompt = data::rstrip(data::letterPrompt(item));
        const auto promptIds = tok.encode(prompt);
        const auto whole = tok.encode(prompt + " " + data::optionLetter(static_cast<std::size_t>(item.gold)));
        const std::vector<std::int64_t> answer(whole.begin() + static_cast<std::ptrdiff_t>(promptIds.size()), whole.end());
        QCOMPARE(letter.targetIds, answer);
        QCOMPARE(letter.lossPositions.front(), static_cast<std::int64_t>(promptIds.size()) - 1);
        QVERIFY(std::equal(promptIds.begin(), promptIds.end(), letter.inputIds.begin()));

        const TrainExample loglik = mcExample(item, tok, {AnswerStyle::Loglik, true});
        const std::string ctx = data::rstrip(data::fullPrompt(item, {}, data::PromptStyle::Loglik));
        const auto ctxIds = tok.encode(ctx);
        QCOMPARE(loglik.inputIds.front(), *tok.bosId());
        QVERIFY(std::equal(ctxIds.begin(), ctxIds.end(), loglik.inputIds.begin() + 1));
        QCOMPARE(loglik.lossPositions.front(), static_cast<std::int64_t>(ctxIds.size()));  // BOS shifts by one
        const std::string cont = data::loglikContinuations(item).at(static_cast<std::size_t>(item.gold));
        const auto wholeLoglik = tok.encode(ctx + cont);
        QCOMPARE(loglik.targetIds, std::vector<std::int64_t>(wholeLoglik.begin() + static_cast<std::ptrdiff_t>(ctxIds.size()),
                                                             wholeLoglik.end()));
        QCOMPARE(loglik.targetIds.size(), loglik.lossPositions.size());
        QVERIFY(loglik.targetIds.size() > 1);  // a whole sentence, not one letter

        data::McItem noGold = item;
        noGold.gold = -1;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, mcExample(noGold, tok, {}));
    }
};

QTEST_GUILESS_MAIN(TestFewShot)
#include "test_few_shot.moc"
