// prominence-cli forward: logits and every layer's neuron-site activations for a batch of ids.
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"

namespace prominence::cli {
namespace {

// input[key] as a [rows, cols] int64 tensor; `cols` < 0 takes the first row's length.
at::Tensor readMatrix(const nlohmann::json& input, const std::string& key, const std::string& file, std::int64_t rows,
                      std::int64_t cols) {
    const auto& v = input[key];
    auto bad = [&](const std::string& what) { return FormatError(file + ": \"" + key + "\" " + what); };
    if (!v.is_array() || v.empty()) throw bad("must be a non-empty list of lists of integers");
    if (rows >= 0 && static_cast<std::int64_t>(v.size()) != rows)
        throw bad("has " + std::to_string(v.size()) + " rows, input_ids has " + std::to_string(rows));
    std::vector<std::int64_t> values;
    for (std::size_t r = 0; r < v.size(); ++r) {
        if (!v[r].is_array()) throw bad("row " + std::to_string(r) + " is not a list");
        if (cols < 0) cols = static_cast<std::int64_t>(v[r].size());
        if (static_cast<std::int64_t>(v[r].size()) != cols || cols == 0)
            throw bad("row " + std::to_string(r) + " has " + std::to_string(v[r].size()) + " entries, expected " +
                      std::to_string(cols) + " (rows must be equally long; pad them)");
        for (std::size_t c = 0; c < v[r].size(); ++c) {
            if (!v[r][c].is_number_integer())
                throw bad("row " + std::to_string(r) + " entry " + std::to_string(c) + " is " + v[r][c].dump() + ", not an integer");
            values.push_back(v[r][c].get<std::int64_t>());
        }
    }
    return at::tensor(values, at::TensorOptions().dtype(at::kLong)).view({static_cast<std::int64_t>(v.size()), cols});
}

int runForward(const Args& args, Context& ctx) {
    const std::string inputPath = args.get("input");
    const nlohmann::json input = readJsonFile(inputPath);
    if (!input.is_object() || !input.contains("input_ids")) throw FormatError(inputPath + ": needs an object with \"input_ids\"");
    ForwardInput fi;
    fi.inputIds = readMatrix(input, "input_ids", inputPath, -1, -1);
    const std::int64_t B = fi.inputIds.size(0), T = fi.inputIds.size(1);
    if (input.contains("attention_mask") && !input["attention_mask"].is_null()) {
        fi.attentionMask = readMatrix(input, "attention_mask", inputPath, B, T);
        if (fi.attentionMask.lt(0).any().item<bool>() || fi.attentionMask.gt(1).any().item<bool>())
            throw FormatError(inputPath + ": \"attention_mask\" must hold only 0 and 1");
    }
    if (input.contains("position_ids") && !input["position_ids"].is_null()) {
        fi.positionIds = readMatrix(input, "position_ids", inputPath, B, T);
        if (fi.positionIds.lt(0).any().item<bool>()) throw FormatError(inputPath + ": \"position_ids\" must be >= 0");
    }

    LoadOptions lo;
    lo.dtype = parseComputeDtype(args.get("dtype"));
    lo.device = parseDevice(args.get("device"));
    const auto model = Model::load(args.get("model"), lo);
    at::NoGradGuard noGrad;
    ForwardOptions fo;
    fo.returnSites = true;
    const ForwardOutput out = model->forward(fi, fo);

    std::vector<NamedTensor> tensors{{"logits", out.logits.to(at::kCPU, at::kFloat).contiguous()}};
    for (int L = 0; L < model->numLayers(); ++L)
        tensors.push_back({"mlp." + std::to_string(L), out.sites[static_cast<std::size_t>(L)].to(at::kCPU, at::kFloat).contiguous()});
    writeSafetensors(args.get("output"), tensors);
    ctx.err << "forward: " << B << "x" << T << " tokens through " << model->numLayers() << " layers -> " << args.get("output") << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "forward",
    "run a batch of token ids through a checkpoint; write logits and MLP activations",
    "IN.json: {\"input_ids\": [[...], ...], \"attention_mask\": [[...], ...], \"position_ids\": [[...], ...]}\n"
    "(attention_mask optional, default all ones; position_ids optional, default 0..T-1 as in\n"
    "transformers' forward; for left padding pass cumsum(mask)-1 as generate does).\n"
    "OUT.safetensors (float32): logits [batch, seq, vocab] and mlp.L [batch, seq, intermediate] for\n"
    "every layer L: the neuron site blocks.L.mlp.post, the input of the MLP down projection.\n"
    "Values at padded positions are not meaningful.",
    {
        {"model", "DIR", "Hugging Face checkpoint directory", "", true, false},
        {"input", "IN.json", "token ids (and optional mask and positions)", "", true, false},
        {"output", "OUT.safetensors", "where to write logits and mlp.L", "", true, false},
        {"dtype", "f32|bf16|f16", "compute dtype", "f32", false, false},
        {"device", "cpu|cuda", "device to run on", "cpu", false, false},
    },
    runForward});

}  // namespace prominence::cli
