#pragma once
// Per-item figures from the option scores: probabilities, predictions, margin (internal to core/eval).
#include <string>
#include <vector>

#include "core/eval/evaluator.h"

namespace prominence::eval {

// Fills probs, pred, correct, pCorrect, margin and (loglik) predNorm/predBytes from s.scores and
// s.golds. `choiceTexts` are the choices without the continuation's leading delimiter.
void fillItemMetrics(ItemScore& s, const std::vector<std::string>& choiceTexts, bool loglik);

}  // namespace prominence::eval
