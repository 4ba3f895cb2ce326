#pragma once
// How an item is shown to the model, per scoring mode. Loglik follows lm-evaluation-harness
// (doc_to_text as the context, target_delimiter " " + choice as each continuation, exemplars joined by
// "\n\n"); letter lists the options as "A. ..." lines and ends with "Answer:".
#include <string>
#include <vector>

#include "core/data/mc_item.h"

namespace prominence::data {

// "A", "B", ... for option i (i < 26).
std::string optionLetter(std::size_t i);

// lm-eval's context of one item (no description, no exemplars).
std::string loglikContext(const McItem& item);
// The exact continuation text of each choice, leading space included.
std::vector<std::string> loglikContinuations(const McItem& item);

// "[context\n]Question: <question>\nA. <c0>\nB. <c1>\n...\nAnswer:" (MMLU-style items: lm-eval's own
// "<question>\nA. ...\nAnswer:"; items whose question already lists the options: that text).
std::string letterPrompt(const McItem& item);

enum class PromptStyle { Loglik, Letter };

// The full prompt: the item's description, then each exemplar solved (its prompt plus its gold
// continuation, " <letter>" in letter style), "\n\n" between blocks, then the item's own prompt.
std::string fullPrompt(const McItem& item, const std::vector<const McItem*>& exemplars, PromptStyle style);

}  // namespace prominence::data
