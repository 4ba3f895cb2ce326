// Model runtime figures on a synthetic ~100M-parameter Llama-style checkpoint written by this run:
// load time, peak RSS against the checkpoint's f32 size, forward tokens/s for a 4x128 batch and for
// single-token KV-cache steps, and achieved FLOP/s as a fraction of this machine's sgemm peak
// measured in the same run. Prints figures and ratios; asserts nothing.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/model/model.h"
#include "core/model/synthetic.h"
#include "core/system/runtime.h"

using namespace prominence;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// VmHWM (peak resident set) in bytes, from /proc; getrusage as a fallback.
double peakRssBytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            double kb = 0;
            in >> kb;
            return kb * 1024.0;
        }
        std::getline(in, key);
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so writing the checkpoint does not count.
bool resetPeakRss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    return static_cast<bool>(out);
}

double currentRssBytes() {
    std::ifstream in("/proc/self/statm");
    double pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double sgemmPeak() {
    const std::int64_t n = 1024;
    const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
    at::Tensor c = at::mm(a, b);
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = Clock::now();
        for (int i = 0; i < 4; ++i) c = at::mm(a, b);
        const double flops = 4 * 2.0 * n * n * n / seconds(t0, Clock::now());
        best = std::max(best, flops);
    }
    return best;
}

}  // namespace

int main() {
    applyThreadSettings(ThreadSettings{});
    const ThreadSettings threads = currentThreadSettings();
    char tmpl[] = "/tmp/prominence-bench-model-XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::string dir = tmpl;
    SyntheticLlamaSizes sizes;  // 12 layers, hidden 768, MLP 2048, 12 heads / 4 KV heads, vocab 16000
    const std::int64_t params = syntheticLlamaParameters(sizes);
    const double f32Bytes = 4.0 * static_cast<double>(params);
    std::printf("bench_model: synthetic llama, %.1fM parameters, %.0f MiB f32, intra-op threads %d, BLAS threads %d\n",
                params / 1e6, f32Bytes / 1048576.0, threads.intraOp, threads.blas);

    auto t0 = Clock::now();
    writeSyntheticLlama(dir, sizes, 1234);
    std::printf("  write checkpoint          %8.2f s\n", seconds(t0, Clock::now()));

    const double peak = sgemmPeak();
    std::printf("  sgemm peak (1024^3)       %8.2f GFLOP/s\n", peak / 1e9);

    const bool reset = resetPeakRss();
    const double rssBefore = currentRssBytes();
    t0 = Clock::now();
    auto model = Model::load(dir);
    const double loadSeconds = seconds(t0, Clock::now());
    std::printf("  load (mmap, strict)       %8.3f s\n", loadSeconds);

    at::NoGradGuard noGrad;
    // Matmul FLOPs per token: 2 per weight of every projection and the LM head (embedding lookups
    // are free), plus the attention products, 4 * keys * heads * head_dim per layer.
    const ModelConfig& c = model->config();
    const double matmulParams = static_cast<double>(params - c.vocabSize * c.hiddenSize);
    auto flopsPerToken = [&](double keys) {
        return 2.0 * matmulParams + 4.0 * keys * static_cast<double>(c.numHeads * c.headDim * c.numLayers);
    };

    const std::int64_t B = 4, T = 128;
    const at::Tensor ids = at::randint(0, c.vocabSize, {B, T}, at::kLong);
    model->forward({ids, {}, {}});  // warm-up: touches every mapped page once
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
        t0 = Clock::now();
        model->forward({ids, {}, {}});
        best = std::min(best, seconds(t0, Clock::now()));
    }
    const double batchTokS = static_cast<double>(B * T) / best;
    // Causal attention over T keys: the kernels compute the full T x T product.
    const double batchFlops = batchTokS * flopsPerToken(static_cast<double>(T));
    std::printf("  forward %ldx%ld tokens     %8.1f tokens/s  %7.2f GFLOP/s  %5.1f%% of sgemm peak\n", static_cast<long>(B),
                static_cast<long>(T), batchTokS, batchFlops / 1e9, 100.0 * batchFlops / peak);

    const std::int64_t prefill = 64, steps = 32;
    KvCache cache;
    cache.reserve(prefill + steps);
    ForwardOptions fo;
    fo.cache = &cache;
    model->forward({ids.narrow(0, 0, 1).narrow(1, 0, prefill), {}, {}}, fo);
    t0 = Clock::now();
    for (std::int64_t s = 0; s < steps; ++s) model->forward({ids.narrow(0, 0, 1).narrow(1, prefill + s, 1), {}, {}}, fo);
    const double stepS = seconds(t0, Clock::now()) / static_cast<double>(steps);
    const double stepFlops = flopsPerToken(static_cast<double>(prefill + steps / 2)) / stepS;
    std::printf("  KV-cache single-token step %7.2f ms  %8.1f tokens/s  %7.2f GFLOP/s  %5.1f%% of sgemm peak (bandwidth-bound)\n",
                stepS * 1e3, 1.0 / stepS, stepFlops / 1e9, 100.0 * stepFlops / peak);

    const double hwm = peakRssBytes();
    std::printf("  peak RSS %s %8.0f MiB (%.2fx the f32 checkpoint; %.0f MiB before loading)\n",
                reset ? "(load + forward)" : "(whole run)    ", hwm / 1048576.0, hwm / f32Bytes, rssBefore / 1048576.0);
    // LibTorch's own resident libraries and pools are in the process before any model exists; the
    // second ratio is what loading and running the model added.
    std::printf("  ratios: peak RSS / f32 size = %.2f (target <= 1.2), (peak RSS - pre-load RSS) / f32 size = %.2f, "
                "batch FLOP/s / sgemm peak = %.2f (target >= 0.5)\n",
                hwm / f32Bytes, (hwm - rssBefore) / f32Bytes, batchFlops / peak);

    model.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
