// lm-eval's copa/xcopa: context = premise.strip()[:-1] + " " + connective (the final period dropped),
// choices = choice[0].lower() + choice[1:], continuation " " + choice. Connectives per language are
// lm-eval's xcopa/utils.py table.
#include <map>
#include <utility>

#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {
namespace {

const std::map<std::string, std::pair<std::string, std::string>>& connectives() {
    static const std::map<std::string, std::pair<std::string, std::string>> table = {
        {"en", {"because", "therefore"}},        {"et", {"sest", "seetõttu"}},
        {"ht", {"poukisa", "donk sa"}},          {"it", {"perché", "quindi"}},
        {"id", {"karena", "maka"}},              {"qu", {"imataq", "chaymi"}},
        {"sw", {"kwa sababu", "kwa hiyo"}},      {"zh", {"因为", "所以"}},
        {"ta", {"காரணமாக", "எனவே"}},            {"th", {"เพราะ", "ดังนั้น"}},
        {"tr", {"çünkü", "bu yüzden"}},          {"vi", {"bởi vì", "vì vậy"}},
    };
    return table;
}

}  // namespace

McItem fromCopa(const Record& r, const std::string& language) {
    auto it = connectives().find(language);
    if (it == connectives().end()) it = connectives().find("en");
    McItem item;
    const std::string premise = strip(requireString(r, "premise"));
    const std::string question = requireString(r, "question");
    std::string connective;
    if (question == "cause") {
        connective = it->second.first;
    } else if (question == "effect") {
        connective = it->second.second;
    } else {
        fieldError(r, "question", "\"cause\" or \"effect\"");
    }
    item.question = premise;
    item.loglikContext = dropLastCodePoint(premise) + " " + connective;
    item.choices = {lowerFirst(requireString(r, "choice1")), lowerFirst(requireString(r, "choice2"))};
    item.gold = static_cast<int>(requireInt(r, "label"));
    item.id = optionalString(r, "idx");
    item.metadata["question"] = question;
    item.metadata["language"] = it->first;
    finishItem(item, r, "label");
    return item;
}

}  // namespace prominence::data::formats
