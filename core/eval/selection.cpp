#include "core/eval/selection.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence::eval {

nlohmann::json SelectionCriteria::toJson() const {
    nlohmann::json j = {{"correct", true}, {"by", "p_correct"}};
    if (threshold) j["threshold"] = *threshold;
    if (topK) j["top_k"] = *topK;
    return j;
}

void SelectionCriteria::validate() const {
    if (threshold.has_value() == topK.has_value())
        throw InvalidArgument("selection: give exactly one of a threshold and a top-k");
    if (threshold && !(*threshold >= 0.0 && *threshold <= 1.0))
        throw InvalidArgument("selection threshold " + std::to_string(*threshold) + ": expected a value in [0, 1]");
    if (topK && *topK < 1) throw InvalidArgument("selection top-k " + std::to_string(*topK) + ": expected 1 or more");
}

std::vector<std::int64_t> selectHighConfidence(const std::vector<ItemScore>& items, const SelectionCriteria& criteria) {
    criteria.validate();
    std::vector<const ItemScore*> chosen;
    for (const auto& s : items)
        if (s.correct && (!criteria.threshold || s.pCorrect >= *criteria.threshold)) chosen.push_back(&s);
    std::stable_sort(chosen.begin(), chosen.end(), [](const ItemScore* a, const ItemScore* b) {
        return a->pCorrect != b->pCorrect ? a->pCorrect > b->pCorrect : a->index < b->index;
    });
    if (criteria.topK && static_cast<std::int64_t>(chosen.size()) > *criteria.topK)
        chosen.resize(static_cast<std::size_t>(*criteria.topK));
    std::vector<std::int64_t> out;
    for (const auto* s : chosen) out.push_back(s->index);
    return out;
}

}  // namespace prominence::eval
