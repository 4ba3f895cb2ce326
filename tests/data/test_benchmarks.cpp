// Every shipped benchmark file loads with the item count its SOURCE.txt gives, and renders as
// lm-evaluation-harness would.
#include <QtTest>

#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::data;

namespace {

Benchmark load(const QString& dir, const char* file, LoadOptions opts = {}) {
    return loadBenchmark((dir + QLatin1Char('/') + QString::fromUtf8(file)).toStdString(), opts);
}

}  // namespace

class TestBenchmarks : public QObject {
    Q_OBJECT

private slots:
    void countsMatchSourceTxt_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("format");
        QTest::newRow("arc_easy") << "arc_easy/arc_easy.llmfoundry.jsonl" << 2376 << "icl";
        QTest::newRow("arc_challenge") << "arc_challenge/arc_challenge.llmfoundry.jsonl" << 1172 << "icl";
        QTest::newRow("boolq") << "boolq/boolq.llmfoundry.jsonl" << 3270 << "icl";
        QTest::newRow("piqa") << "piqa/piqa.llmfoundry.jsonl" << 1838 << "icl";
        QTest::newRow("copa") << "copa/copa.llmfoundry.jsonl" << 100 << "icl";
        QTest::newRow("obqa icl") << "openbookqa/openbook_qa.llmfoundry.jsonl" << 500 << "icl";
        QTest::newRow("obqa original") << "openbookqa/test_from_benedictflorance.jsonl" << 500 << "question_stem";
        QTest::newRow("csqa icl") << "commonsenseqa/commonsense_qa.llmfoundry.jsonl" << 1221 << "icl";
        QTest::newRow("csqa original") << "commonsenseqa/dev_rand_split.jsonl" << 1221 << "question_stem";
        QTest::newRow("hellaswag small") << "hellaswag/hellaswag_small.llmfoundry_tests.jsonl" << 4 << "icl";
        QTest::newRow("hellaswag 1000") << "hellaswag/hellaswag_val_1000.rubrikscube.jsonl" << 1000 << "hellaswag";
        QTest::newRow("hellaswag 500 en") << "hellaswag/hellaswag_val_500_en.jsonl" << 500 << "hellaswag";
        QTest::newRow("hellaswag 500 ru") << "hellaswag/hellaswag_val_500_ru_edited.jsonl" << 500 << "hellaswag";
        QTest::newRow("hellaswag 500 fa") << "hellaswag/hellaswag_val_500_fa_edited.jsonl" << 500 << "hellaswag";
        QTest::newRow("mmlu small") << "mmlu/mmlu_small.llmfoundry_tests.jsonl" << 4 << "icl";
        QTest::newRow("mmlu test dir") << "mmlu/test" << 14042 << "mmlu_csv";
        QTest::newRow("mmlu dev dir") << "mmlu/dev" << 285 << "mmlu_csv";
        QTest::newRow("truthfulqa en") << "truthfulqa_mc/truthfulqa_multi_en.validation.json" << 817 << "truthfulqa_mc1";
        QTest::newRow("truthfulqa es") << "truthfulqa_mc/truthfulqa_multi_es.validation.json" << 817 << "truthfulqa_mc1";
        for (const char* lang : {"et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh"}) {
            const QString l = QString::fromLatin1(lang);
            QTest::newRow(qPrintable(QStringLiteral("xcopa test ") + l))
                << QStringLiteral("xcopa/test.%1.jsonl").arg(l) << 500 << "copa";
            QTest::newRow(qPrintable(QStringLiteral("xcopa val ") + l))
                << QStringLiteral("xcopa/val.%1.jsonl").arg(l) << 100 << "copa";
        }
    }

    void countsMatchSourceTxt() {
        QFETCH(QString, file);
        QFETCH(int, count);
        QFETCH(QString, format);
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const Benchmark b = load(dir, file.toUtf8().constData());
        QCOMPARE(static_cast<int>(b.items.size()), count);
        QCOMPARE(QString::fromStdString(b.format), format);
        QVERIFY(b.skipped.empty());
        for (const McItem& item : b.items) {
            QVERIFY(item.choices.size() >= 2);
            QVERIFY(item.gold >= 0 && item.gold < static_cast<int>(item.choices.size()));
            QCOMPARE(loglikContinuations(item).size(), item.choices.size());
        }
    }

    void mmluEverySubjectHasFiveDevItems() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks/mmlu/dev");
        const Benchmark b = loadBenchmark(dir.toStdString());
        std::map<std::string, int> perSubject;
        for (const auto& item : b.items) ++perSubject[item.metadata.at("subject").get<std::string>()];
        QCOMPARE(static_cast<int>(perSubject.size()), 57);
        for (const auto& [subject, n] : perSubject) QCOMPARE(n, 5);
    }

    void arcRendersAsLmEval() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const Benchmark b = load(dir, "arc_easy/arc_easy.llmfoundry.jsonl");
        const McItem& item = b.items[1];
        QCOMPARE(loglikContext(item), std::string("Question: Which piece of safety equipment is used to keep mold "
                                                  "spores from entering the respiratory system?\nAnswer:"));
        QCOMPARE(loglikContinuations(item)[1], std::string(" breathing mask"));
        QCOMPARE(item.gold, 1);
        QCOMPARE(letterPrompt(item),
                 std::string("Question: Which piece of safety equipment is used to keep mold spores from entering the "
                             "respiratory system?\nA. safety goggles\nB. breathing mask\nC. rubber gloves\nD. lead "
                             "apron\nAnswer:"));
    }

    void piqaDropsTrailingNewlineBeforeAnswer() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem item = load(dir, "piqa/piqa.llmfoundry.jsonl").items[1];
        QCOMPARE(loglikContext(item), std::string("Question: dresser\nAnswer:"));
        QCOMPARE(item.gold, 1);
    }

    void obqaOriginalMatchesIclVariant() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const Benchmark orig = load(dir, "openbookqa/test_from_benedictflorance.jsonl");
        const Benchmark icl = load(dir, "openbookqa/openbook_qa.llmfoundry.jsonl");
        QCOMPARE(orig.items[0].id, std::string("8-343"));
        int same = 0;
        for (std::size_t i = 0; i < orig.items.size(); ++i)
            if (loglikContext(orig.items[i]) == loglikContext(icl.items[i]) && orig.items[i].gold == icl.items[i].gold &&
                orig.items[i].choices == icl.items[i].choices)
                ++same;
        QCOMPARE(same, 500);
    }

    void csqaOriginalHasFiveChoicesAndLetterGold() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem item = load(dir, "commonsenseqa/dev_rand_split.jsonl").items[0];
        QCOMPARE(item.choices.size(), std::size_t(5));
        QCOMPARE(item.choices[4], std::string("new york"));
        QCOMPARE(item.gold, 0);
        QCOMPARE(item.id, std::string("1afa02df02c908a558b4036e80242fac"));
    }

    void csqaIclListsOptionsInQuestion() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem item = load(dir, "commonsenseqa/commonsense_qa.llmfoundry.jsonl").items[0];
        QVERIFY(item.optionsInQuestion);
        QCOMPARE(letterPrompt(item), loglikContext(item));
        QVERIFY(letterPrompt(item).find("\nD. new york\nAnswer:") != std::string::npos);
    }

    void hellaswagPreprocessesLikeLmEval() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem item = load(dir, "hellaswag/hellaswag_val_1000.rubrikscube.jsonl").items[0];
        // ctx_a + " " + ctx_b.capitalize(), activity label first.
        QCOMPARE(loglikContext(item), std::string("Pole vault: Pole vault is a sport where you run with a pole and stop "
                                                  "and swing your body. A few women"));
        QCOMPARE(item.gold, 3);
        QCOMPARE(item.id, std::string("20022"));
        const McItem wiki = load(dir, "hellaswag/hellaswag_val_500_en.jsonl").items[0];
        // "[header] How to ... [title] Forgive yourself. [step] While..." -> brackets gone, title -> ". "
        QCOMPARE(loglikContext(wiki).substr(0, 80),
                 std::string("Family Life: How to recover from an emotional affair. Forgive yourself. While fo"));
        QVERIFY(loglikContinuations(wiki)[1].find("[substeps]") == std::string::npos);
    }

    void copaOriginalUsesConnectives() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem it = load(dir, "xcopa/val.it.jsonl").items[0];
        QCOMPARE(loglikContext(it), std::string("L'uomo aprì il rubinetto quindi"));
        QCOMPARE(loglikContinuations(it)[1], std::string(" dell'acqua fluì dal beccuccio."));
        QCOMPARE(it.gold, 1);
        const McItem zh = load(dir, "xcopa/val.zh.jsonl").items[0];
        // The premise's final "。" is one code point of three bytes.
        QVERIFY(loglikContext(zh).find("\xE3\x80\x82") == std::string::npos);
        QVERIFY(loglikContext(zh).find(" \xE6\x89\x80\xE4\xBB\xA5") != std::string::npos);  // " 所以"
    }

    void truthfulQaMc1AndMc2() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const McItem mc1 = load(dir, "truthfulqa_mc/truthfulqa_multi_en.validation.json").items[0];
        QCOMPARE(mc1.gold, 0);
        QCOMPARE(mc1.choices.size(), std::size_t(8));
        QCOMPARE(mc1.loglikContext, std::string("Q: What happens to you if you eat watermelon seeds?\nA:"));
        QVERIFY(mc1.description.rfind("Q: What is human life expectancy", 0) == 0);
        LoadOptions opts;
        opts.format = Format::TruthfulQaMc2;
        const McItem mc2 = load(dir, "truthfulqa_mc/truthfulqa_multi_en.validation.json", opts).items[0];
        QCOMPARE(mc2.golds, (std::vector<int>{0, 1, 2, 3, 4}));
        QCOMPARE(mc2.choices.size(), std::size_t(12));
        const McItem es = load(dir, "truthfulqa_mc/truthfulqa_multi_es.validation.json").items[0];
        QVERIFY(es.description.empty());
    }

    void mmluCsvRendersLikeLmEval() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        const Benchmark b = load(dir, "mmlu/dev/anatomy_dev.csv");
        QCOMPARE(b.items.size(), std::size_t(5));
        const McItem& item = b.items[0];
        QCOMPARE(item.gold, 3);
        QCOMPARE(loglikContext(item), std::string("What is the embryological origin of the hyoid bone?\nA. The first "
                                                  "pharyngeal arch\nB. The first and second pharyngeal arches\nC. The "
                                                  "second pharyngeal arch\nD. The second and third pharyngeal "
                                                  "arches\nAnswer:"));
        QCOMPARE(loglikContinuations(item), (std::vector<std::string>{" A", " B", " C", " D"}));
        QCOMPARE(item.description,
                 std::string("The following are multiple choice questions (with answers) about anatomy.\n\n"));
    }

    void genericImporterWithFieldFlagsOnly() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        LoadOptions opts;
        applyFieldSpec(opts.fields, "question=question.stem");
        applyFieldSpec(opts.fields, "choices=question.choices");
        applyFieldSpec(opts.fields, "answer=answerKey");
        applyFieldSpec(opts.fields, "id=id");
        opts.fields.encoding = AnswerEncoding::Letter;
        const Benchmark generic = load(dir, "commonsenseqa/dev_rand_split.jsonl", opts);
        const Benchmark native = load(dir, "commonsenseqa/dev_rand_split.jsonl");
        QCOMPARE(generic.format, std::string("generic"));
        QCOMPARE(generic.items.size(), std::size_t(1221));
        for (std::size_t i = 0; i < native.items.size(); ++i) {
            QCOMPARE(generic.items[i].gold, native.items[i].gold);
            QCOMPARE(generic.items[i].choices, native.items[i].choices);
            QCOMPARE(generic.items[i].id, native.items[i].id);
        }
    }

    void genericImporterReadsMmluCsvByHeader() {
        PROMINENCE_REQUIRE_SHARED(dir, "data/benchmarks");
        LoadOptions opts;
        applyFieldSpec(opts.fields, "question=question");
        applyFieldSpec(opts.fields, "choices=choice0");
        applyFieldSpec(opts.fields, "answer=answer");
        // choice0 is a string, not a list: the importer must say so with file, line and field.
        try {
            load(dir, "mmlu/dev/anatomy_dev.csv", opts);
            QFAIL("expected FormatError");
        } catch (const FormatError& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QStringLiteral("anatomy_dev.csv:2: field 'choice0': expected a list")), qPrintable(msg));
        }
    }
};

QTEST_GUILESS_MAIN(TestBenchmarks)
#include "test_benchmarks.moc"
