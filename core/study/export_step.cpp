#include "core/study/export_step.h"

#include <optional>

#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

void ExportParams::validate() const {
    if (modelDir.empty()) throw ParamsError("export needs a model directory");
    if (outputDir.empty()) throw ParamsError("export needs an output directory");
    if (!mask.empty() && workspacePath.empty()) throw ParamsError("--mask needs --workspace W");
    if (!mask.empty() && !neurons.empty()) throw ParamsError("give --mask or --neurons, not both");
    if (comparisonId != 0 && workspacePath.empty())
        throw ParamsError("--comparison needs --workspace W");
    if (maxShardBytes == 0) throw ParamsError("export: the shard size must be positive");
}

ExportResult runExport(const ExportParams& p, Progress& progress, const Log&) {
    p.validate();
    auto model = Model::load(p.modelDir);
    prune::PruneMask mask = prune::PruneMask::forModel(*model);
    nlohmann::json meta = {{"source_model", p.modelDir}};
    std::optional<workspace::Workspace> ws;
    if (!p.workspacePath.empty()) ws.emplace(workspace::Workspace::open(p.workspacePath));
    std::optional<workspace::Id> maskId;
    if (!p.mask.empty()) {
        const prune::StoredMask stored = prune::loadMaskByRef(*ws, p.mask);
        stored.mask.checkFits(*model, "mask '" + stored.name + "'");
        mask = stored.mask;
        maskId = stored.id;
        meta["mask_id"] = stored.id;
        meta["mask_name"] = stored.name;
        meta["provenance"] = stored.provenance;
    }
    if (!p.neurons.empty()) {
        try {
            mask =
                prune::PruneMask::parse(p.neurons, model->numLayers(), model->intermediateSize());
        } catch (const InvalidArgument& e) {
            throw ParamsError(std::string("--neurons: ") + e.what());
        }
        meta["provenance"] = {{"policy", "explicit"}};
    }
    if (p.comparisonId != 0) {
        const workspace::ComparisonRecord c = ws->comparison(p.comparisonId);
        meta["comparison"] = {{"id", c.id},
                              {"name", c.name},
                              {"cells", c.table.value("cells", nlohmann::json::array())},
                              {"mcnemar", c.table.value("mcnemar", nlohmann::json::array())}};
    }
    meta["mask"] = mask.toJson();
    meta["neurons"] = mask.format();
    if (!mask.empty()) prune::applyWeightSurgery(*model, mask);
    exporting::ExportOptions o;
    o.overwrite = p.overwrite;
    o.dtype = p.dtype;
    o.maxShardBytes = p.maxShardBytes;
    o.prominence = meta;
    progress.setStage("exporting");
    ExportResult out;
    out.written = exporting::exportCheckpoint(*model, p.outputDir, o, progress);
    if (ws) {
        workspace::ExportRecord rec;
        rec.maskId = maskId;
        rec.kind = "hf_checkpoint";
        rec.path = out.written.dir;
        rec.meta = out.written.toJson();
        ws->addExport(rec);
    }
    out.summary = out.written.toJson();
    out.summary["pruned"] = mask.size();
    return out;
}

}  // namespace prominence::study
