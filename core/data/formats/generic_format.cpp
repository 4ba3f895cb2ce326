// Generic records: rendered like lm-eval's ARC ("Question: <q>\nAnswer:", continuation " " + choice),
// with the optional context on the line before the question.
#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {

McItem fromGeneric(const Record& r, const FieldMapping& m) {
    McItem item;
    item.question = requireString(r, m.question);
    if (!m.context.empty()) item.context = optionalString(r, m.context);
    if (!m.id.empty()) item.id = optionalString(r, m.id);

    std::vector<std::string> labels;
    const nlohmann::json& choices = requireField(r, m.choices);
    if (choices.is_array()) {
        for (std::size_t i = 0; i < choices.size(); ++i) {
            const std::string at = m.choices + "." + std::to_string(i);
            if (choices[i].is_string()) {
                item.choices.push_back(choices[i].get<std::string>());
            } else if (choices[i].is_object()) {
                item.choices.push_back(requireString(r, at + "." + m.choiceTextKey));
                if (auto l = findPath(choices[i], "label"); l != nullptr && l->is_string())
                    labels.push_back(l->get<std::string>());
            } else {
                fieldError(r, at, "a string or an object with a '" + m.choiceTextKey + "' field");
            }
        }
    } else if (choices.is_object()) {
        for (const auto& [key, value] : choices.items()) {
            if (!value.is_string()) fieldError(r, m.choices + "." + key, "a string");
            labels.push_back(key);
            item.choices.push_back(value.get<std::string>());
        }
    } else {
        fieldError(r, m.choices, "a list of strings, a list of objects or an object letter -> text");
    }
    if (labels.size() != item.choices.size()) labels.clear();

    switch (m.encoding) {
        case AnswerEncoding::Index0:
            item.gold = static_cast<int>(requireInt(r, m.answer));
            break;
        case AnswerEncoding::Index1:
            item.gold = static_cast<int>(requireInt(r, m.answer)) - 1;
            if (item.gold < 0) fieldError(r, m.answer, "a 1-based index (1 or more)");
            break;
        case AnswerEncoding::Letter: {
            const std::string a = strip(requireString(r, m.answer));
            for (std::size_t i = 0; i < labels.size(); ++i)
                if (labels[i] == a) item.gold = static_cast<int>(i);
            if (item.gold < 0 && a.size() == 1 && a[0] >= 'A' && a[0] <= 'Z') item.gold = a[0] - 'A';
            if (item.gold < 0 && a.size() == 1 && a[0] >= 'a' && a[0] <= 'z') item.gold = a[0] - 'a';
            if (item.gold < 0) fieldError(r, m.answer, "a letter A-Z or one of the choice labels");
            break;
        }
        case AnswerEncoding::Text: {
            const std::string a = requireString(r, m.answer);
            for (std::size_t i = 0; i < item.choices.size() && item.gold < 0; ++i)
                if (item.choices[i] == a || strip(item.choices[i]) == strip(a)) item.gold = static_cast<int>(i);
            if (item.gold < 0) fieldError(r, m.answer, "the text of one of the choices");
            break;
        }
    }
    item.loglikContext =
        (item.context.empty() ? std::string() : item.context + "\n") + "Question: " + item.question + "\nAnswer:";
    finishItem(item, r, m.answer);
    return item;
}

}  // namespace prominence::data::formats
