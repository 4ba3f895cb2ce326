// llm-foundry's ICL files keep only the query, so the lm-eval rendering is recovered from its shape:
// "Question: ..." and "Passage: ...\nQuestion: ..." queries get lm-eval's "\nAnswer:" suffix (ARC, PIQA,
// BoolQ); bare queries (OBQA, COPA, HellaSwag) are the context as they stand.
#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {
namespace {

bool choicesAreLetters(const std::vector<std::string>& choices) {
    for (std::size_t i = 0; i < choices.size(); ++i)
        if (choices[i] != std::string(1, static_cast<char>('A' + i))) return false;
    return true;
}

}  // namespace

McItem fromIcl(const Record& r) {
    McItem item;
    const std::string query = requireString(r, "query");
    item.choices = requireStringArray(r, "choices");
    item.gold = static_cast<int>(requireInt(r, "gold"));
    item.id = optionalString(r, "id");
    if (const auto* cat = findPath(r.value, "category"); cat != nullptr && cat->is_string())
        item.metadata["category"] = *cat;

    const std::string trimmed = rstrip(query);
    const std::string passageMark = "\nQuestion:";
    if (startsWith(query, "Passage:") && query.find(passageMark) != std::string::npos) {
        const std::size_t at = query.find(passageMark);
        item.context = query.substr(0, at);
        item.question = strip(query.substr(at + passageMark.size()));
        item.loglikContext = trimmed + "\nAnswer:";
    } else if (startsWith(query, "Question:")) {
        item.question = strip(query.substr(9));
        item.loglikContext = endsWith(trimmed, "Answer:") ? trimmed : trimmed + "\nAnswer:";
    } else {
        item.question = strip(query);
        item.loglikContext = query;
    }
    item.optionsInQuestion = choicesAreLetters(item.choices);
    if (item.optionsInQuestion && !endsWith(rstrip(item.loglikContext), "Answer:"))
        item.loglikContext = rstrip(item.loglikContext) + "\nAnswer:";
    finishItem(item, r, "gold");
    return item;
}

}  // namespace prominence::data::formats
