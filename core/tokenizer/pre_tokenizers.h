#pragma once
#include <memory>
#include <string>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pipeline.h"

namespace prominence::tok {

// Builds the pre-tokenizer a tokenizer.json describes (null → none). Supported: ByteLevel, Split,
// Metaspace, Digits, Whitespace, WhitespaceSplit and Sequence (with ByteLevel, if any, last).
std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& config, const std::string& where);

// GPT-2's ByteLevel pre-tokenizer (GPT-2 regex), for vocab.json + merges.txt.
std::unique_ptr<PreTokenizer> makeGpt2PreTokenizer(bool addPrefixSpace);

}  // namespace prominence::tok
