#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"

namespace prominence::data::formats {

void finishItem(McItem& item, const Record& r, const std::string& goldField) {
    if (item.choices.size() < 2)
        throw FormatError(r.where() + "expected at least 2 choices, got " + std::to_string(item.choices.size()));
    if (item.choices.size() > 26)
        throw FormatError(r.where() + "expected at most 26 choices (letters A-Z), got " +
                          std::to_string(item.choices.size()));
    const int n = static_cast<int>(item.choices.size());
    if (item.golds.empty()) item.golds = {item.gold};
    for (int g : item.golds)
        if (g < 0 || g >= n)
            throw FormatError(r.where() + "field '" + goldField + "': answer index " + std::to_string(g) +
                              " is outside the " + std::to_string(n) + " choices (expected 0.." +
                              std::to_string(n - 1) + ")");
    if (item.gold < 0) item.gold = item.golds.front();
    item.metadata["file"] = r.file;
    item.metadata["line"] = r.line;
    if (item.id.empty()) item.id = std::to_string(r.line);
}

}  // namespace prominence::data::formats
