// prominence-cli prune: remove MLP neurons from a checkpoint by weight surgery (one-shot form), or
// select a mask from stored neuron scores by a policy and store it in a workspace (workspace form).
#include <memory>
#include <optional>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/selection.h"
#include "core/prune/surgery.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

std::vector<int> parseLayerList(const std::string& text) {
    std::vector<int> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 9)
            throw UsageError("--layers: '" + part + "' is not a layer index (expected L[,L...])");
        out.push_back(std::stoi(part));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

prune::PolicyParams policyFromArgs(const Args& args) {
    prune::PolicyParams p;
    try {
        p.kind = prune::parsePolicy(args.get("policy"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    if (args.has("layer")) p.layer = static_cast<int>(args.getInt("layer"));
    if (args.has("percent")) p.percent = args.getDouble("percent");
    if (args.has("k")) p.k = args.getInt("k");
    if (args.has("threshold")) p.threshold = args.getDouble("threshold");
    if (args.has("layers")) p.layers = parseLayerList(args.get("layers"));
    if (args.has("neurons")) p.neurons = args.get("neurons");
    p.positiveOnly = !args.flag("include-nonpositive");
    try {
        p.validate();
    } catch (const InvalidArgument& e) {
        throw UsageError(std::string("--policy ") + prune::policyName(p.kind) + ": " + e.what());
    }
    return p;
}

void writePruned(Model& model, const prune::PruneMask& mask, const std::string& out, const nlohmann::json& provenance,
                 bool overwrite, Context& ctx) {
    prune::applyWeightSurgery(model, mask);
    exporting::ExportOptions eo;
    eo.overwrite = overwrite;
    eo.prominence = {{"mask", mask.toJson()}, {"neurons", mask.format()}, {"provenance", provenance},
                     {"source_model", model.directory()}, {"applied_as", "weight_surgery"}};
    Progress progress(stderrProgress());
    progress.setStage("writing " + out);
    const exporting::ExportResult r = exporting::exportCheckpoint(model, out, eo, progress);
    ctx.err << "prune: wrote " << r.dir << " (" << mask.size() << " neurons removed)\n";
}

int oneShot(const Args& args, Context& ctx) {
    if (!args.has("model") || !args.has("output"))
        throw UsageError("the one-shot form needs --model DIR --neurons L:N[,L:N...] --output OUT_DIR");
    auto model = Model::load(args.get("model"));
    prune::PruneMask mask;
    try {
        mask = prune::PruneMask::parse(args.get("neurons"), model->numLayers(), model->intermediateSize());
    } catch (const InvalidArgument& e) {
        throw UsageError(std::string("--neurons: ") + e.what());
    }
    const nlohmann::json provenance = {{"policy", "explicit"}, {"neurons", mask.format()}};
    writePruned(*model, mask, args.get("output"), provenance, args.flag("overwrite"), ctx);
    ctx.out << nlohmann::json{{"output", args.get("output")}, {"count", mask.size()}, {"neurons", mask.format()},
                              {"per_layer", [&] {
                                   nlohmann::json j = nlohmann::json::object();
                                   for (const auto& [l, c] : mask.countsPerLayer()) j[std::to_string(l)] = c;
                                   return j;
                               }()}}
                   .dump(2)
            << "\n";
    return 0;
}

int workspaceForm(const Args& args, Context& ctx) {
    if (!args.has("output-mask")) throw UsageError("the workspace form needs --output-mask NAME");
    auto ws = workspace::Workspace::open(args.get("workspace"));
    const prune::PolicyParams policy = policyFromArgs(args);
    std::unique_ptr<Model> model;
    if (args.has("model")) model = Model::load(args.get("model"));

    prune::PruneMask mask;
    nlohmann::json provenance = {{"policy", policy.toJson()}};
    std::vector<workspace::RunInput> inputs;
    std::optional<workspace::Id> modelId;
    if (policy.kind == prune::PolicyKind::Explicit) {
        if (!model) throw UsageError("--policy explicit needs --model DIR (for the layer and neuron counts)");
        mask = prune::selectExplicit(policy.neurons, model->numLayers(), model->intermediateSize());
    } else {
        if (!args.has("scores")) throw UsageError("--policy " + prune::policyName(policy.kind) + " needs --scores RUN");
        const workspace::Id scoreRun = args.getInt("scores");
        const workspace::NeuronScores scores = prune::findScores(ws, scoreRun, args.get("kind"), args.get("dataset"));
        const prune::ScoreMatrix matrix = prune::scoreMatrixOf(scores);
        int layers = 0;
        const workspace::RunRecord run = ws.run(scoreRun);
        modelId = run.modelId;
        if (model) {
            layers = model->numLayers();
            if (model->intermediateSize() != matrix.neurons())
                throw ShapeError("scores of run " + std::to_string(scoreRun) + " have " + std::to_string(matrix.neurons()) +
                                 " neurons per layer; the model has " + std::to_string(model->intermediateSize()));
        } else if (run.modelId && ws.model(*run.modelId).info.contains("layers")) {
            layers = ws.model(*run.modelId).info.at("layers").get<int>();
        } else {
            layers = matrix.layers.back() + 1;
        }
        mask = prune::selectNeurons(matrix, policy, layers);
        provenance["scores"] = {{"run", scoreRun}, {"id", scores.id}, {"dataset", scores.dataset}, {"kind", scores.kind}};
        inputs.push_back({scoreRun, "scores"});
    }
    workspace::RunStart start;
    start.kind = "prune";
    start.name = args.get("output-mask");
    start.modelId = modelId;
    start.inputs = inputs;
    start.params = provenance;
    const workspace::Id runId = ws.beginRun(start);
    try {
        const workspace::Id maskId = prune::saveMask(ws, args.get("output-mask"), mask, provenance, runId, modelId);
        nlohmann::json summary = {{"mask_id", maskId}, {"name", args.get("output-mask")}, {"count", mask.size()},
                                  {"neurons", mask.format()}};
        if (args.has("output")) {
            if (!model) throw UsageError("--output needs --model DIR (the checkpoint to prune)");
            writePruned(*model, mask, args.get("output"), provenance, args.flag("overwrite"), ctx);
            workspace::ExportRecord rec;
            rec.runId = runId;
            rec.maskId = maskId;
            rec.kind = "hf_checkpoint";
            rec.path = args.get("output");
            ws.addExport(rec);
            summary["output"] = args.get("output");
        }
        ws.finishRun(runId, summary);
        summary["run_id"] = runId;
        ctx.out << summary.dump(2) << "\n";
    } catch (const std::exception& e) {
        ws.failRun(runId, e.what());
        throw;
    }
    return 0;
}

int runPrune(const Args& args, Context& ctx) {
    if (args.has("workspace")) return workspaceForm(args, ctx);
    if (args.has("policy") || args.has("scores") || args.has("output-mask"))
        throw UsageError("--policy, --scores and --output-mask belong to the workspace form: add --workspace W");
    if (!args.has("neurons")) throw UsageError("give --neurons L:N[,L:N...] (or --workspace W --scores RUN --policy ...)");
    return oneShot(args, ctx);
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "prune",
    "remove MLP neurons from a checkpoint, or select and store a prune mask from neuron scores",
    "One-shot form: prune --model DIR --neurons L:N[,L:N...] --output OUT_DIR writes a Hugging Face\n"
    "checkpoint with the same config, tensor names and shapes as DIR in which the listed neurons (0-based\n"
    "layer:neuron) are removed by weight surgery (down-projection column, up/gate rows and biases zeroed),\n"
    "tokenizer files copied and prominence.json recording the mask.\n\n"
    "Workspace form: prune --workspace W --scores RUN --policy P [policy options] --output-mask NAME selects\n"
    "neurons from the score matrix stored by attribution run RUN (--kind/--dataset pick one when the run\n"
    "holds several; default: its contrast matrix) and stores the mask with its provenance. Policies:\n"
    "  layer_top_percent      --layer L --percent P   top P% of layer L (the paper's setting)\n"
    "  per_layer_top_percent  --percent P [--layers]  top P% of each layer\n"
    "  global_top_k           --k K [--layers]        the K best neurons overall\n"
    "  threshold              --threshold T [--layers] every neuron scoring >= T\n"
    "  explicit               --neurons L:N,... --model DIR\n"
    "Only neurons with a positive score are chosen unless --include-nonpositive. With --model and --output\n"
    "the pruned checkpoint is written too. Prints the mask as JSON.",
    {
        {"model", "DIR", "checkpoint directory", "", false, false},
        {"neurons", "L:N[,L:N...]", "neurons to remove (one-shot form, or --policy explicit)", "", false, false},
        {"output", "OUT_DIR", "pruned checkpoint directory to write", "", false, false},
        {"overwrite", "", "replace OUT_DIR if it exists", "", false, false},
        {"workspace", "W", "workspace file (workspace form)", "", false, false},
        {"scores", "RUN", "attribution run holding the neuron scores", "", false, false},
        {"kind", "KIND", "score matrix kind, e.g. contrast_piqa (default: the run's contrast matrix)", "", false, false},
        {"dataset", "NAME", "score matrix dataset (when the run holds several)", "", false, false},
        {"policy", "P", "layer_top_percent | per_layer_top_percent | global_top_k | threshold | explicit", "", false, false},
        {"layer", "L", "layer for layer_top_percent", "", false, false},
        {"percent", "P", "percent of a layer's neurons, (0, 100]", "", false, false},
        {"k", "K", "neuron count for global_top_k", "", false, false},
        {"threshold", "T", "score threshold", "", false, false},
        {"layers", "L[,L...]", "restrict per-layer, global and threshold policies to these layers", "", false, false},
        {"include-nonpositive", "", "allow neurons whose score is <= 0", "", false, false},
        {"output-mask", "NAME", "name of the stored mask (workspace form)", "", false, false},
    },
    runPrune});

}  // namespace prominence::cli
