#pragma once
#include <memory>
#include <string>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pipeline.h"

namespace prominence::tok {

// Builds the post-processor a tokenizer.json describes (null → none). Supported: TemplateProcessing,
// ByteLevel, BertProcessing, RobertaProcessing and Sequence.
std::unique_ptr<PostProcessor> makePostProcessor(const Json& config, const std::string& where);

// `[prefix ids] $A [suffix ids]`: what LlamaTokenizerFast builds from add_bos_token/add_eos_token.
std::unique_ptr<PostProcessor> makeAffixProcessor(std::vector<std::int64_t> prefix, std::vector<std::int64_t> suffix);

}  // namespace prominence::tok
