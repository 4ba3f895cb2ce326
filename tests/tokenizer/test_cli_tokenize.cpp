// prominence-cli tokenize end to end: ids match the reference, other fields survive, --add-special
// adds BOS, and bad lines fail with the file and line number.
#include <QProcess>
#include <QtTest>
#include <fstream>
#include <string>

#include "tests/tokenizer/tokenizer_test_util.h"

using Json = nlohmann::json;
namespace t = prominence::test;

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run runCli(const QStringList& args) {
    const t::CliResult c = t::runCli(args, 120000);
    Run r;
    r.code = c.code;
    r.out = c.out.toStdString();
    r.err = c.err.toStdString();
    return r;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

std::vector<Json> readLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<Json> rows;
    std::string line;
    while (std::getline(in, line)) rows.push_back(Json::parse(line));
    return rows;
}

}  // namespace

class TestCliTokenize : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (t::cliPath().isEmpty()) QSKIP("PROMINENCE_CLI is not set (run through ctest)");
    }

    void encodesLikeTheReference() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const std::string work = t::freshDir("cli-ok");
        const std::string outPath = work + "/out.jsonl";
        const Run r = runCli({QStringLiteral("tokenize"), QStringLiteral("--tokenizer"), dir + QStringLiteral("/gpt2"),
                              QStringLiteral("--input"), dir + QStringLiteral("/corpus.jsonl"), QStringLiteral("--output"),
                              q(outPath)});
        QVERIFY2(r.code == 0, r.err.c_str());
        const auto rows = readLines(outPath);
        const auto expected = readLines(dir.toStdString() + "/gpt2.expected.jsonl");
        QCOMPARE(rows.size(), std::size_t(240));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            QCOMPARE(rows[i].at("ids"), expected[i].at("ids_no_special"));
            QCOMPARE(rows[i].at("id"), expected[i].at("id"));    // other fields kept
            QCOMPARE(rows[i].at("cat"), expected[i].at("cat"));
            QCOMPARE(rows[i].at("text"), expected[i].at("text"));
        }
    }

    void addSpecialFollowsTheTokenizer() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const std::string work = t::freshDir("cli-special");
        t::writeText(work + "/in.jsonl", "{\"text\": \"Hello world\", \"keep\": [1, 2]}\n\n{\"text\": \"\"}\n");
        for (const bool special : {false, true}) {
            QStringList args{QStringLiteral("tokenize"), QStringLiteral("--tokenizer"),
                             dir + QStringLiteral("/mistral/tokenizer.json"), QStringLiteral("--input"),
                             q(work + "/in.jsonl"), QStringLiteral("--output"), QStringLiteral("-")};
            if (special) args << QStringLiteral("--add-special");
            const Run r = runCli(args);
            QVERIFY2(r.code == 0, r.err.c_str());
            const std::string want = special ? "{\"text\":\"Hello world\",\"keep\":[1,2],\"ids\":[1,22557,1526]}\n"
                                               "{\"text\":\"\",\"ids\":[1]}\n"
                                             : "{\"text\":\"Hello world\",\"keep\":[1,2],\"ids\":[22557,1526]}\n"
                                               "{\"text\":\"\",\"ids\":[]}\n";
            QCOMPARE(r.out, want);
        }
    }

    void badLinesNameFileAndLine() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const std::string work = t::freshDir("cli-bad");
        const std::string in = work + "/in.jsonl";
        const QStringList base{QStringLiteral("tokenize"), QStringLiteral("--tokenizer"), dir + QStringLiteral("/gpt2"),
                               QStringLiteral("--input"), q(in), QStringLiteral("--output"), q(work + "/out.jsonl")};
        const std::pair<std::string, std::string> cases[] = {
            {"{\"text\": \"ok\"}\n{\"text\": \"broken\"\n", ":2: not valid JSON"},
            {"{\"text\": \"ok\"}\n{\"txt\": \"x\"}\n", ":2: missing key 'text'"},
            {"\n[1, 2]\n", ":2: expected a JSON object"},
            {"{\"text\": 5}\n", ":1: 'text' must be a string"},
            {"{\"text\": \"bad \xFF utf8\"}\n", ":1: not valid JSON"},
        };
        for (const auto& [content, message] : cases) {
            t::writeText(in, content);
            const Run r = runCli(base);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.find(in + message) != std::string::npos, r.err.c_str());
        }
        const Run missing = runCli({QStringLiteral("tokenize"), QStringLiteral("--tokenizer"), q(work + "/nowhere"),
                                    QStringLiteral("--input"), q(in), QStringLiteral("--output"), q(work + "/o.jsonl")});
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.find("no such file or directory") != std::string::npos, missing.err.c_str());
        const Run usage = runCli({QStringLiteral("tokenize"), QStringLiteral("--input"), q(in)});
        QCOMPARE(usage.code, 2);
        const Run help = runCli({QStringLiteral("tokenize"), QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.find("--add-special") != std::string::npos || help.err.find("--add-special") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestCliTokenize)
#include "test_cli_tokenize.moc"
