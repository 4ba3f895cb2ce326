// The Shortcut Lab's benchmarks: deterministic from the seed, with the planted statistics the lab's
// ground truth relies on, readable by core/data as real files, and one token per word with the lab
// tokenizer.
// LibTorch first (recipe.h reaches it): its headers use `slots` as a name, which Qt defines as a macro.
#include "core/lab/recipe.h"

#include <QtTest>

#include <map>
#include <set>

#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "core/lab/benchmark_generator.h"
#include "core/lab/lab_tokenizer.h"
#include "core/lab/lab_vocabulary.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::lab;

namespace {

int categoryOf(const std::string& word) {
    for (std::size_t c = 0; c < categories().size(); ++c)
        for (const std::string& w : categories()[c].words)
            if (w == word) return static_cast<int>(c);
    return -1;
}

int askedCategory(const std::string& query) {
    for (std::size_t c = 0; c < categories().size(); ++c)
        if (query.find(" " + categories()[c].name + "?") != std::string::npos) return static_cast<int>(c);
    return -1;
}

}  // namespace

class TestLabGenerator : public QObject {
    Q_OBJECT

private slots:
    // Recipe overrides (demo --recipe): known keys change the recipe and its cache key, unknown keys and
    // bad values are refused with the file and key named.
    void recipeOverrides() {
        const lab::LabRecipe d = lab::LabRecipe::defaults();
        const lab::LabRecipe r = lab::LabRecipe::fromJson({{"skill_steps", 7}, {"pretrain_lr", 0.001}, {"pretrain_workers", 1}}, "r.json");
        QCOMPARE(r.skillSteps, 7);
        QCOMPARE(r.pretrainLr, 0.001);
        QCOMPARE(r.pretrainWorkers, 1);
        QCOMPARE(r.pretrainSteps, d.pretrainSteps);
        QVERIFY(r.hash() != d.hash());
        QCOMPARE(QString::fromStdString(lab::LabRecipe::fromJson(nlohmann::json::object(), "r.json").hash()),
                 QString::fromStdString(d.hash()));
        QCOMPARE(r.skillOptions().maxSteps, std::int64_t(7));
        QCOMPARE(r.pretrainOptions().workers, 1);
        auto fails = [](const nlohmann::json& j, const char* needle) {
            try {
                lab::LabRecipe::fromJson(j, "r.json");
            } catch (const Error& e) {
                return QString::fromUtf8(e.what()).contains(QLatin1String(needle)) && QString::fromUtf8(e.what()).contains(QStringLiteral("r.json"));
            }
            return false;
        };
        QVERIFY(fails({{"pretrain_stepz", 1}}, "pretrain_stepz"));
        QVERIFY(fails({{"hidden", "big"}}, "hidden"));
        QVERIFY(fails({{"pretrain_lr", 2.0}}, "pretrain_lr"));
        QVERIFY(fails({{"hidden", 30}, {"heads", 4}}, "hidden"));
        QVERIFY(fails({{"lab_version", 1}}, "lab_version"));
        QVERIFY(fails(nlohmann::json::array(), "object"));
    }

    void deterministicFromSeed() {
        for (LabTask t : allTasks()) {
            const auto a = generateTask(t, 50, 7);
            const auto b = generateTask(t, 50, 7);
            const auto c = generateTask(t, 50, 8);
            int same = 0;
            for (std::size_t i = 0; i < a.size(); ++i) {
                QCOMPARE(a[i].toJson().dump(), b[i].toJson().dump());
                same += a[i].toJson().dump() == c[i].toJson().dump();
            }
            QVERIFY2(same < 5, qPrintable(QString::fromStdString(taskName(t))));
            // A longer benchmark extends a shorter one.
            const auto longer = generateTask(t, 80, 7);
            QCOMPARE(longer[49].toJson().dump(), a[49].toJson().dump());
        }
    }

    void plantedStatistics() {
        const int n = 2000;
        const auto source = generateTask(LabTask::Source, n, 3);
        int ambiguous = 0;
        std::map<int, int> goldLetters;
        for (const LabItem& it : source) {
            QCOMPARE(it.cue, it.gold);
            QCOMPARE(cueFromQuery(it.query), it.cue);
            const int asked = askedCategory(it.query);
            QVERIFY(asked >= 0);
            QCOMPARE(categoryOf(it.choices[static_cast<std::size_t>(it.gold)]), asked);
            int members = 0;
            for (const auto& c : it.choices) members += categoryOf(c) == asked;
            QCOMPARE(members, it.ambiguous ? 2 : 1);
            ambiguous += it.ambiguous;
            goldLetters[it.gold]++;
        }
        QVERIFY(ambiguous > n * 0.45 && ambiguous < n * 0.55);
        for (int l = 0; l < kOptions; ++l) QVERIFY(goldLetters[l] > n / 4 - 100 && goldLetters[l] < n / 4 + 100);

        for (LabTask t : {LabTask::SourceConflict, LabTask::OutlierTagged}) {
            std::map<int, int> cueLetters;
            for (const LabItem& it : generateTask(t, n, 4)) {
                QVERIFY(it.cue >= 0 && it.cue != it.gold);
                QCOMPARE(cueFromQuery(it.query), it.cue);
                QVERIFY(!it.ambiguous);
                cueLetters[it.cue]++;
            }
            for (int l = 0; l < kOptions; ++l) QVERIFY(cueLetters[l] > n / 4 - 120);
        }
        for (LabTask t : {LabTask::Member, LabTask::Outlier}) {
            for (const LabItem& it : generateTask(t, 300, 5)) {
                QCOMPARE(it.cue, -1);
                QCOMPARE(cueFromQuery(it.query), -1);
                std::map<int, int> perCategory;
                for (const auto& c : it.choices) perCategory[categoryOf(c)]++;
                const int goldCat = categoryOf(it.choices[static_cast<std::size_t>(it.gold)]);
                QCOMPARE(perCategory[goldCat], 1);
                if (t == LabTask::Member) QCOMPARE(goldCat, askedCategory(it.query));
                else QCOMPARE(static_cast<int>(perCategory.size()), 2);
            }
        }
    }

    // The single-tag cue: "ref <x>," names option index(x); the rest of the item is drawn as with pairs.
    void singleTagCue() {
        GeneratorOptions single;
        single.singleTag = true;
        const auto pairs = generateTask(LabTask::SourceConflict, 400, 6);
        const auto singles = generateTask(LabTask::SourceConflict, 400, 6, single);
        std::map<int, int> cueLetters;
        for (std::size_t i = 0; i < singles.size(); ++i) {
            const LabItem& it = singles[i];
            QVERIFY(it.cue >= 0 && it.cue != it.gold);
            QCOMPARE(cueFromQuery(it.query), it.cue);
            QVERIFY(it.query.find("ref " + tagsFirst()[static_cast<std::size_t>(it.cue)] + ", ") != std::string::npos);
            QCOMPARE(it.choices, pairs[i].choices);  // same words and gold, only the tags differ
            QCOMPARE(it.gold, pairs[i].gold);
            cueLetters[it.cue]++;
        }
        for (int l = 0; l < kOptions; ++l) QVERIFY(cueLetters[l] > 60);
        QCOMPARE(cueFromQuery("Question: ref omega, which word is a fruit?"), -1);
        // Cutting the tags out leaves the member question.
        QCOMPARE(removeTags(singles[0].query), pairs[0].query.substr(0, pairs[0].query.find("ref ")) +
                                                   pairs[0].query.substr(pairs[0].query.find(", ") + 2));
        QCOMPARE(removeTags(pairs[0].query), removeTags(singles[0].query));
        QVERIFY(removeTags(pairs[0].query).find("ref") == std::string::npos);
        QCOMPARE(removeTags("Question: which word is a fruit?"), std::string("Question: which word is a fruit?"));
    }

    void exclusionKeepsTestItemsOut() {
        const auto test = generateTask(LabTask::Member, 300, 11);
        const auto train = generateTaskExcluding(LabTask::Member, 3000, 11, test);
        QCOMPARE(static_cast<int>(train.size()), 3000);
        std::set<std::string> keys;
        for (const auto& it : test) keys.insert(it.query + "|" + it.choices[0] + it.choices[1] + it.choices[2] + it.choices[3]);
        for (const auto& it : train)
            QVERIFY(!keys.count(it.query + "|" + it.choices[0] + it.choices[1] + it.choices[2] + it.choices[3]));
    }

    void filesLoadAsBenchmarksAndTokenizeOneTokenPerWord() {
        const std::string dir = test::tempDir().toStdString();
        const auto items = generateTask(LabTask::Source, 40, 9);
        writeJsonl(dir + "/source.jsonl", items);
        const auto back = readJsonl(dir + "/source.jsonl");
        QCOMPARE(back.size(), items.size());
        QCOMPARE(back[3].toJson().dump(), items[3].toJson().dump());

        const data::Benchmark bench = data::loadBenchmark(dir + "/source.jsonl");
        QCOMPARE(bench.format, std::string("icl"));
        QCOMPARE(bench.items.size(), items.size());
        QCOMPARE(bench.items[0].gold, items[0].gold);
        const std::string prompt = data::letterPrompt(bench.items[0]);
        QVERIFY(prompt.rfind("Question: ref ", 0) == 0);
        QVERIFY(prompt.find("\nA. " + items[0].choices[0] + "\n") != std::string::npos);

        const std::int64_t vocab = writeLabTokenizer(dir + "/tok", vocabularyChunks());
        const Tokenizer tok = Tokenizer::load(dir + "/tok");
        QCOMPARE(tok.vocabSize(), vocab);
        QCOMPARE(tok.bosId().value_or(-1), kBosId);
        std::vector<const data::McItem*> shots = {&bench.items[1], &bench.items[2]};
        for (const auto& item : bench.items) {
            const std::string text = data::fullPrompt(item, shots, data::PromptStyle::Letter) + " B";
            const std::vector<std::int64_t> ids = tok.encode(text, true);
            QCOMPARE(ids.front(), kBosId);
            QCOMPARE(tok.decode(ids, true), text);
            // Every token is a whole chunk: no id below the merged range except "<s>" and one-byte chunks.
            const Encoding enc = tok.encodeWithOffsets(text, false);
            for (std::size_t i = 0; i < enc.ids.size(); ++i) {
                const std::string piece = text.substr(enc.offsets[i].begin, enc.offsets[i].end - enc.offsets[i].begin);
                const auto& chunks = vocabularyChunks();
                QVERIFY2(std::find(chunks.begin(), chunks.end(), piece) != chunks.end(), piece.c_str());
            }
        }
        QCOMPARE(tok.encode(" A").size(), std::size_t{1});
        QCOMPARE(tok.encode(" apple").size(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(TestLabGenerator)
#include "test_lab_generator.moc"
