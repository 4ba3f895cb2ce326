// The parsers under the benchmark loader: CSV edge cases, JSON arrays, bad lines with their line
// numbers, --skip-invalid, and the Python string operations lm-eval applies.
#include <QFile>
#include <QtTest>

#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
#include "core/data/csv_reader.h"
#include "core/data/record_source.h"
#include "core/data/rendering.h"
#include "core/data/text_utils.h"
#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::data;

namespace {

std::string writeTemp(const QString& name, const QByteArray& bytes) {
    const QString path = prominence::test::tempDir() + QLatin1Char('/') + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
    return path.toStdString();
}

const QByteArray kThreeIclLines =
    "{\"query\": \"Question: one?\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n"
    "{\"query\": \"Question: two?\", \"choices\": [\"a\", \"b\"], \"gold\": 5}\n"
    "\n"
    "{\"query\": \"Question: three?\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n"
    "{\"query\": \"Question: four?\", \"choices\": [\"a\", \"b\"] \"gold\": 1}\n";

}  // namespace

class TestDataParsing : public QObject {
    Q_OBJECT

private slots:
    void csvQuotedFieldsNewlinesAndCrlf() {
        const std::string text = "a,b,c\r\n\"x, y\",\"line1\nline2\",\"say \"\"hi\"\"\"\r\n1,,3\n";
        const auto rows = parseCsv(text, "t.csv");
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(rows[1].fields, (std::vector<std::string>{"x, y", "line1\nline2", "say \"hi\""}));
        QCOMPARE(rows[1].line, std::int64_t(2));
        QCOMPARE(rows[2].line, std::int64_t(4));  // the embedded newline counts
        QCOMPARE(rows[2].fields, (std::vector<std::string>{"1", "", "3"}));
    }

    void csvUnclosedQuoteNamesLine() {
        try {
            parseCsv("a,b\n1,\"open\n2,3\n", "bad.csv");
            QFAIL("expected FormatError");
        } catch (const FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("bad.csv:2: field 2")), e.what());
        }
    }

    void jsonArrayElementsKeepTheirLines() {
        const auto src = parseRecords("[\n  {\"a\": \"[x]\"},\n  {\"a\": 2,},\n  {\"b\": {\"c\": [1, 2]}}\n]\n", "t.json",
                                      SourceKind::JsonArray);
        QCOMPARE(src.records.size(), std::size_t(3));
        QCOMPARE(src.records[0].line, std::int64_t(2));
        QVERIFY(src.records[0].parseError.empty());
        QVERIFY(!src.records[1].parseError.empty());
        QCOMPARE(src.records[2].line, std::int64_t(4));
        QCOMPARE(src.records[2].value["b"]["c"][1].get<int>(), 2);
        QVERIFY_THROWS_EXCEPTION(FormatError, parseRecords("[{\"a\": 1}", "t.json", SourceKind::JsonArray));
    }

    void malformedLineReportsItsNumber() {
        const std::string path = writeTemp(QStringLiteral("bad.jsonl"), kThreeIclLines);
        try {
            loadBenchmark(path);
            QFAIL("expected FormatError");
        } catch (const FormatError& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QStringLiteral("bad.jsonl:2: field 'gold'")), qPrintable(msg));
            QVERIFY2(msg.contains(QStringLiteral("expected 0..1")), qPrintable(msg));
        }
    }

    void skipInvalidLoadsTheRestAndListsLines() {
        const std::string path = writeTemp(QStringLiteral("bad2.jsonl"), kThreeIclLines);
        LoadOptions opts;
        opts.skipInvalid = true;
        const Benchmark b = loadBenchmark(path, opts);
        QCOMPARE(b.items.size(), std::size_t(2));
        QCOMPARE(b.items[1].question, std::string("three?"));
        QCOMPARE(b.items[1].metadata["line"].get<int>(), 4);
        QCOMPARE(b.skipped.size(), std::size_t(2));
        QCOMPARE(b.skipped[0].line, std::int64_t(2));
        QCOMPARE(b.skipped[1].line, std::int64_t(5));
        QVERIFY(b.skipped[1].reason.find("not valid JSON") != std::string::npos);
    }

    void wrongTypesAreErrorsNotCrashes() {
        const std::string path = writeTemp(QStringLiteral("types.jsonl"),
                                           "{\"query\": 3, \"choices\": [\"a\", \"b\"], \"gold\": 0}\n"
                                           "{\"query\": \"q\", \"choices\": \"ab\", \"gold\": 0}\n"
                                           "{\"query\": \"q\", \"choices\": [\"a\", 7], \"gold\": 0}\n"
                                           "[1, 2]\n"
                                           "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}\n"
                                           "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": \"x\"}\n"
                                           "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n");
        LoadOptions opts;
        opts.skipInvalid = true;
        opts.format = Format::Icl;
        const Benchmark b = loadBenchmark(path, opts);
        QCOMPARE(b.items.size(), std::size_t(1));
        QCOMPARE(b.skipped.size(), std::size_t(6));
        QVERIFY(b.skipped[0].reason.find("types.jsonl:1: field 'query': expected a string, got 3") != std::string::npos);
        QVERIFY(b.skipped[2].reason.find("field 'choices.1': expected a string") != std::string::npos);
        QVERIFY(b.skipped[4].reason.find("at least 2 choices") != std::string::npos);
    }

    void genericJsonArrayWithLetterObjectAndIndex1() {
        const std::string path =
            writeTemp(QStringLiteral("generic.json"),
                      "[{\"q\": {\"text\": \"Sky?\"}, \"opts\": {\"A\": \"green\", \"B\": \"blue\"}, \"ans\": \"B\", \"ctx\": \"Look up.\"},\n"
                      " {\"q\": {\"text\": \"Grass?\"}, \"opts\": {\"A\": \"green\", \"B\": \"blue\"}, \"ans\": \"A\"}]\n");
        LoadOptions opts;
        for (const char* f : {"question=q.text", "choices=opts", "answer=ans", "context=ctx"}) applyFieldSpec(opts.fields, f);
        opts.fields.encoding = AnswerEncoding::Letter;
        const Benchmark b = loadBenchmark(path, opts);
        QCOMPARE(b.items.size(), std::size_t(2));
        QCOMPARE(b.items[0].gold, 1);
        QCOMPARE(b.items[1].metadata["line"].get<int>(), 2);
        QCOMPARE(loglikContext(b.items[0]), std::string("Look up.\nQuestion: Sky?\nAnswer:"));
        QCOMPARE(loglikContext(b.items[1]), std::string("Question: Grass?\nAnswer:"));

        const std::string csv = writeTemp(QStringLiteral("generic.csv"), "stem,answer_text,c\r\n\"Sky, at noon?\",blue,x\r\n");
        LoadOptions textOpts;
        for (const char* f : {"question=stem", "choices=c", "answer=answer_text"}) applyFieldSpec(textOpts.fields, f);
        textOpts.fields.encoding = AnswerEncoding::Text;
        QVERIFY_THROWS_EXCEPTION(FormatError, loadBenchmark(csv, textOpts));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, applyFieldSpec(textOpts.fields, "answers=x"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, parseAnswerEncoding("index2"));
    }

    void genericIndex1AndTextEncodings() {
        const std::string path = writeTemp(QStringLiteral("g.jsonl"),
                                           "{\"question\": \"2+2?\", \"options\": [\"3\", \"4\"], \"answer\": 2}\n");
        LoadOptions opts;
        for (const char* f : {"question=question", "choices=options", "answer=answer"}) applyFieldSpec(opts.fields, f);
        opts.fields.encoding = AnswerEncoding::Index1;
        QCOMPARE(loadBenchmark(path, opts).items[0].gold, 1);
        const std::string textPath = writeTemp(QStringLiteral("g2.jsonl"),
                                               "{\"question\": \"2+2?\", \"options\": [\"3\", \"4\"], \"answer\": \"4\"}\n");
        opts.fields.encoding = AnswerEncoding::Text;
        QCOMPARE(loadBenchmark(textPath, opts).items[0].gold, 1);
    }

    void undetectableFormatSaysWhatItSaw() {
        const std::string path = writeTemp(QStringLiteral("odd.jsonl"), "{\"foo\": 1, \"bar\": 2}\n");
        try {
            loadBenchmark(path);
            QFAIL("expected FormatError");
        } catch (const FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("{bar, foo}")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(LoadError, loadBenchmark("/nonexistent/file.jsonl"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, parseFormat("arc"));
    }

    void headerlessMmluWithLetters() {
        const std::string path = writeTemp(QStringLiteral("astronomy_test.csv"),
                                           "\"What is 1+1, really?\",1,2,3,4,B\nSecond?,a,b,c,d,D\n");
        const Benchmark b = loadBenchmark(path);
        QCOMPARE(b.format, std::string("mmlu_csv"));
        QCOMPARE(b.items.size(), std::size_t(2));
        QCOMPARE(b.items[0].gold, 1);
        QCOMPARE(b.items[1].gold, 3);
        QCOMPARE(b.items[0].metadata["subject"].get<std::string>(), std::string("astronomy"));
    }

    void pythonStringOperations() {
        QCOMPARE(capitalize("a FEW women"), std::string("A few women"));
        QCOMPARE(lowerFirst("\xC3\x9Cks"), std::string("\xC3\xBCks"));  // Ü -> ü
        QCOMPARE(lowerFirst("\xC4\x8C" "as"), std::string("\xC4\x8D" "as"));  // Č -> č
        QCOMPARE(lowerFirst("\xE1\xBB\xA8ng"), std::string("\xE1\xBB\xA9ng"));  // Ứ -> ứ
        QCOMPARE(dropLastCodePoint("ab\xE3\x80\x82"), std::string("ab"));
        QCOMPARE(utf8Length("h\xC3\xA9llo"), std::size_t(5));
        QCOMPARE(hellaswagPreprocess("  A [title] B [step] C [open\n] D   E "), std::string("A. B C [open\n] D  E"));
    }
};

QTEST_GUILESS_MAIN(TestDataParsing)
#include "test_data_parsing.moc"
