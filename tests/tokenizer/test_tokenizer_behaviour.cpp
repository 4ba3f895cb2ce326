// Behaviour beyond the reference corpus: invalid UTF-8, offsets, added-token flags, normalization,
// batch encoding, and clear errors for bad or unsupported tokenizer files.
#include <QtTest>
#include <algorithm>
#include <fstream>
#include <string>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/tokenizer/tokenizer_test_util.h"

using prominence::Encoding;
using prominence::Tokenizer;
using prominence::TokenOffset;
using Json = nlohmann::json;
namespace t = prominence::test;

namespace {

const std::string kMeta = "\xE2\x96\x81";

// Writes the small SentencePiece-style tokenizer, lets `edit` change its tokenizer.json, returns the dir.
template <typename Edit>
std::string editedTokenizer(const std::string& name, Edit edit) {
    const std::string dir = t::freshDir(name);
    prominence::writeTokenizerJson(dir, t::smallSpec());
    Json j = t::readJson(dir + "/tokenizer.json");
    edit(j);
    t::writeText(dir + "/tokenizer.json", j.dump());
    return dir;
}

std::string errorOf(const std::string& path) {
    try {
        Tokenizer::load(path);
    } catch (const prominence::Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<std::string> corpusTexts(const QString& dir) {
    std::ifstream in(dir.toStdString() + "/corpus.jsonl");
    std::vector<std::string> texts;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) texts.push_back(Json::parse(line).at("text").get<std::string>());
    return texts;
}

}  // namespace

class TestTokenizerBehaviour : public QObject {
    Q_OBJECT

private slots:
    void invalidUtf8BecomesReplacementCharacter() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        for (const char* name : {"/gpt2", "/llama3", "/mistral"}) {
            const Tokenizer tok = Tokenizer::load(dir.toStdString() + name);
            // A stray continuation byte, a truncated 3-byte sequence, an overlong encoding, a surrogate.
            QCOMPARE(tok.encode("ab\xFF" "cd"), tok.encode("ab\xEF\xBF\xBD" "cd"));
            QCOMPARE(tok.encode("x\xE4\xBD"), tok.encode("x\xEF\xBF\xBD"));
            QCOMPARE(tok.encode("\xC0\xAF!"), tok.encode("\xEF\xBF\xBD\xEF\xBF\xBD!"));
            QCOMPARE(tok.encode("\xED\xA0\x80"), tok.encode("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
            // Offsets still point into the bytes given, within bounds.
            const std::string bad = "ab\xFF" "cd";
            const Encoding e = tok.encodeWithOffsets(bad);
            for (const TokenOffset& o : e.offsets) QVERIFY(o.begin <= o.end && o.end <= bad.size());
        }
        const Tokenizer gpt2 = Tokenizer::load(dir.toStdString() + "/gpt2");
        // Byte 0xFF alone is token "ÿ"; decoding it alone gives ill-formed UTF-8, returned as U+FFFD.
        const auto ff = gpt2.tokenToId("\xC3\xBF");
        QVERIFY(ff.has_value());
        QCOMPARE(gpt2.decode({*ff}), std::string("\xEF\xBF\xBD"));
        const Tokenizer mistral = Tokenizer::load(dir.toStdString() + "/mistral");
        // Byte-fallback tokens that do not form a character decode to one U+FFFD per byte.
        const auto e4 = mistral.tokenToId("<0xE4>"), bd = mistral.tokenToId("<0xBD>");
        QVERIFY(e4 && bd);
        QCOMPARE(mistral.decode({*e4, *bd}), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
        QCOMPARE(mistral.decode({*e4, *bd, mistral.tokenToId("<0xA0>").value()}), std::string("\xE4\xBD\xA0"));
    }

    void offsetsPointIntoTheInput() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const auto texts = corpusTexts(dir);
        QCOMPARE(texts.size(), std::size_t(240));
        for (const char* name : {"/gpt2", "/llama3"}) {
            // Byte-level without a normalizer: the tokens' byte ranges tile the text exactly.
            const Tokenizer tok = Tokenizer::load(dir.toStdString() + name);
            for (const std::string& text : texts) {
                const Encoding e = tok.encodeWithOffsets(text);
                std::size_t pos = 0;
                for (const TokenOffset& o : e.offsets) {
                    QCOMPARE(o.begin, pos);
                    QVERIFY(o.end > o.begin);
                    pos = o.end;
                }
                QCOMPARE(pos, text.size());
            }
        }
        const Tokenizer gpt2 = Tokenizer::load(dir.toStdString() + "/gpt2");
        const Encoding hw = gpt2.encodeWithOffsets("Hello world");
        QCOMPARE(hw.offsets, (std::vector<TokenOffset>{{0, 5}, {5, 11}}));
        QCOMPARE(hw.tokens, (std::vector<std::string>{"Hello", "\xC4\xA0world"}));

        const Tokenizer mistral = Tokenizer::load(dir.toStdString() + "/mistral");
        // The prepended "▁" belongs to the first character; BOS gets an empty range and is marked special.
        const Encoding m = mistral.encodeWithOffsets("Hello world", true);
        QCOMPARE(m.ids, (std::vector<std::int64_t>{1, 22557, 1526}));
        QCOMPARE(m.offsets, (std::vector<TokenOffset>{{0, 0}, {0, 5}, {5, 11}}));
        QCOMPARE(m.special, (std::vector<bool>{true, false, false}));
        // Special tokens in the text cover their own bytes.
        const Encoding s = mistral.encodeWithOffsets("<s> hello </s>");
        QCOMPARE(s.offsets.front(), (TokenOffset{0, 3}));
        QCOMPARE(s.offsets.back(), (TokenOffset{10, 14}));
        // Byte-fallback tokens of one character each cover one of its bytes.
        const std::string text = "a\xF0\x9F\xA6\x99";  // "a🦙"
        const Encoding b = mistral.encodeWithOffsets(text);
        QCOMPARE(b.tokens.back(), std::string("<0x99>"));
        QCOMPARE(b.offsets.back(), (TokenOffset{4, 5}));
        for (const std::string& t : texts) {
            const Encoding e = mistral.encodeWithOffsets(t);
            for (std::size_t i = 0; i < e.offsets.size(); ++i) {
                QVERIFY(e.offsets[i].begin <= e.offsets[i].end && e.offsets[i].end <= t.size());
                if (i) QVERIFY(e.offsets[i].begin >= e.offsets[i - 1].begin);
            }
        }
    }

    void batchEqualsOneByOne() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const auto texts = corpusTexts(dir);
        const Tokenizer tok = Tokenizer::load(dir.toStdString() + "/llama3");
        for (int threads : {1, 3}) {
            const auto batch = tok.encodeBatch(texts, false, threads);
            QCOMPARE(batch.size(), texts.size());
            for (std::size_t i = 0; i < texts.size(); ++i) QCOMPARE(batch[i], tok.encode(texts[i]));
        }
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, tok.encodeBatch(texts, false, -1));
    }

    void decodeRejectsUnknownIds() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/tokenizers");
        const Tokenizer tok = Tokenizer::load(dir.toStdString() + "/gpt2");
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, tok.decode({15496, 50257}));
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, tok.decode({-1}));
        QVERIFY_THROWS_EXCEPTION(prominence::InvalidArgument, tok.idToToken(60000));
        QCOMPARE(tok.idToToken(50256), std::string("<|endoftext|>"));
        QVERIFY(tok.isSpecial(50256));
        QCOMPARE(tok.decode({15496, 50256, 995}, true), std::string("Hello world"));
    }

    void addedTokenFlags() {
        // <mask> swallows the whitespace on its left (lstrip), </b> on its right (rstrip); "ab" only
        // matches as a whole word (single_word).
        const std::string dir = editedTokenizer("flags", [](Json& j) {
            j["added_tokens"].push_back({{"id", 266}, {"content", "<mask>"}, {"single_word", false}, {"lstrip", true},
                                         {"rstrip", false}, {"normalized", false}, {"special", true}});
            j["added_tokens"].push_back({{"id", 267}, {"content", "</b>"}, {"single_word", false}, {"lstrip", false},
                                         {"rstrip", true}, {"normalized", false}, {"special", false}});
            j["added_tokens"].push_back({{"id", 268}, {"content", "ab"}, {"single_word", true}, {"lstrip", false},
                                         {"rstrip", false}, {"normalized", false}, {"special", false}});
        });
        const Tokenizer tok = Tokenizer::load(dir);
        QCOMPARE(tok.vocabSize(), std::int64_t(269));
        // Ids: 259 ▁, 260 a, 261 b, 262 c, 263 ▁a, 264 ▁ab, 265 ▁c. Each text piece between added
        // tokens is normalized on its own, so it gets its own "▁" in front (Llama's legacy behaviour).
        const Encoding mask = tok.encodeWithOffsets("c  <mask>c");
        QCOMPARE(mask.ids, (std::vector<std::int64_t>{265, 266, 265}));
        QCOMPARE(mask.offsets, (std::vector<TokenOffset>{{0, 1}, {1, 9}, {9, 10}}));
        const Encoding rstrip = tok.encodeWithOffsets("c</b>  c");
        QCOMPARE(rstrip.ids, (std::vector<std::int64_t>{265, 267, 265}));
        QCOMPARE(rstrip.offsets[1], (TokenOffset{1, 7}));
        QCOMPARE(tok.encode("ab c"), (std::vector<std::int64_t>{268, 259, 265}));
        // Inside a word "ab" is left to the model.
        QCOMPARE(tok.encode("cab"), (std::vector<std::int64_t>{265, 260, 261}));
        QCOMPARE(tok.decode({268, 265}), std::string("ab c"));
        QCOMPARE(tok.decode({265, 266, 262}, true), std::string("cc"));
        QCOMPARE(tok.decode({265, 266, 262}, false), std::string("c<mask>c"));
    }

    void normalizedAddedTokensMatchNormalizedText() {
        // With normalized=true the token's own content is normalized too: "xy" becomes "▁xy", so it
        // matches a word "xy" but not "xy" inside "axy" (the normalized text there is "▁axy").
        const std::string dir = editedTokenizer("normalized-added", [](Json& j) {
            j["added_tokens"].push_back({{"id", 266}, {"content", "xy"}, {"single_word", false}, {"lstrip", false},
                                         {"rstrip", false}, {"normalized", true}, {"special", false}});
        });
        const Tokenizer tok = Tokenizer::load(dir);
        QCOMPARE(tok.encode("xy"), (std::vector<std::int64_t>{266}));
        QCOMPARE(tok.encodeWithOffsets("c xy").offsets.back(), (TokenOffset{1, 4}));
        const auto inside = tok.encode("axy");
        QVERIFY(std::find(inside.begin(), inside.end(), 266) == inside.end());
    }

    void nfcNormalizerComposesAndKeepsOffsets() {
        const std::string dir = editedTokenizer("nfc", [](Json& j) {
            j["normalizer"]["normalizers"].insert(j["normalizer"]["normalizers"].begin(), Json{{"type", "NFC"}});
        });
        const Tokenizer tok = Tokenizer::load(dir);
        const std::string composed = "\xC3\xA9";     // é
        const std::string decomposed = "e\xCC\x81";  // e + combining acute
        QCOMPARE(tok.encode(decomposed), tok.encode(composed));
        const Encoding e = tok.encodeWithOffsets("a " + decomposed);
        // "▁a", "▁", then é's two byte-fallback tokens: both map to all three input bytes of "e\u0301".
        QCOMPARE(e.offsets.back(), (TokenOffset{2, 5}));
        QCOMPARE(e.offsets[e.offsets.size() - 2], (TokenOffset{2, 5}));
    }

    void unsupportedComponentsAreNamed() {
        const std::string unigram = editedTokenizer("unigram", [](Json& j) { j["model"]["type"] = "Unigram"; });
        QVERIFY2(errorOf(unigram).find("unsupported model 'Unigram'") != std::string::npos, errorOf(unigram).c_str());
        QVERIFY2(errorOf(unigram).find("model.type") != std::string::npos, errorOf(unigram).c_str());
        const std::string lower = editedTokenizer("lowercase", [](Json& j) {
            j["normalizer"]["normalizers"].push_back(Json{{"type", "Lowercase"}});
        });
        QVERIFY2(errorOf(lower).find("unsupported normalizer 'Lowercase'") != std::string::npos, errorOf(lower).c_str());
        QVERIFY2(errorOf(lower).find("normalizer.normalizers[2]") != std::string::npos, errorOf(lower).c_str());
        const std::string wordpiece = editedTokenizer("wordpiece", [](Json& j) { j["decoder"] = {{"type", "WordPiece"}}; });
        QVERIFY2(errorOf(wordpiece).find("unsupported decoder 'WordPiece'") != std::string::npos, errorOf(wordpiece).c_str());
        const std::string bert = editedTokenizer("bertpre", [](Json& j) { j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}}; });
        QVERIFY2(errorOf(bert).find("unsupported pre_tokenizer 'BertPreTokenizer'") != std::string::npos, errorOf(bert).c_str());
        const std::string dropout = editedTokenizer("dropout", [](Json& j) { j["model"]["dropout"] = 0.1; });
        QVERIFY2(errorOf(dropout).find("dropout") != std::string::npos, errorOf(dropout).c_str());
        QVERIFY_THROWS_EXCEPTION(prominence::FormatError, Tokenizer::load(unigram));
    }

    void badFilesGiveClearErrors() {
        const std::string dir = t::freshDir("bad");
        t::writeText(dir + "/tokenizer.json", "{\n  \"version\": \"1.0\",\n  \"model\": [1, 2,\n");
        const std::string truncated = errorOf(dir);
        QVERIFY2(truncated.find("tokenizer.json:4:") != std::string::npos, truncated.c_str());
        QVERIFY2(truncated.find("not valid JSON") != std::string::npos, truncated.c_str());
        QVERIFY_THROWS_EXCEPTION(prominence::FormatError, Tokenizer::load(dir));

        const std::string badMerge = editedTokenizer("badmerge", [](Json& j) { j["model"]["merges"][1] = "\xE2\x96\x81" "a zz"; });
        QVERIFY2(errorOf(badMerge).find("model.merges[1]") != std::string::npos, errorOf(badMerge).c_str());
        QVERIFY2(errorOf(badMerge).find("'zz' is not in the vocabulary") != std::string::npos, errorOf(badMerge).c_str());
        const std::string badId = editedTokenizer("badid", [](Json& j) { j["model"]["vocab"]["a"] = "x"; });
        QVERIFY2(errorOf(badId).find("token 'a' has id \"x\"") != std::string::npos, errorOf(badId).c_str());
        const std::string noModel = editedTokenizer("nomodel", [](Json& j) { j.erase("model"); });
        QVERIFY2(errorOf(noModel).find("missing key 'model'") != std::string::npos, errorOf(noModel).c_str());

        QVERIFY_THROWS_EXCEPTION(prominence::LoadError, Tokenizer::load(dir + "/absent"));
        const std::string empty = t::freshDir("empty");
        QVERIFY2(errorOf(empty).find("no tokenizer.json") != std::string::npos, errorOf(empty).c_str());

        const std::string gpt2 = t::freshDir("gpt2bad");
        t::writeText(gpt2 + "/vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
        t::writeText(gpt2 + "/merges.txt", "#version: 0.2\na b\na b c\n");
        QVERIFY2(errorOf(gpt2).find("merges.txt:3: expected two tokens") != std::string::npos, errorOf(gpt2).c_str());
        t::writeText(gpt2 + "/merges.txt", "#version: 0.2\na b\nb a\n");
        QVERIFY2(errorOf(gpt2).find("merges.txt:3: merge 'b a': the result 'ba'") != std::string::npos, errorOf(gpt2).c_str());
        t::writeText(gpt2 + "/merges.txt", "#version: 0.2\na b\n");
        QCOMPARE(Tokenizer::load(gpt2).encode("ab"), (std::vector<std::int64_t>{2}));
    }
};

QTEST_APPLESS_MAIN(TestTokenizerBehaviour)
#include "test_tokenizer_behaviour.moc"
