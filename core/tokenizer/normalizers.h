#pragma once
#include <memory>
#include <string>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pipeline.h"

namespace prominence::tok {

// Builds the normalizer a tokenizer.json describes (null → none). Supported: Sequence, Prepend,
// Replace, NFC, NFD, NFKC, NFKD; anything else is a FormatError naming it.
std::unique_ptr<Normalizer> makeNormalizer(const Json& config, const std::string& where);

}  // namespace prominence::tok
