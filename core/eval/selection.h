#pragma once
// High-confidence selection: the items attribution explains are those the model gets right with high
// p(correct).
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/eval/evaluator.h"

namespace prominence::eval {

struct SelectionCriteria {
    std::optional<double> threshold;    // correct and p(correct) >= threshold
    std::optional<std::int64_t> topK;   // the k correct items with the highest p(correct)
    nlohmann::json toJson() const;
    void validate() const;  // exactly one of the two; threshold in [0, 1]; k >= 1 (InvalidArgument)
};

// Item indices (ItemScore::index), highest p(correct) first, ties by index.
std::vector<std::int64_t> selectHighConfidence(const std::vector<ItemScore>& items, const SelectionCriteria& criteria);

}  // namespace prominence::eval
