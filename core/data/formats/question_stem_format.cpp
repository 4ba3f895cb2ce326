#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {

McItem fromQuestionStem(const Record& r, bool openBookStyle) {
    McItem item;
    item.id = optionalString(r, "id");
    item.question = requireString(r, "question.stem");
    const nlohmann::json& choices = requireField(r, "question.choices");
    if (!choices.is_array()) fieldError(r, "question.choices", "an array of {label, text} objects");
    const std::string answerKey = strip(requireString(r, "answerKey"));
    for (std::size_t i = 0; i < choices.size(); ++i) {
        const std::string base = "question.choices." + std::to_string(i);
        item.choices.push_back(requireString(r, base + ".text"));
        if (requireString(r, base + ".label") == answerKey) item.gold = static_cast<int>(i);
    }
    if (item.gold < 0) fieldError(r, "answerKey", "one of the choices' labels");
    if (const auto* concept = findPath(r.value, "question.question_concept"); concept && concept->is_string())
        item.metadata["question_concept"] = *concept;
    item.loglikContext = openBookStyle ? item.question : "Question: " + item.question + "\nAnswer:";
    finishItem(item, r, "answerKey");
    return item;
}

}  // namespace prominence::data::formats
