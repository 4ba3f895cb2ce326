// prominence-cli attribute: Integrated Gradients per MLP neuron for one sequence, to safetensors.
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/attribution/neuron_ig.h"
#include "core/common/error.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"

namespace prominence::cli {
namespace {

using namespace prominence::attribution;

// One unpadded sequence from forward's input format; padding and custom positions have no meaning
// for a single-item attribution, so they are refused rather than silently ignored.
std::vector<std::int64_t> readSequence(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open for reading");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw FormatError(path + ": not valid JSON (" + e.what() + ")");
    }
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

int runAttribute(const Args& args, Context& ctx) {
    AttributionItem item;
    item.inputIds = readSequence(args.get("input"));
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
    "Rules (Captum's): riemann_left, riemann_right, riemann_middle, riemann_trapezoid, gausslegendre.",
    {
        {"model", "DIR", "Hugging Face checkpoint directory", "", true, false},
        {"input", "IN.json", "{\"input_ids\": [[...]]}: one sequence", "", true, false},
        {"target-token", "ID", "token id whose log-probability is attributed", "", true, false},
        {"position", "P", "prediction position (0-based); default: the last token", "", false, false},
        {"layer", "L|all", "layer to attribute, or all", "all", false, false},
        {"steps", "N", "integration steps", "20", false, false},
        {"rule", "R", "integration rule", "gausslegendre", false, false},
        {"objective", "logprob|prob", "attributed function of the target token", "logprob", false, false},
        {"positions", "last|all", "which positions of layer L are scaled", "last", false, false},
        {"output", "OUT.safetensors", "where to write ig.L and delta.L", "", true, false},
    },
    runAttribute});

}  // namespace prominence::cli
