// Eval throughput: items/s for loglik (with and without the shared-context KV cache) and letter scoring
// on ARC-Easy, with a synthetic Llama-shaped model (random weights, seeded) and GPT-2's tokenizer
// (vocab 50257; its " A".." D" are single tokens, which letter scoring needs). Usage: bench_eval [ITEMS] [HIDDEN] [LAYERS]; PROMINENCE_SHARED names shared/.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/data/benchmark_loader.h"
#include "core/eval/evaluator.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"

using namespace prominence;

namespace {

double itemsPerSecond(const Model& model, const Tokenizer& tok, const std::vector<data::McItem>& items,
                      const eval::EvalOptions& o, double& acc) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = eval::evaluate(model, tok, items, nullptr, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    acc = r.summary.acc;
    return static_cast<double>(items.size()) / s;
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 200;
    const int hidden = argc > 2 ? std::atoi(argv[2]) : 256;
    const int layers = argc > 3 ? std::atoi(argv[3]) : 4;
    const char* env = std::getenv("PROMINENCE_SHARED");
    if (env == nullptr) {
        std::fprintf(stderr, "bench_eval: set PROMINENCE_SHARED to the shared/ folder (tokenizer and ARC-Easy)\n");
        return 1;
    }
    const std::string shared = env;
    try {
        const Tokenizer tok = Tokenizer::load(shared + "/fixtures/tokenizers/gpt2");
        auto bench = data::loadBenchmark(shared + "/data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl");
        if (static_cast<std::size_t>(n) < bench.items.size()) bench.items.resize(static_cast<std::size_t>(n));
        const nlohmann::json cfg = {{"model_type", "llama"},          {"vocab_size", 50257},
                                    {"hidden_size", hidden},          {"intermediate_size", hidden * 11 / 4},
                                    {"num_hidden_layers", layers},    {"num_attention_heads", hidden / 32},
                                    {"num_key_value_heads", hidden / 64 > 0 ? hidden / 64 : 1},
                                    {"max_position_embeddings", 2048}, {"rms_norm_eps", 1e-5},
                                    {"hidden_act", "silu"},           {"tie_word_embeddings", false}};
        const auto model = Model::createFromConfig(ModelConfig::fromJson(cfg, "bench_eval"), 42);
        std::printf("bench_eval: %zu ARC-Easy items, synthetic llama hidden %d, layers %d, vocab 50257, threads %d\n",
                    bench.items.size(), hidden, layers, at::get_num_threads());
        double acc = 0;
        eval::EvalOptions reuse;
        eval::EvalOptions rows;
        rows.reuseContext = false;
        eval::EvalOptions letter;
        letter.scoring = eval::Scoring::Letter;
        const double a = itemsPerSecond(*model, tok, bench.items, reuse, acc);
        std::printf("loglik, shared-context KV cache : %8.1f items/s (acc %.4f)\n", a, acc);
        const double b = itemsPerSecond(*model, tok, bench.items, rows, acc);
        std::printf("loglik, context+continuation rows: %8.1f items/s (acc %.4f)\n", b, acc);
        const double c = itemsPerSecond(*model, tok, bench.items, letter, acc);
        std::printf("letter                           : %8.1f items/s (acc %.4f)\n", c, acc);
        std::printf("ratio cache/rows: %.2fx   letter/loglik(cache): %.2fx\n", a / b, c / a);
        eval::EvalOptions fewshot = reuse;
        fewshot.shots = 5;
        const double d = itemsPerSecond(*model, tok, bench.items, fewshot, acc);
        fewshot.reuseContext = false;
        const double e = itemsPerSecond(*model, tok, bench.items, fewshot, acc);
        std::printf("loglik 5-shot: cache %.1f items/s, rows %.1f items/s, ratio %.2fx\n", d, e, d / e);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "bench_eval: %s\n", ex.what());
        return 1;
    }
    return 0;
}
