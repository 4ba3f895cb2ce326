#pragma once
// What a loaded Tokenizer holds (internal to core/tokenizer).
#include <memory>
#include <optional>
#include <string>

#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe.h"
#include "core/tokenizer/pipeline.h"
#include "core/tokenizer/tokenizer.h"

namespace prominence {

struct Tokenizer::Impl {
    std::string source;
    std::unique_ptr<tok::Normalizer> normalizer;
    std::unique_ptr<tok::PreTokenizer> preTokenizer;
    std::unique_ptr<tok::BpeModel> model;
    std::unique_ptr<tok::PostProcessor> postProcessor;
    std::unique_ptr<tok::Decoder> decoder;
    tok::AddedVocabulary added;
    std::optional<std::int64_t> bos, eos, pad, unk;
    bool cleanUpTokenizationSpaces = true;
    std::int64_t vocabSize = 0;

    std::optional<std::int64_t> idOf(std::string_view token) const;
    // nullptr for an id that is neither an added token nor in the model's vocabulary.
    const std::string* tokenOf(std::int64_t id) const;
};

}  // namespace prominence
