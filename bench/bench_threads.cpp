// Which thread mix is fastest here? LibTorch's OpenMP pool and OpenBLAS's own pool can oversubscribe
// the cores. This bench runs a Llama-style block stack (d=768, MLP 3072, 4 layers: ~38M parameters)
// for a batched prefill (4 x 128 tokens) and for single-token steps, under each configuration, each in
// a fresh child process (OMP_WAIT_POLICY and the BLAS library can only be chosen at process start).
//
//   bench_threads            run every configuration and print a table with ratios to the default
//   bench_threads --child    run once with the current environment and print "prefill_ms decode_ms"
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/common/torch.h"
#include "core/system/runtime.h"

namespace {

constexpr int kHidden = 768, kMlp = 3072, kLayers = 4, kHeads = 12;

struct Block {
    at::Tensor wq, wk, wv, wo, wg, wu, wd;
};

at::Tensor rmsnorm(const at::Tensor& x) { return x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-6); }

at::Tensor blockForward(const Block& b, const at::Tensor& x) {
    const int64_t B = x.size(0), T = x.size(1), hd = kHidden / kHeads;
    at::Tensor h = rmsnorm(x);
    auto q = at::matmul(h, b.wq).view({B, T, kHeads, hd}).transpose(1, 2);  // [B, H, T, hd]
    auto k = at::matmul(h, b.wk).view({B, T, kHeads, hd}).transpose(1, 2);
    auto v = at::matmul(h, b.wv).view({B, T, kHeads, hd}).transpose(1, 2);
    auto att = at::softmax(at::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(hd)), -1);
    auto o = at::matmul(att, v).transpose(1, 2).reshape({B, T, kHidden});  // [B, T, d]
    at::Tensor y = x + at::matmul(o, b.wo);
    at::Tensor m = rmsnorm(y);
    return y + at::matmul(at::silu(at::matmul(m, b.wg)) * at::matmul(m, b.wu), b.wd);
}

double timeMs(const std::vector<Block>& blocks, const at::Tensor& x, int reps) {
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        at::Tensor h = x;
        for (const auto& b : blocks) h = blockForward(b, h);
        (void)h.sum().item<float>();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

int child() {
    prominence::applyThreadSettings({});
    at::NoGradGuard noGrad;
    at::manual_seed(0);
    std::vector<Block> blocks;
    auto w = [](int64_t i, int64_t o) { return at::randn({i, o}) * 0.02; };
    for (int l = 0; l < kLayers; ++l)
        blocks.push_back({w(kHidden, kHidden), w(kHidden, kHidden), w(kHidden, kHidden), w(kHidden, kHidden),
                          w(kHidden, kMlp), w(kHidden, kMlp), w(kMlp, kHidden)});
    at::Tensor prefill = at::randn({4, 128, kHidden});
    at::Tensor decode = at::randn({1, 1, kHidden});
    timeMs(blocks, prefill, 1);
    double p = timeMs(blocks, prefill, 5);
    timeMs(blocks, decode, 3);
    double d = timeMs(blocks, decode, 41);
    std::printf("%.3f %.3f\n", p, d);
    return 0;
}

struct Config {
    std::string name;
    std::string intra, blas, waitPolicy, preload;
};

bool runChild(const Config& c, double& prefill, double& decode) {
    int fd[2];
    if (pipe(fd) != 0) return false;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        setenv("PROMINENCE_THREADS", c.intra.c_str(), 1);
        setenv("PROMINENCE_BLAS_THREADS", c.blas.c_str(), 1);
        if (!c.waitPolicy.empty()) setenv("OMP_WAIT_POLICY", c.waitPolicy.c_str(), 1);
        if (!c.preload.empty()) setenv("LD_PRELOAD", c.preload.c_str(), 1);
        execl("/proc/self/exe", "bench_threads", "--child", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fd[1]);
    std::array<char, 256> buf{};
    ssize_t n = read(fd[0], buf.data(), buf.size() - 1);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return n > 0 && std::sscanf(buf.data(), "%lf %lf", &prefill, &decode) == 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--child") return child();
    const std::string cores = std::to_string(prominence::hardwareCores());
    const std::string ompBlas = "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3";
    std::vector<Config> configs = {
        {"intra=1 blas=" + cores + " (default)", "1", cores, "", ""},
        {"intra=" + cores + " blas=" + cores, cores, cores, "", ""},
        {"intra=" + cores + " blas=" + cores + " OMP_WAIT_POLICY=PASSIVE", cores, cores, "PASSIVE", ""},
        {"intra=" + cores + " blas=1", cores, "1", "", ""},
        {"intra=1 blas=1", "1", "1", "", ""},
    };
    if (access(ompBlas.c_str(), R_OK) == 0) {
        configs.push_back({"openblas-openmp intra=" + cores, cores, cores, "", ompBlas});
        configs.push_back({"openblas-openmp intra=1", "1", "1", "", ompBlas});
    }
    std::printf("%-52s %12s %12s %8s %8s\n", "configuration", "prefill ms", "decode ms", "xprefill", "xdecode");
    double baseP = 0, baseD = 0;
    for (size_t i = 0; i < configs.size(); ++i) {
        double p = 0, d = 0;
        if (!runChild(configs[i], p, d)) {
            std::printf("%-52s failed\n", configs[i].name.c_str());
            continue;
        }
        if (i == 0) baseP = p, baseD = d;
        std::printf("%-52s %12.2f %12.3f %8.2f %8.2f\n", configs[i].name.c_str(), p, d, p / baseP, d / baseD);
        std::fflush(stdout);
    }
    std::printf("(ratios > 1 are slower than the default; prefill = 4x128 tokens, decode = 1 token, 4 layers d=768)\n");
    return 0;
}
