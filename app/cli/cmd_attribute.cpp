// prominence-cli attribute: Integrated Gradients per MLP neuron for one sequence, to safetensors
// (sequence form), or over stored selections with aggregated matrices and contrast written to the
// workspace (dataset form, study::runAttribute).
#include <nlohmann/json.hpp>

#include <ostream>
#include <sstream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/attribution/neuron_ig.h"
#include "core/common/error.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"
#include "core/study/attribute_step.h"

namespace prominence::cli {
namespace {

using namespace prominence::attribution;

const study::AttributeParams kDefaults;

// One unpadded sequence from forward's input format; padding and custom positions have no meaning
// for a single-item attribution, so they are refused rather than silently ignored.
std::vector<std::int64_t> readSequence(const std::string& path) {
    const nlohmann::json j = readJsonFile(path);
    if (!j.is_object() || !j.contains("input_ids")) throw FormatError(path + ": expected an object with \"input_ids\": [[...]]");
    const nlohmann::json& ids = j.at("input_ids");
    if (!ids.is_array() || ids.size() != 1 || !ids[0].is_array())
        throw FormatError(path + ": \"input_ids\" must hold exactly one sequence, [[id, ...]] (attribute takes one sequence)");
    std::vector<std::int64_t> seq;
    for (const auto& v : ids[0]) {
        if (!v.is_number_integer()) throw FormatError(path + ": \"input_ids\" holds " + v.dump() + ", expected integers");
        seq.push_back(v.get<std::int64_t>());
    }
    if (seq.empty()) throw FormatError(path + ": the sequence in \"input_ids\" is empty");
    if (j.contains("attention_mask")) {
        const nlohmann::json& m = j.at("attention_mask");
        if (!m.is_array() || m.size() != 1 || !m[0].is_array() || m[0].size() != seq.size())
            throw FormatError(path + ": \"attention_mask\" must be [[...]] of the sequence's length " + std::to_string(seq.size()));
        for (const auto& v : m[0])
            if (!v.is_number_integer() || v.get<std::int64_t>() != 1)
                throw FormatError(path + ": \"attention_mask\" holds " + v.dump() + "; attribute takes an unpadded sequence (all ones)");
    }
    if (j.contains("position_ids")) {
        const nlohmann::json& p = j.at("position_ids");
        if (!p.is_array() || p.size() != 1 || !p[0].is_array() || p[0].size() != seq.size())
            throw FormatError(path + ": \"position_ids\" must be [[...]] of the sequence's length " + std::to_string(seq.size()));
        for (size_t i = 0; i < seq.size(); ++i)
            if (!p[0][i].is_number_integer() || p[0][i].get<std::int64_t>() != static_cast<std::int64_t>(i))
                throw FormatError(path + ": \"position_ids\" must be 0..T-1 (the default) for attribute; position " +
                                  std::to_string(i) + " holds " + p[0][i].dump());
    }
    return seq;
}

template <typename F>
auto asUsage(F parse) -> decltype(parse()) {
    try {
        return parse();
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
}

std::vector<std::int64_t> idList(const Args& args, const std::string& name) {
    std::vector<std::int64_t> out;
    for (const std::string& value : args.all(name)) {
        std::stringstream in(value);
        std::string part;
        while (std::getline(in, part, ',')) {
            try {
                size_t used = 0;
                const long long v = std::stoll(part, &used);
                if (used != part.size() || v < 1) throw std::invalid_argument(part);
                out.push_back(v);
            } catch (const std::logic_error&) {
                throw UsageError("option '--" + name + "' expects ids (integers >= 1, comma-separated), got '" + part + "'");
            }
        }
    }
    return out;
}

std::vector<int> layerList(const std::string& text, const std::string& option) {
    std::vector<int> out;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        try {
            size_t used = 0;
            const int v = std::stoi(part, &used);
            if (used != part.size() || v < 0) throw std::invalid_argument(part);
            out.push_back(v);
        } catch (const std::logic_error&) {
            throw UsageError("option '--" + option + "' expects layer indices (comma-separated), got '" + part + "'");
        }
    }
    return out;
}

AttributionParams datasetParams(const Args& args) {
    AttributionParams p;
    p.ig.steps = static_cast<int>(args.getInt("steps"));
    p.ig.rule = asUsage([&] { return parseRule(args.get("rule")); });
    p.objective = asUsage([&] { return parseObjective(args.get("objective")); });
    p.positions = asUsage([&] { return parsePositionMode(args.get("positions")); });
    p.baseline = asUsage([&] { return parseBaseline(args.get("baseline")); });
    if (args.has("chunk")) p.ig.chunkSize = static_cast<int>(args.getInt("chunk"));
    const std::string layer = args.get("layer");
    if (layer != "all") p.layers = layerList(layer, "layer");
    return p;
}

// The dataset form: attribute stored selections, aggregate, contrast (study::runAttribute). Everything
// goes to the workspace; a JSON summary goes to stdout.
int datasetForm(const Args& args, Context& ctx) {
    for (const char* sequenceOnly : {"input", "target-token", "position", "output"})
        if (args.has(sequenceOnly))
            throw UsageError(std::string("--") + sequenceOnly + " belongs to the one-sequence form; the dataset form (--workspace) reads its items from stored selections");
    const bool resume = args.has("resume");
    if (resume == args.has("selection"))
        throw UsageError("the dataset form needs exactly one of --selection ID (a new run) or --resume RUN");
    study::AttributeParams p;
    p.workspacePath = args.get("workspace");
    p.referenceSelections = idList(args, "reference-selection");
    p.referenceRuns = idList(args, "reference-run");
    ContrastParams& cp = p.contrast;
    cp.method = asUsage([&] { return parseContrastMethod(args.get("contrast")); });
    cp.statistic = asUsage([&] { return parseStatistic(args.get("statistic")); });
    cp.topPercentIn = cp.topPercentRef = args.getDouble("top-percent");
    if (args.has("exclude-layers")) cp.excludeLayers = layerList(args.get("exclude-layers"), "exclude-layers");
    asUsage([&] { cp.validate(); return 0; });
    if (resume) {
        p.resumeRunId = args.getInt("resume");
    } else {
        p.selectionId = args.getInt("selection");
        p.attribution = datasetParams(args);
    }
    p.modelDir = args.get("model");
    p.aggregate.frequencyThreshold = args.getDouble("freq-threshold");
    p.storeVectors = !args.flag("no-vectors");
    p.name = args.get("name");
    p.top = args.getInt("top");
    Progress progress(stderrProgress());
    const study::AttributeResult r = callStudy([&] { return study::runAttribute(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
    return 0;
}

int runAttribute(const Args& args, Context& ctx) {
    if (args.has("workspace")) return datasetForm(args, ctx);
    for (const char* needed : {"model", "input", "target-token", "output"})
        if (!args.has(needed))
            throw UsageError(std::string("missing --") + needed + " (the one-sequence form; for stored selections give --workspace W --selection ID)");
    for (const char* datasetOnly : {"selection", "resume", "reference-selection", "reference-run", "exclude-layers", "name", "no-vectors"})
        if (args.has(datasetOnly)) throw UsageError(std::string("--") + datasetOnly + " belongs to the dataset form: give --workspace W");
    if (args.get("baseline") != "zero")
        throw UsageError("the one-sequence form integrates from a zero baseline; --baseline mean needs stored selections (--workspace)");
    AttributionItem item;
    item.target = args.getInt("target-token");
    if (args.has("position")) {
        item.position = args.getInt("position");
        if (item.position < 0) throw UsageError("option '--position' must be >= 0, got " + std::to_string(item.position));
    }
    AttributionParams params;
    params.ig.steps = static_cast<int>(args.getInt("steps"));
    params.ig.rule = asUsage([&] { return parseRule(args.get("rule")); });
    const std::string objective = args.get("objective");
    if (objective != "logprob" && objective != "prob")
        throw UsageError("option '--objective' must be logprob or prob, got '" + objective +
                         "' (margin needs the options of a stored item: the dataset-level form)");
    params.objective = parseObjective(objective);
    params.positions = asUsage([&] { return parsePositionMode(args.get("positions")); });
    const std::string layer = args.get("layer");
    if (layer != "all") {
        try {
            size_t used = 0;
            params.layers = {std::stoi(layer, &used)};
            if (used != layer.size()) throw std::invalid_argument(layer);
        } catch (const std::logic_error&) {
            throw UsageError("option '--layer' expects a layer index or 'all', got '" + layer + "'");
        }
    }
    asUsage([&] { params.validate(); return 0; });
    item.inputIds = readSequence(args.get("input"));

    const auto model = Model::load(args.get("model"));
    Progress progress(stderrProgress());
    progress.setStage("attribute");
    const ItemAttribution result = attributeItem(*model, item, params, {}, progress);

    std::vector<NamedTensor> tensors;
    nlohmann::ordered_json summary;
    summary["output"] = args.get("output");
    summary["target_token"] = item.target;
    summary["position"] = item.position < 0 ? static_cast<std::int64_t>(item.inputIds.size()) - 1 : item.position;
    summary["params"] = params.toJson();
    for (const LayerAttribution& la : result.layers) {
        const std::string L = std::to_string(la.layer);
        tensors.push_back({"ig." + L, la.ig.to(at::kFloat).contiguous()});                      // [intermediate]
        tensors.push_back({"delta." + L, at::scalar_tensor(la.delta, at::TensorOptions().dtype(at::kFloat))});  // []
        summary["layers"][L] = {{"f_input", la.fInput},
                                {"f_baseline", la.fBaseline},
                                {"delta", la.delta},
                                {"relative_residual", la.relativeResidual},
                                {"flagged", la.flagged}};
        if (la.flagged)
            ctx.err << "warning: layer " << L << ": completeness residual " << la.delta << " is "
                    << la.relativeResidual * 100 << "% of F(x) - F(x'); use more steps or gausslegendre\n";
    }
    writeSafetensors(args.get("output"), tensors);
    ctx.out << summary.dump(2) << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "attribute",
    "Integrated Gradients per MLP neuron for one sequence (tensors ig.L, delta.L)",
    "Scales the MLP intermediate activation (blocks.L.mlp.post, the input of the down projection) of one\n"
    "layer at a time from a zero baseline, every other layer running normally, and integrates the gradient\n"
    "of F = log p(target | sequence) at the prediction position (or p itself with --objective prob).\n"
    "--positions last scales only the activation at the prediction position; all scales every position\n"
    "by one alpha and sums the attribution over positions.\n"
    "Input: {\"input_ids\": [[...]]} with one unpadded sequence (attention_mask and position_ids optional,\n"
    "all ones and 0..T-1 if given). Output: ig.L [intermediate] float32 and delta.L [] (the completeness\n"
    "residual sum(ig.L) - (F(x) - F(baseline))) for each attributed layer; a JSON summary on stdout.\n"
    "Rules (Captum's): riemann_left, riemann_right, riemann_middle, riemann_trapezoid, gausslegendre.\n"
    "\n"
    "Dataset form: --workspace W --selection ID attributes every item of a stored selection (made by\n"
    "`eval --workspace W --selection NAME --select-threshold P`) with the prompt as eval encoded it and the\n"
    "gold option's answer token as target; objective margin (gold logit minus the best other option's)\n"
    "and baseline mean (the mean activation over the items of every selection of the call) are offered.\n"
    "Each item's IG per layer is stored as it finishes (Ctrl-C cancels and keeps them; --resume RUN\n"
    "continues), then the matrices mean_ig, mean_abs_ig and freq (IG >= t * the item's max) of the run.\n"
    "With --reference-selection (attributed here, same parameters) or --reference-run (finished\n"
    "attribution runs), the contrast is stored in the run too: prune --workspace W --scores RUN reads it.",
    {
        {"model", "DIR", "Hugging Face checkpoint directory (dataset form: default the selection's eval model)", "", false, false},
        {"input", "IN.json", "{\"input_ids\": [[...]]}: one sequence", "", false, false},
        {"target-token", "ID", "token id whose log-probability is attributed", "", false, false},
        {"position", "P", "prediction position (0-based); default: the last token", "", false, false},
        {"layer", "L|all", "layer to attribute, or all", "all", false, false},
        {"steps", "N", "integration steps", defaultText(kDefaults.attribution.ig.steps), false, false},
        {"rule", "R", "integration rule", ruleName(kDefaults.attribution.ig.rule), false, false},
        {"objective", "logprob|prob|margin", "attributed function of the target token (margin: dataset form)",
         objectiveName(kDefaults.attribution.objective), false, false},
        {"positions", "last|all", "which positions of layer L are scaled", positionModeName(kDefaults.attribution.positions), false, false},
        {"output", "OUT.safetensors", "where to write ig.L and delta.L", "", false, false},
        {"chunk", "K", "path steps evaluated at once (bounds memory; default all)", "", false, false},
        {"workspace", "W", "dataset form: the workspace holding the selections", "", false, false},
        {"selection", "ID", "dataset form: the stored selection to attribute (the in-domain dataset)", "", false, false},
        {"resume", "RUN", "dataset form: continue a cancelled, failed or incomplete attribution run", "", false, false},
        {"reference-selection", "ID[,ID]", "dataset form: selections of reference datasets, attributed here too", "", false, true},
        {"reference-run", "RUN[,RUN]", "dataset form: finished attribution runs used as references", "", false, true},
        {"baseline", "zero|mean", "IG baseline (mean: dataset form)", baselineName(kDefaults.attribution.baseline), false, false},
        {"freq-threshold", "T", "a neuron counts for an item when IG >= T * the item's max (Dai et al.)",
         defaultText(kDefaults.aggregate.frequencyThreshold), false, false},
        {"contrast", "METHOD", "difference | ratio | top_set_difference (docs/method.md)",
         contrastMethodName(kDefaults.contrast.method), false, false},
        {"statistic", "S", "matrix the contrast uses: mean_ig | mean_abs_ig | frequency",
         statisticName(kDefaults.contrast.statistic), false, false},
        {"top-percent", "Q", "top_set_difference: top Q% in-domain, not in any reference's top Q%",
         defaultText(kDefaults.contrast.topPercentIn), false, false},
        {"exclude-layers", "L[,L]", "layers never selected and left out of normalisation", "", false, false},
        {"top", "K", "dataset form: contrast's top neurons listed on stdout", defaultText(kDefaults.top), false, false},
        {"name", "NAME", "dataset form: name of the attribution run", "", false, false},
        {"no-vectors", "", "dataset form: store only f, delta and flags per item (no [neurons] vectors; no resume)", "", false, false},
    },
    runAttribute});

}  // namespace prominence::cli
