// writeTokenizerJson: what it writes loads back, encodes and decodes, and reproduces a real
// SentencePiece-style tokenizer (stories260K-hf) when given its pieces and merges.
#include <QtTest>
#include <fstream>
#include <string>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_writer.h"
#include "tests/tokenizer/tokenizer_test_util.h"

using prominence::Tokenizer;
using prominence::TokenizerSpec;
using Json = nlohmann::json;
namespace t = prominence::test;

class TestTokenizerWriter : public QObject {
    Q_OBJECT

private slots:
    void smallSpecRoundTrips() {
        const std::string dir = t::freshDir("small");
        prominence::writeTokenizerJson(dir, t::smallSpec());
        const Tokenizer tok = Tokenizer::load(dir);
        QCOMPARE(tok.vocabSize(), std::int64_t(266));
        QCOMPARE(tok.bosId().value_or(-1), std::int64_t(1));
        QCOMPARE(tok.eosId().value_or(-1), std::int64_t(2));
        QCOMPARE(tok.unkId().value_or(-1), std::int64_t(0));
        // "ab ab c" → ▁ab ▁ab ▁c; "abd" → ▁ab then d by byte fallback (<0x64> = 3 + 0x64).
        QCOMPARE(tok.encode("ab ab c"), (std::vector<std::int64_t>{264, 264, 265}));
        QCOMPARE(tok.encode("ab ab c", true), (std::vector<std::int64_t>{1, 264, 264, 265}));
        QCOMPARE(tok.encode("abd"), (std::vector<std::int64_t>{264, 3 + 0x64}));
        for (const std::string text : {"ab ab c", "abd", "  spaced  out ", "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD", ""}) {
            QCOMPARE(tok.decode(tok.encode(text)), text);
            QCOMPARE(tok.decode(tok.encode(text, true), true), text);
        }
        TokenizerSpec eos = t::smallSpec();
        eos.addEos = true;
        const std::string eosDir = t::freshDir("small-eos");
        prominence::writeTokenizerJson(eosDir, eos);
        QCOMPARE(Tokenizer::load(eosDir).encode("c", true), (std::vector<std::int64_t>{1, 265, 2}));
    }

    void reproducesStories260K() {
        PROMINENCE_REQUIRE_SHARED(stories, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(corpus, "fixtures/tokenizers/corpus.jsonl");
        const Json original = t::readJson(stories.toStdString() + "/tokenizer.json");
        // Pieces from id 259 on, in id order, and the merges in rank order.
        std::vector<std::string> byId(original["model"]["vocab"].size());
        for (auto it = original["model"]["vocab"].begin(); it != original["model"]["vocab"].end(); ++it)
            byId[it.value().get<std::size_t>()] = it.key();
        TokenizerSpec spec;
        spec.pieces.assign(byId.begin() + 259, byId.end());
        for (const Json& m : original["model"]["merges"]) {
            const std::string s = m.get<std::string>();
            spec.merges.emplace_back(s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1));
        }
        spec.modelMaxLength = 512;
        const std::string dir = t::freshDir("stories");
        prominence::writeTokenizerJson(dir, spec);

        const Json written = t::readJson(dir + "/tokenizer.json");
        for (const char* key : {"added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder"})
            QVERIFY2(written[key] == original[key], key);
        QVERIFY(written["model"]["vocab"] == original["model"]["vocab"]);
        QVERIFY(written["model"]["merges"] == original["model"]["merges"]);
        const Json config = t::readJson(dir + "/tokenizer_config.json");
        const Json originalConfig = t::readJson(stories.toStdString() + "/tokenizer_config.json");
        QVERIFY(config == originalConfig);

        const Tokenizer a = Tokenizer::load(stories.toStdString());
        const Tokenizer b = Tokenizer::load(dir);
        std::ifstream in(corpus.toStdString());
        std::string line;
        int lines = 0;
        while (std::getline(in, line)) {
            const std::string text = Json::parse(line).at("text").get<std::string>();
            QCOMPARE(b.encode(text, true), a.encode(text, true));
            QCOMPARE(b.decode(b.encode(text)), a.decode(a.encode(text)));
            ++lines;
        }
        QCOMPARE(lines, 240);
    }

    void inconsistentSpecsAreRejected() {
        const std::string dir = t::freshDir("rejected");
        TokenizerSpec dup = t::smallSpec();
        dup.pieces.push_back("a");
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, prominence::writeTokenizerJson(dir, dup));
        TokenizerSpec noResult = t::smallSpec();
        noResult.merges.emplace_back("a", "b");  // "ab" is not a piece
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, prominence::writeTokenizerJson(dir, noResult));
        TokenizerSpec space = t::smallSpec();
        space.pieces.push_back("a b");
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, prominence::writeTokenizerJson(dir, space));
        TokenizerSpec byteClash = t::smallSpec();
        byteClash.pieces.push_back("<0x41>");
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, prominence::writeTokenizerJson(dir, byteClash));
        try {
            prominence::writeTokenizerJson(dir, noResult);
        } catch (const prominence::InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("merge 3 ('a', 'b'): the result 'ab' is not a token") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestTokenizerWriter)
#include "test_tokenizer_writer.moc"
