// Seconds per item of neuron IG over every layer: optimised path vs naive path, same model, same item.
//
// Model: a synthetic Llama-style decoder of about 100M parameters (hidden 768, 12 layers, 12 heads,
// 4 KV heads, SwiGLU 2048, vocab 8192), random weights (seeded), float32 on the CPU.
// Prompt: 128 random tokens. IG: gausslegendre, all path steps in one batch.
//
// usage: bench_attribution [--steps N (20)] [--seq T (128)] [--layers N (12)] [--only last|all]
// Fewer steps or layers keep the naive runs short on a small machine; the printed ratio is what
// matters and both paths always run on the same item with the same settings.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/attribution/neuron_ig.h"
#include "core/model/model.h"
#include "core/system/runtime.h"

using namespace prominence;
using namespace prominence::attribution;

namespace {

struct Timing {
    double wall = 0;  // seconds
    double cpu = 0;   // process CPU seconds, all threads: the work done, whatever else the machine runs
    double maxDelta = 0;
};

Timing timeItem(const Model& model, const AttributionItem& item, AttributionParams params, IgPath path) {
    params.path = path;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpuStart = std::clock();
    const ItemAttribution r = attributeItem(model, item, params);
    Timing t;
    t.cpu = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.maxDelta = r.deltas().abs().max().item<double>();
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    int steps = 20, seq = 128, layers = 12;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seq")) seq = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--layers")) layers = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: bench_attribution [--steps N] [--seq T] [--layers N] [--only last|all]\n");
            return 2;
        }
    }
    if (steps < 1 || seq < 2 || layers < 1) {
        std::fprintf(stderr, "bench_attribution: steps >= 1, seq >= 2 and layers >= 1 required\n");
        return 2;
    }
    const ThreadSettings threads = applyThreadSettings({});
    const nlohmann::json config = {{"model_type", "llama"},          {"architectures", {"LlamaForCausalLM"}},
                                   {"vocab_size", 8192},             {"hidden_size", 768},
                                   {"intermediate_size", 2048},      {"num_hidden_layers", layers},
                                   {"num_attention_heads", 12},      {"num_key_value_heads", 4},
                                   {"max_position_embeddings", 2048}, {"rms_norm_eps", 1e-5},
                                   {"rope_theta", 10000.0},          {"hidden_act", "silu"},
                                   {"tie_word_embeddings", false},   {"initializer_range", 0.02}};
    const auto model = Model::createFromConfig(ModelConfig::fromJson(config, "bench_attribution"), 1234);
    std::printf("model: synthetic llama, %.1fM parameters, %d layers, intermediate %lld; threads intra-op %d, BLAS %d\n",
                static_cast<double>(model->parameterCount()) / 1e6, model->numLayers(),
                static_cast<long long>(model->intermediateSize()), threads.intraOp, threads.blas);

    at::manual_seed(5);
    AttributionItem item;
    const at::Tensor ids = at::randint(0, 8192, {seq}, at::TensorOptions().dtype(at::kLong));
    item.inputIds.assign(ids.data_ptr<std::int64_t>(), ids.data_ptr<std::int64_t>() + seq);
    item.target = 7;

    AttributionParams params;
    params.ig.steps = steps;
    std::printf("item: %d tokens, IG gausslegendre %d steps, every layer\n", seq, steps);
    for (PositionMode mode : {PositionMode::Last, PositionMode::All}) {
        if (!only.empty() && only != positionModeName(mode)) continue;
        params.positions = mode;
        const Timing fast = timeItem(*model, item, params, IgPath::Optimised);
        const Timing naive = timeItem(*model, item, params, IgPath::Naive);
        std::printf("positions=%-4s optimised %8.2f s/item (cpu %8.2f)   naive %8.2f s/item (cpu %8.2f)   ratio %6.1fx wall, "
                    "%6.1fx cpu   (max |delta| %.2e / %.2e)\n",
                    positionModeName(mode).c_str(), fast.wall, fast.cpu, naive.wall, naive.cpu, naive.wall / fast.wall,
                    naive.cpu / fast.cpu, fast.maxDelta, naive.maxDelta);
        std::fflush(stdout);
    }
    return 0;
}
