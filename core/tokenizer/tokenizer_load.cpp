// Tokenizer::load: finding the files, reading tokenizer.json or GPT-2's vocab.json + merges.txt, and
// applying tokenizer_config.json on top.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/common/error.h"
#include "core/tokenizer/decoders.h"
#include "core/tokenizer/json_util.h"
#include "core/tokenizer/normalizers.h"
#include "core/tokenizer/post_processors.h"
#include "core/tokenizer/pre_tokenizers.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/tokenizer/tokenizer_impl.h"
#include "core/tokenizer/utf8.h"

namespace prominence {
namespace fs = std::filesystem;
using tok::child;
using tok::formatError;
using tok::Json;

namespace {

const Json& optionalKey(const Json& object, const char* key) {
    static const Json null;
    const auto it = object.find(key);
    return it == object.end() ? null : *it;
}

void readAddedTokens(const Json& list, const std::string& where, tok::AddedVocabulary& added) {
    if (list.is_null()) return;
    if (!list.is_array()) formatError(where, "expected an array, found " + tok::describeType(list));
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string w = child(where, i);
        tok::AddedToken t;
        t.id = tok::requireInt(list[i], "id", w);
        if (t.id < 0 || t.id > std::numeric_limits<std::int32_t>::max()) formatError(child(w, "id"), "expected an id in [0, 2^31)");
        t.content = tok::requireString(list[i], "content", w);
        if (t.content.empty()) formatError(child(w, "content"), "an added token cannot be empty");
        t.singleWord = tok::optionalBool(list[i], "single_word", w, false);
        t.lstrip = tok::optionalBool(list[i], "lstrip", w, false);
        t.rstrip = tok::optionalBool(list[i], "rstrip", w, false);
        t.normalized = tok::optionalBool(list[i], "normalized", w, true);
        t.special = tok::optionalBool(list[i], "special", w, false);
        added.add(t);
    }
}

void loadTokenizerJson(Tokenizer::Impl& impl, const std::string& path) {
    const Json j = tok::readJsonFile(path);
    if (!j.is_object()) formatError(path, "expected a JSON object at the top level, found " + tok::describeType(j));
    // truncation and padding are deliberately not read: transformers ignores them unless asked.
    readAddedTokens(optionalKey(j, "added_tokens"), child(path, "added_tokens"), impl.added);
    impl.normalizer = tok::makeNormalizer(optionalKey(j, "normalizer"), child(path, "normalizer"));
    impl.preTokenizer = tok::makePreTokenizer(optionalKey(j, "pre_tokenizer"), child(path, "pre_tokenizer"));
    impl.model = tok::BpeModel::fromJson(tok::requireKey(j, "model", path), child(path, "model"));
    impl.postProcessor = tok::makePostProcessor(optionalKey(j, "post_processor"), child(path, "post_processor"));
    impl.decoder = tok::makeDecoder(optionalKey(j, "decoder"), child(path, "decoder"));
}

std::vector<std::pair<std::string, std::string>> readMergesTxt(const std::string& path, std::vector<std::size_t>& lines) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open for reading");
    std::vector<std::pair<std::string, std::string>> merges;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
        if (!tok::isValidUtf8(line)) formatError(path + ":" + std::to_string(number), "not valid UTF-8");
        const std::size_t space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
            formatError(path + ":" + std::to_string(number), "expected two tokens separated by one space, found '" + line + "'");
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
        lines.push_back(number);
    }
    if (in.bad()) throw LoadError(path + ": read failed");
    return merges;
}

void loadGpt2Files(Tokenizer::Impl& impl, const std::string& vocabPath, const std::string& mergesPath,
                   const tok::TokenizerConfig& config) {
    const Json v = tok::readJsonFile(vocabPath);
    if (!v.is_object()) formatError(vocabPath, "expected an object of token → id, found " + tok::describeType(v));
    tok::Vocab vocab;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const Json& id = it.value();
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())
            formatError(vocabPath, "token '" + it.key() + "' has id " + id.dump() + ", expected an integer in [0, 2^31)");
        vocab.add(it.key(), static_cast<std::uint32_t>(id.get<std::int64_t>()));
    }
    vocab.finish();
    std::vector<std::size_t> lines;
    const auto merges = readMergesTxt(mergesPath, lines);
    impl.model = std::make_unique<tok::BpeModel>(std::move(vocab), merges, lines, tok::BpeOptions{}, mergesPath);
    impl.preTokenizer = tok::makeGpt2PreTokenizer(config.addPrefixSpace.value_or(false));
    impl.decoder = tok::makeByteLevelDecoder();
    // GPT2Tokenizer's default special token, when no config names others.
    const std::string eot = "<|endoftext|>";
    if (config.addedTokens.empty()) {
        if (const auto id = impl.model->tokenToId(eot)) impl.added.add({eot, *id, false, false, false, true, true});
    }
}

void applyConfig(Tokenizer::Impl& impl, const tok::TokenizerConfig& config, bool gpt2Files) {
    for (const tok::AddedToken& t : config.addedTokens)
        if (!impl.added.byContent(t.content)) impl.added.add(t);
    impl.added.finish(impl.normalizer.get());

    auto resolve = [&](const std::optional<std::string>& name) -> std::optional<std::int64_t> {
        if (!name) return std::nullopt;
        return impl.idOf(*name);
    };
    const std::optional<std::string> gpt2Default = gpt2Files ? std::optional<std::string>("<|endoftext|>") : std::nullopt;
    impl.bos = resolve(config.bos ? config.bos : gpt2Default);
    impl.eos = resolve(config.eos ? config.eos : gpt2Default);
    impl.unk = resolve(config.unk ? config.unk : gpt2Default);
    if (!impl.unk) impl.unk = impl.model->unkId();
    impl.pad = resolve(config.pad);

    // LlamaTokenizerFast (and GPT-NeoX's) rebuild the post-processor from these two flags.
    if (config.addBos || config.addEos) {
        const std::string where = config.filesRead.empty() ? impl.source : config.filesRead.back();
        std::vector<std::int64_t> prefix, suffix;
        if (config.addBos.value_or(false)) {
            if (!impl.bos) formatError(where, "add_bos_token is true but bos_token " + config.bos.value_or("(none)") + " is not in the vocabulary");
            prefix.push_back(*impl.bos);
        }
        if (config.addEos.value_or(false)) {
            if (!impl.eos) formatError(where, "add_eos_token is true but eos_token " + config.eos.value_or("(none)") + " is not in the vocabulary");
            suffix.push_back(*impl.eos);
        }
        impl.postProcessor = tok::makeAffixProcessor(std::move(prefix), std::move(suffix));
    }
    impl.cleanUpTokenizationSpaces = config.cleanUpTokenizationSpaces.value_or(true);
    impl.vocabSize = impl.model->idBound();
    for (const tok::AddedToken& t : impl.added.tokens()) impl.vocabSize = std::max(impl.vocabSize, t.id + 1);
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw LoadError(path + ": no such file or directory");
    fs::path tokenizerJson, vocabJson, mergesTxt;
    fs::path dir;
    if (fs::is_directory(path, ec)) {
        dir = path;
        if (fs::is_regular_file(dir / "tokenizer.json", ec)) {
            tokenizerJson = dir / "tokenizer.json";
        } else if (fs::is_regular_file(dir / "vocab.json", ec) && fs::is_regular_file(dir / "merges.txt", ec)) {
            vocabJson = dir / "vocab.json";
            mergesTxt = dir / "merges.txt";
        } else {
            throw LoadError(path + ": no tokenizer.json, and no vocab.json + merges.txt pair, in this directory");
        }
    } else {
        const fs::path file(path);
        dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
        const std::string name = file.filename().string();
        if (name == "vocab.json" || name == "merges.txt") {
            vocabJson = dir / "vocab.json";
            mergesTxt = dir / "merges.txt";
            const fs::path& other = name == "vocab.json" ? mergesTxt : vocabJson;
            if (!fs::is_regular_file(other, ec)) throw LoadError(path + ": GPT-2 tokenizer needs " + other.string() + " beside it");
        } else {
            tokenizerJson = file;
        }
    }
    const tok::TokenizerConfig config = tok::readTokenizerConfig(dir.string());
    auto impl = std::make_shared<Impl>();
    if (!tokenizerJson.empty()) {
        impl->source = tokenizerJson.string();
        loadTokenizerJson(*impl, impl->source);
    } else {
        impl->source = vocabJson.string();
        loadGpt2Files(*impl, vocabJson.string(), mergesTxt.string(), config);
    }
    applyConfig(*impl, config, tokenizerJson.empty());
    return Tokenizer(std::move(impl));
}

}  // namespace prominence
