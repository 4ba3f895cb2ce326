// Parity with Hugging Face: every corpus line encodes to exactly the reference ids (with and without
// special tokens) and ids_no_special decode to the reference text, for every fixture tokenizer.
#include <nlohmann/json.hpp>

#include <QtTest>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer.h"
#include "tests/common/test_support.h"

using prominence::Tokenizer;
using Json = nlohmann::json;

namespace {

std::vector<Json> readJsonl(const std::string& path) {
    std::ifstream in(path);
    std::vector<Json> rows;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) rows.push_back(Json::parse(line));
    return rows;
}

std::string show(const std::vector<std::int64_t>& ids) {
    std::ostringstream s;
    s << "[";
    for (std::size_t i = 0; i < ids.size(); ++i) s << (i ? ", " : "") << ids[i];
    s << "]";
    return s.str();
}

// Returns an empty string when every line matches, else a report of the first mismatch.
std::string compareAll(const Tokenizer& tok, const std::vector<Json>& expected) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Json& row = expected[i];
        const std::string text = row.at("text").get<std::string>();
        const auto wantSpecial = row.at("ids").get<std::vector<std::int64_t>>();
        const auto wantPlain = row.at("ids_no_special").get<std::vector<std::int64_t>>();
        const auto gotSpecial = tok.encode(text, true);
        const auto gotPlain = tok.encode(text, false);
        auto report = [&](const char* what, const std::string& want, const std::string& got) {
            return "line " + std::to_string(i) + " " + what + "\n  text:     " + Json(text).dump() +
                   "\n  expected: " + want + "\n  got:      " + got;
        };
        if (gotPlain != wantPlain) return report("ids_no_special", show(wantPlain), show(gotPlain));
        if (gotSpecial != wantSpecial) return report("ids", show(wantSpecial), show(gotSpecial));
        if (row.contains("tokens")) {
            const auto enc = tok.encodeWithOffsets(text, false);
            const auto wantTokens = row.at("tokens").get<std::vector<std::string>>();
            if (enc.tokens != wantTokens) return report("tokens", Json(wantTokens).dump(), Json(enc.tokens).dump());
        }
        const std::string decoded = tok.decode(wantPlain);
        const std::string wantDecoded = row.at("decoded").get<std::string>();
        if (decoded != wantDecoded) return report("decoded", Json(wantDecoded).dump(), Json(decoded).dump());
    }
    return {};
}

}  // namespace

class TestTokenizerParity : public QObject {
    Q_OBJECT

private:
    void checkFixture(const std::string& tokenizerPath, const std::string& expectedPath) {
        const Tokenizer tok = Tokenizer::load(tokenizerPath);
        const std::vector<Json> expected = readJsonl(expectedPath);
        QCOMPARE(expected.size(), std::size_t(240));
        const std::string mismatch = compareAll(tok, expected);
        if (!mismatch.empty()) QFAIL(mismatch.c_str());
    }

private slots:
    void gpt2TokenizerJson() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        checkFixture(dir.toStdString() + "/gpt2/tokenizer.json", dir.toStdString() + "/gpt2.expected.jsonl");
    }

    void gpt2VocabAndMerges() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        checkFixture(dir.toStdString() + "/gpt2/vocab.json", dir.toStdString() + "/gpt2.expected.jsonl");
    }

    void llama3() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        checkFixture(dir.toStdString() + "/llama3", dir.toStdString() + "/llama3.expected.jsonl");
    }

    void mistral() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        checkFixture(dir.toStdString() + "/mistral", dir.toStdString() + "/mistral.expected.jsonl");
    }

    void gpt2SpecialTokensAndSizes() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        for (const char* sub : {"/gpt2/tokenizer.json", "/gpt2/vocab.json"}) {
            const Tokenizer tok = Tokenizer::load(dir.toStdString() + sub);
            QCOMPARE(tok.vocabSize(), std::int64_t(50257));
            QCOMPARE(tok.bosId().value_or(-1), std::int64_t(50256));
            QCOMPARE(tok.eosId().value_or(-1), std::int64_t(50256));
            QVERIFY(!tok.padId());
            QCOMPARE(tok.specialTokensAdded(), std::size_t(0));
            // The saved truncation (max_length 50) must not apply.
            std::string longText;
            for (int i = 0; i < 80; ++i) longText += " word";
            QCOMPARE(tok.encode(longText).size(), std::size_t(80));
        }
    }

    void llama3AndMistralSpecials() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const Tokenizer llama3 = Tokenizer::load(dir.toStdString() + "/llama3");
        QCOMPARE(llama3.vocabSize(), std::int64_t(128256));
        QCOMPARE(llama3.bosId().value_or(-1), std::int64_t(128000));
        QCOMPARE(llama3.eosId().value_or(-1), std::int64_t(128001));
        const Tokenizer mistral = Tokenizer::load(dir.toStdString() + "/mistral");
        QCOMPARE(mistral.vocabSize(), std::int64_t(32000));
        QCOMPARE(mistral.bosId().value_or(-1), std::int64_t(1));
        QCOMPARE(mistral.eosId().value_or(-1), std::int64_t(2));
        QCOMPARE(mistral.unkId().value_or(-1), std::int64_t(0));
        QVERIFY(!mistral.padId());
        QCOMPARE(mistral.specialTokensAdded(), std::size_t(1));
        QCOMPARE(mistral.decode({1, 22557, 1526, 2}, true), std::string("Hello world"));
        QCOMPARE(mistral.decode({1, 22557, 1526, 2}, false), std::string("<s> Hello world</s>"));
    }

    void stories260K() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        const Tokenizer tok = Tokenizer::load(dir.toStdString());
        QCOMPARE(tok.vocabSize(), std::int64_t(512));
        std::ifstream in(dir.toStdString() + "/reference.json");
        const Json ref = Json::parse(in);
        for (const Json& prompt : ref.at("prompts")) {
            const std::string text = prompt.at("text").get<std::string>();
            const auto want = prompt.at("ids").get<std::vector<std::int64_t>>();
            QCOMPARE(show(tok.encode(text, true)), show(want));
            const auto wantTokens = prompt.at("tokens").get<std::vector<std::string>>();
            QCOMPARE(Json(tok.encodeWithOffsets(text, true).tokens).dump(), Json(wantTokens).dump());
            QCOMPARE(tok.decode(want, true), text);
        }
        const auto greedy = ref.at("greedy_ids").get<std::vector<std::int64_t>>();
        QCOMPARE(tok.decode(greedy, true), ref.at("greedy_text").get<std::string>());
    }
};

QTEST_APPLESS_MAIN(TestTokenizerParity)
#include "test_tokenizer_parity.moc"
