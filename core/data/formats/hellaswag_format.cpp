// lm-eval's hellaswag process_docs: query = preprocess(activity_label + ": " + ctx_a + " " +
// ctx_b.capitalize()), choices = preprocess(ending). Files that only carry `context` (= ctx) cannot redo
// the capitalisation; they use preprocess(activity_label + ": " + context).
#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/text_utils.h"

namespace prominence::data::formats {

McItem fromHellaswag(const Record& r) {
    McItem item;
    const std::string label = optionalString(r, "activity_label");
    std::string ctx;
    if (findPath(r.value, "ctx_a") != nullptr) {
        ctx = requireString(r, "ctx_a") + " " + capitalize(optionalString(r, "ctx_b"));
    } else if (findPath(r.value, "context") != nullptr) {
        ctx = requireString(r, "context");
    } else {
        ctx = requireString(r, "ctx");
    }
    const std::string query = hellaswagPreprocess(label.empty() ? ctx : label + ": " + ctx);
    for (const std::string& ending : requireStringArray(r, "endings")) item.choices.push_back(hellaswagPreprocess(ending));
    item.gold = static_cast<int>(requireInt(r, "label"));
    item.question = query;
    item.loglikContext = query;
    item.id = optionalString(r, "ind");
    if (!label.empty()) item.metadata["activity_label"] = label;
    if (auto s = optionalString(r, "source_id"); !s.empty()) item.metadata["source_id"] = s;
    finishItem(item, r, "label");
    return item;
}

}  // namespace prominence::data::formats
