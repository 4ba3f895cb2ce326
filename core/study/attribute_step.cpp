#include "core/study/attribute_step.h"

#include <chrono>
#include <sstream>

#include "core/attribution/baseline.h"
#include "core/attribution/dataset_attribution.h"
#include "core/model/model.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

using namespace prominence::attribution;

// The model behind a selection's eval run, unless the caller names one.
std::string modelDirFor(workspace::Workspace& ws, workspace::Id evalRunId,
                        const std::string& given) {
    if (!given.empty()) return given;
    const workspace::RunRecord run = ws.run(evalRunId);
    if (!run.modelId)
        throw ParamsError("eval run " + std::to_string(evalRunId) +
                          " records no model: give --model DIR");
    return ws.model(*run.modelId).path;
}

nlohmann::ordered_json runJson(const SelectionAttribution& a) {
    return {
        {"run", a.runId},
        {"selection", a.selectionId},
        {"dataset", a.dataset},
        {"items", a.scores.items},
        {"resumed_items", a.summary.skipped},
        {"flagged_items", a.summary.flagged},
        {"scores", {{"mean_ig", a.meanIgId}, {"mean_abs_ig", a.meanAbsIgId}, {"freq", a.freqId}}}};
}

}  // namespace

void AttributeParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("attribute needs a workspace");
    if ((selectionId != 0) == (resumeRunId != 0))
        throw ParamsError(
            "the dataset form needs exactly one of --selection ID (a new run) or --resume RUN");
    for (workspace::Id id : referenceSelections)
        if (id < 1)
            throw ParamsError("reference selection id " + std::to_string(id) +
                              ": expected 1 or more");
    for (workspace::Id id : referenceRuns)
        if (id < 1)
            throw ParamsError("reference run id " + std::to_string(id) + ": expected 1 or more");
    asParamsError([&] { contrast.validate(); });
    if (resumeRunId == 0) asParamsError([&] { attribution.validate(); });
    asParamsError([&] { aggregate.validate(); });
}

AttributeResult runAttribute(const AttributeParams& p, Progress& progress, const Log&) {
    const auto started = std::chrono::steady_clock::now();
    p.validate();
    workspace::Workspace ws = workspace::Workspace::open(p.workspacePath);
    const bool resume = p.resumeRunId != 0;

    // The in-domain selection (or the run to resume) decides the model.
    workspace::Id mainSelection = p.selectionId;
    nlohmann::json resumedParams;
    if (resume) {
        const workspace::RunRecord run = ws.run(p.resumeRunId);
        if (run.kind != "attribution")
            throw ParamsError("--resume " + std::to_string(run.id) + ": run is a '" + run.kind +
                              "' run, not an attribution run");
        mainSelection = run.params.value("selection_id", workspace::Id{0});
        resumedParams = run.params;
    }
    const workspace::Selection sel = ws.selection(mainSelection);
    const std::string modelDir = modelDirFor(ws, sel.runId, p.modelDir);
    const auto model = Model::load(modelDir);
    const Tokenizer tok = Tokenizer::load(modelDir);

    AttributionParams params =
        resume ? AttributionParams::fromJson(resumedParams.at("attribution")) : p.attribution;
    asParamsError([&] { params.validate(model->numLayers()); });

    // The mean baseline is one vector per layer shared by every dataset of the call (so the
    // contrast compares like with like): the mean activation over all their selected items.
    std::vector<std::int64_t> baselineSelections = {mainSelection};
    baselineSelections.insert(baselineSelections.end(), p.referenceSelections.begin(),
                              p.referenceSelections.end());
    if (resume && resumedParams.contains("baseline_selections"))
        baselineSelections =
            resumedParams.at("baseline_selections").get<std::vector<std::int64_t>>();
    std::vector<at::Tensor> meanBaseline;
    if (params.baseline == BaselineKind::Mean) {
        std::vector<AttributionItem> pooled;
        for (std::int64_t id : baselineSelections) {
            const workspace::Selection s = ws.selection(id);
            const auto items =
                attributionItemsFromStored(ws.items(s.runId), s.itemIndices, tok,
                                           PromptEncoding::fromEvalRun(ws.run(s.runId)));
            pooled.insert(pooled.end(), items.begin(), items.end());
        }
        progress.setStage("mean baseline");
        meanBaseline = meanSiteActivations(*model, pooled, params.positions, progress);
        std::ostringstream src;
        src << "mean of blocks.L.mlp.post over the items of selections";
        for (std::int64_t id : baselineSelections) src << " " << id;
        params.baselineSource = src.str();
    }

    SelectionAttributionOptions o;
    o.params = params;
    o.aggregate = p.aggregate;
    o.meanBaseline = meanBaseline;
    o.storeVectors = p.storeVectors;
    o.extraParams = {{"baseline_selections", baselineSelections}, {"model_dir", modelDir}};
    o.name = p.name;
    const bool contrastWanted = !p.referenceSelections.empty() || !p.referenceRuns.empty();

    AttributeResult result;
    nlohmann::ordered_json& out = result.summary;
    SelectionAttribution main;
    progress.setStage("attribute selection " + std::to_string(mainSelection));
    if (resume)
        main = resumeSelectionAttribution(ws, *model, tok, p.resumeRunId, meanBaseline,
                                          contrastWanted, progress);
    else
        main = attributeSelection(ws, *model, tok, mainSelection, o, contrastWanted, progress);
    result.runId = main.runId;
    result.selectionId = main.selectionId;
    out["attribution"] = runJson(main);
    if (contrastWanted) {
        // The in-domain run stayed open for its contrast: close it whatever happens here.
        try {
            std::vector<NeuronScores> refs;
            std::vector<std::string> names;
            nlohmann::ordered_json refJson = nlohmann::ordered_json::array();
            for (std::int64_t id : p.referenceSelections) {
                progress.setStage("attribute reference selection " + std::to_string(id));
                SelectionAttributionOptions ro = o;
                ro.name.clear();
                const SelectionAttribution r =
                    attributeSelection(ws, *model, tok, id, ro, false, progress);
                refs.push_back(r.scores);
                names.push_back(r.dataset);
                refJson.push_back(runJson(r));
                result.referenceRunIds.push_back(r.runId);
            }
            for (std::int64_t id : p.referenceRuns) {
                refs.push_back(loadStoredScores(ws, id));
                const workspace::RunRecord r = ws.run(id);
                names.push_back(r.params.value("dataset", "run" + std::to_string(id)));
                refJson.push_back({{"run", id},
                                   {"dataset", names.back()},
                                   {"items", refs.back().items},
                                   {"stored", true}});
            }
            std::vector<const NeuronScores*> refPtrs;
            for (const auto& r : refs) refPtrs.push_back(&r);
            ContrastResult c;
            const workspace::Id contrastId =
                storeContrast(ws, main.runId, main.dataset, main.selectionId, main.scores, refPtrs,
                              names, p.contrast, &c);
            // The reference runs recorded here, so a neuron's per-item IG can be read in each.
            std::vector<workspace::Id> referenceRuns = result.referenceRunIds;
            referenceRuns.insert(referenceRuns.end(), p.referenceRuns.begin(), p.referenceRuns.end());
            ws.finishRun(main.runId, {{"items", main.scores.items},
                                      {"contrast_scores", contrastId},
                                      {"reference_runs", referenceRuns}});
            result.contrastScoresId = contrastId;
            out["references"] = refJson;
            nlohmann::ordered_json top = nlohmann::ordered_json::array();
            for (const auto& [layer, neuron] : topNeurons(c, p.top))
                top.push_back({{"layer", layer},
                               {"neuron", neuron},
                               {"score", c.score[main.scores.row(layer)][neuron].item<double>()}});
            std::string joined;
            for (const auto& n : names) joined += (joined.empty() ? "" : "+") + n;
            out["contrast"] = {{"id", contrastId},
                               {"kind", "contrast_" + joined},
                               {"params", p.contrast.toJson()},
                               {"top", top}};
        } catch (const Cancelled&) {
            ws.cancelRun(main.runId, {{"items", main.scores.items}});
            throw;
        } catch (const std::exception& e) {
            ws.failRun(main.runId, e.what());
            throw;
        }
    }
    out["params"] = params.toJson();
    out["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace prominence::study
