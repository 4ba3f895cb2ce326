#pragma once
#include <memory>
#include <string>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pipeline.h"

namespace prominence::tok {

// Builds the decoder a tokenizer.json describes (null → none). Supported: ByteLevel, Replace,
// ByteFallback, Fuse, Strip, Metaspace and Sequence.
std::unique_ptr<Decoder> makeDecoder(const Json& config, const std::string& where);

// GPT-2's ByteLevel decoder, for vocab.json + merges.txt.
std::unique_ptr<Decoder> makeByteLevelDecoder();

}  // namespace prominence::tok
