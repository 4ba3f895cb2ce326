#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {

McItem fromMmluRow(const Record& r, const std::string& subject) {
    if (!r.value.is_array() || r.value.size() != 6)
        throw FormatError(r.where() + "expected 6 columns (question, 4 choices, answer), got " +
                          std::to_string(r.value.is_array() ? r.value.size() : 0));
    McItem item;
    item.question = r.value[0].get<std::string>();
    for (int c = 1; c <= 4; ++c) item.choices.push_back(r.value[static_cast<std::size_t>(c)].get<std::string>());
    const std::string answer = strip(r.value[5].get<std::string>());
    if (answer.size() == 1 && answer[0] >= '0' && answer[0] <= '3') {
        item.gold = answer[0] - '0';
    } else if (answer.size() == 1 && answer[0] >= 'A' && answer[0] <= 'D') {
        item.gold = answer[0] - 'A';
    } else {
        throw FormatError(r.where() + "column 6 (answer): expected 0-3 or A-D, got '" + answer + "'");
    }
    item.loglikStyle = LoglikStyle::ListedLetters;
    if (!subject.empty()) {
        item.metadata["subject"] = subject;
        item.description = "The following are multiple choice questions (with answers) about " +
                           replaceAll(subject, "_", " ") + ".\n\n";
        item.id = subject + "/" + std::to_string(r.line);
    }
    finishItem(item, r, "answer");
    return item;
}

}  // namespace prominence::data::formats
