#pragma once
// The lab's tokenizer as Hugging Face files: a GPT-2 style byte-level BPE (tokenizer.json +
// tokenizer_config.json) whose merges build each lab chunk (" apple", "Question", "\n\n", ...) into one
// token, so transformers and core/tokenizer both load it and every lab word costs one position. Any
// other text still encodes (byte by byte). Ids: 0 <pad>, 1 <s> (added before every sequence by the
// post-processor), 2 </s>, then the 256 byte symbols, then one id per merge.
//
// core/tokenizer/tokenizer_writer.h was announced for this but had not landed when the lab was written;
// this writer is small and lab-specific (it only builds left-to-right chains, see the .cpp).
#include <cstdint>
#include <string>
#include <vector>

namespace prominence::lab {

// Writes dir/tokenizer.json and dir/tokenizer_config.json for `chunks`; returns the vocabulary size.
std::int64_t writeLabTokenizer(const std::string& dir, const std::vector<std::string>& chunks);

constexpr std::int64_t kPadId = 0;
constexpr std::int64_t kBosId = 1;
constexpr std::int64_t kEosId = 2;

}  // namespace prominence::lab
