// prominence-cli info: the system (LibTorch, threads, BLAS, devices) or a checkpoint's shape.
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/model/model.h"
#include "core/system/runtime.h"

namespace prominence::cli {
namespace {

int runInfo(const Args& args, Context& ctx) {
    if (args.flag("system")) {
        ctx.out << systemReportJson() << "\n";
        return 0;
    }
    if (!args.has("model")) throw UsageError("give --model DIR or --system");
    // Loading validates every tensor against the config, so info doubles as a checkpoint check.
    const auto model = Model::load(args.get("model"));
    const ModelConfig& c = model->config();
    const nlohmann::json out = {
        {"architecture", c.modelType},
        {"num_layers", c.numLayers},
        {"hidden_size", c.hiddenSize},
        {"intermediate_size", c.intermediateSize},
        {"num_heads", c.numHeads},
        {"num_kv_heads", c.numKvHeads},
        {"head_dim", c.headDim},
        {"vocab_size", c.vocabSize},
        {"parameters", model->parameterCount()},
        {"dtype", model->storedDtype()},
        {"tied_embeddings", c.tieWordEmbeddings},
        {"max_position_embeddings", c.maxPositions},
        {"neuron_sites", model->numLayers() * c.intermediateSize},
    };
    ctx.out << out.dump(2) << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "info",
    "describe a checkpoint (--model DIR) or this system (--system) as JSON",
    "--model loads the checkpoint (strictly: every tensor checked against config.json) and prints\n"
    "architecture, num_layers, hidden_size, intermediate_size, num_heads, num_kv_heads, head_dim,\n"
    "vocab_size, parameters (tied weights once), dtype (as stored), tied_embeddings,\n"
    "max_position_embeddings and neuron_sites (layers x intermediate).\n"
    "--system prints the LibTorch version, thread settings, the BLAS library in use and the devices.",
    {
        {"model", "DIR", "Hugging Face checkpoint directory (config.json + safetensors)", "", false, false},
        {"system", "", "print LibTorch version, threads, BLAS and devices", "", false, false},
    },
    runInfo});

}  // namespace prominence::cli
