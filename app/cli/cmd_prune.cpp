// prominence-cli prune: remove MLP neurons from a checkpoint by weight surgery (one-shot form), or
// select a mask from stored neuron scores by a policy and store it in a workspace (workspace form);
// study::runPruneCheckpoint and study::runPrune.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/prune/selection.h"
#include "core/study/prune_step.h"

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

int oneShot(const Args& args, Context& ctx) {
    if (!args.has("model") || !args.has("output"))
        throw UsageError("the one-shot form needs --model DIR --neurons L:N[,L:N...] --output OUT_DIR");
    study::PruneCheckpointParams p;
    p.modelDir = args.get("model");
    p.neurons = args.get("neurons");
    p.outputDir = args.get("output");
    p.overwrite = args.flag("overwrite");
    Progress progress(stderrProgress());
    const study::PruneCheckpointResult r = callStudy([&] { return study::runPruneCheckpoint(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
    return 0;
}

int workspaceForm(const Args& args, Context& ctx) {
    if (!args.has("output-mask")) throw UsageError("the workspace form needs --output-mask NAME");
    study::PruneParams p;
    p.workspacePath = args.get("workspace");
    p.maskName = args.get("output-mask");
    p.policy = policyFromArgs(args);
    p.modelDir = args.get("model");
    if (p.policy.kind != prune::PolicyKind::Explicit && args.has("scores")) p.scoresRun = args.getInt("scores");
    p.kind = args.get("kind");
    p.dataset = args.get("dataset");
    p.outputDir = args.get("output");
    p.overwrite = args.flag("overwrite");
    Progress progress(stderrProgress());
    const study::PruneResult r = callStudy([&] { return study::runPrune(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
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
