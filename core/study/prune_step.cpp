#include "core/study/prune_step.h"

#include <memory>
#include <optional>

#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"
#include "core/study/params_error.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

void writePruned(Model& model, const prune::PruneMask& mask, const std::string& out,
                 const nlohmann::json& provenance, bool overwrite, Progress& progress,
                 const Log& log) {
    prune::applyWeightSurgery(model, mask);
    exporting::ExportOptions eo;
    eo.overwrite = overwrite;
    eo.prominence = {{"mask", mask.toJson()},
                     {"neurons", mask.format()},
                     {"provenance", provenance},
                     {"source_model", model.directory()},
                     {"applied_as", "weight_surgery"}};
    progress.setStage("writing " + out);
    const exporting::ExportResult r = exporting::exportCheckpoint(model, out, eo, progress);
    if (log)
        log("prune: wrote " + r.dir + " (" + std::to_string(mask.size()) + " neurons removed)");
}

}  // namespace

void PruneParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("prune needs a workspace");
    if (maskName.empty()) throw ParamsError("the workspace form needs --output-mask NAME");
    try {
        policy.validate();
    } catch (const InvalidArgument& e) {
        throw ParamsError(std::string("--policy ") + prune::policyName(policy.kind) + ": " +
                          e.what());
    }
    if (policy.kind == prune::PolicyKind::Explicit && modelDir.empty())
        throw ParamsError("--policy explicit needs --model DIR (for the layer and neuron counts)");
    if (policy.kind != prune::PolicyKind::Explicit && scoresRun <= 0)
        throw ParamsError("--policy " + prune::policyName(policy.kind) + " needs --scores RUN");
    if (!outputDir.empty() && modelDir.empty())
        throw ParamsError("--output needs --model DIR (the checkpoint to prune)");
}

PruneResult runPrune(const PruneParams& p, Progress& progress, const Log& log) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    std::unique_ptr<Model> model;
    if (!p.modelDir.empty()) model = Model::load(p.modelDir);

    PruneResult out;
    prune::PruneMask& mask = out.mask;
    nlohmann::json provenance = {{"policy", p.policy.toJson()}};
    std::vector<workspace::RunInput> inputs;
    std::optional<workspace::Id> modelId;
    if (p.policy.kind == prune::PolicyKind::Explicit) {
        mask =
            prune::selectExplicit(p.policy.neurons, model->numLayers(), model->intermediateSize());
    } else {
        const workspace::NeuronScores scores =
            prune::findScores(ws, p.scoresRun, p.kind, p.dataset);
        const prune::ScoreMatrix matrix = prune::scoreMatrixOf(scores);
        int layers = 0;
        const workspace::RunRecord run = ws.run(p.scoresRun);
        modelId = run.modelId;
        if (model) {
            layers = model->numLayers();
            if (model->intermediateSize() != matrix.neurons())
                throw ShapeError("scores of run " + std::to_string(p.scoresRun) + " have " +
                                 std::to_string(matrix.neurons()) +
                                 " neurons per layer; the model has " +
                                 std::to_string(model->intermediateSize()));
        } else if (run.modelId && ws.model(*run.modelId).info.contains("layers")) {
            layers = ws.model(*run.modelId).info.at("layers").get<int>();
        } else {
            layers = matrix.layers.back() + 1;
        }
        mask = prune::selectNeurons(matrix, p.policy, layers);
        provenance["scores"] = {{"run", p.scoresRun},
                                {"id", scores.id},
                                {"dataset", scores.dataset},
                                {"kind", scores.kind}};
        inputs.push_back({p.scoresRun, "scores"});
    }
    workspace::RunStart start;
    start.kind = "prune";
    start.name = p.maskName;
    start.modelId = modelId;
    start.inputs = inputs;
    start.params = provenance;
    out.runId = ws.beginRun(start);
    try {
        out.maskId = prune::saveMask(ws, p.maskName, mask, provenance, out.runId, modelId);
        nlohmann::json& summary = out.summary;
        summary = {{"mask_id", out.maskId},
                   {"name", p.maskName},
                   {"count", mask.size()},
                   {"neurons", mask.format()}};
        if (!p.outputDir.empty()) {
            writePruned(*model, mask, p.outputDir, provenance, p.overwrite, progress, log);
            workspace::ExportRecord rec;
            rec.runId = out.runId;
            rec.maskId = out.maskId;
            rec.kind = "hf_checkpoint";
            rec.path = p.outputDir;
            ws.addExport(rec);
            summary["output"] = p.outputDir;
        }
        ws.finishRun(out.runId, summary);
        summary["run_id"] = out.runId;
    } catch (const Cancelled&) {
        ws.cancelRun(out.runId);
        throw;
    } catch (const std::exception& e) {
        ws.failRun(out.runId, e.what());
        throw;
    }
    return out;
}

PruneCheckpointResult runPruneCheckpoint(const PruneCheckpointParams& p, Progress& progress,
                                         const Log& log) {
    if (p.modelDir.empty() || p.outputDir.empty() || p.neurons.empty())
        throw ParamsError(
            "the one-shot form needs --model DIR --neurons L:N[,L:N...] --output OUT_DIR");
    auto model = Model::load(p.modelDir);
    PruneCheckpointResult out;
    try {
        out.mask =
            prune::PruneMask::parse(p.neurons, model->numLayers(), model->intermediateSize());
    } catch (const InvalidArgument& e) {
        throw ParamsError(std::string("--neurons: ") + e.what());
    }
    const prune::PruneMask& mask = out.mask;
    const nlohmann::json provenance = {{"policy", "explicit"}, {"neurons", mask.format()}};
    writePruned(*model, mask, p.outputDir, provenance, p.overwrite, progress, log);
    out.outputDir = p.outputDir;
    nlohmann::json perLayer = nlohmann::json::object();
    for (const auto& [l, c] : mask.countsPerLayer()) perLayer[std::to_string(l)] = c;
    out.summary = {{"output", p.outputDir},
                   {"count", mask.size()},
                   {"neurons", mask.format()},
                   {"per_layer", perLayer}};
    return out;
}

}  // namespace prominence::study
