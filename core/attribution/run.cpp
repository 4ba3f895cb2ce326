#include "core/attribution/run.h"

#include "core/common/error.h"

namespace prominence::attribution {

RunSummary attributeItems(const Model& model, const std::vector<AttributionItem>& items, const AttributionParams& params,
                          const std::vector<at::Tensor>& meanBaseline, const std::set<std::int64_t>& done,
                          const ItemSink& onItem, Progress& progress) {
    params.validate(model.numLayers());
    if (!onItem) throw InvalidArgument("attributeItems: no item sink given");
    std::set<std::int64_t> seen;
    for (const AttributionItem& item : items)
        if (!seen.insert(item.id).second)
            throw InvalidArgument("attributeItems: item id " + std::to_string(item.id) + " appears twice in the selection");

    RunSummary summary;
    summary.total = static_cast<std::int64_t>(items.size());
    // Within an item only cancellation matters; the bar moves per item.
    Progress inner([&](const std::string&, std::int64_t, std::int64_t) { return !progress.cancelled(); });
    progress.report(0, summary.total);
    for (const AttributionItem& item : items) {
        if (done.count(item.id) != 0) {
            ++summary.skipped;
        } else {
            const ItemAttribution result = attributeItem(model, item, params, meanBaseline, inner);
            onItem(result);
            ++summary.finished;
            if (result.flagged()) ++summary.flagged;
        }
        progress.report(summary.skipped + summary.finished, summary.total);
    }
    return summary;
}

}  // namespace prominence::attribution
