#include "core/system/runtime.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/common/torch.h"
#include "core/common/version.h"
#include <torch/version.h>

namespace prominence {
namespace {

using OpenblasSetThreads = void (*)(int);
using OpenblasGetThreads = int (*)();
using OpenblasGetConfig = char* (*)();

template <typename Fn>
Fn blasSymbol(const char* name) {
    return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

int envInt(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return 0;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (end == v || *end != '\0' || n < 1 || n > 4096) return 0;
    return static_cast<int>(n);
}

int lastBlasThreads = 0;

}  // namespace

int hardwareCores() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

ThreadSettings defaultThreadSettings() {
    // Measured on 2 cores with OpenBLAS-pthread (docs/performance.md): one LibTorch thread and a BLAS
    // pool as wide as the machine beat every other mix for both batched forwards and one-token steps,
    // because element-wise work is small next to matmuls and the two pools never compete for a core.
    ThreadSettings s;
    s.intraOp = 1;
    s.blas = hardwareCores();
    if (int t = envInt("PROMINENCE_THREADS")) s.intraOp = t;
    if (int b = envInt("PROMINENCE_BLAS_THREADS")) s.blas = b;
    return s;
}

ThreadSettings applyThreadSettings(ThreadSettings requested) {
    ThreadSettings def = defaultThreadSettings();
    if (requested.intraOp <= 0) requested.intraOp = def.intraOp;
    if (requested.blas <= 0) requested.blas = def.blas;
    at::set_num_threads(requested.intraOp);
    if (auto set = blasSymbol<OpenblasSetThreads>("openblas_set_num_threads")) set(requested.blas);
    lastBlasThreads = requested.blas;
    return currentThreadSettings();
}

ThreadSettings currentThreadSettings() {
    ThreadSettings s;
    s.intraOp = at::get_num_threads();
    if (auto get = blasSymbol<OpenblasGetThreads>("openblas_get_num_threads"))
        s.blas = get();
    else
        s.blas = lastBlasThreads;
    return s;
}

BlasInfo detectBlas() {
    BlasInfo info;
    info.name = "unknown";
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info dl{};
    if (sgemm != nullptr && dladdr(sgemm, &dl) != 0 && dl.dli_fname != nullptr) {
        info.library = dl.dli_fname;
        // Resolve the Debian alternatives symlink chain to the real file.
        if (char* real = realpath(dl.dli_fname, nullptr)) {
            info.library = real;
            std::free(real);
        }
    }
    if (auto cfg = blasSymbol<OpenblasGetConfig>("openblas_get_config")) {
        info.name = "OpenBLAS";
        info.config = cfg();
        info.optimized = true;
        if (auto get = blasSymbol<OpenblasGetThreads>("openblas_get_num_threads")) info.threads = get();
    } else if (info.library.find("openblas") != std::string::npos) {
        info.name = "OpenBLAS";
        info.optimized = true;
    } else if (info.library.find("blis") != std::string::npos || info.library.find("mkl") != std::string::npos) {
        info.name = info.library.find("mkl") != std::string::npos ? "MKL" : "BLIS";
        info.optimized = true;
    } else if (!info.library.empty()) {
        info.name = "reference BLAS";
    }
    return info;
}

std::string blasWarning(const BlasInfo& info) {
    if (info.optimized) return {};
    return "WARNING: LibTorch is using " + info.name +
           (info.library.empty() ? std::string() : " (" + info.library + ")") +
           " for matrix products, about 30x slower than OpenBLAS. Install the Debian package "
           "libopenblas0-pthread (scripts/setup.sh does) and check that "
           "`update-alternatives --display libblas.so.3-x86_64-linux-gnu` points to openblas-pthread.";
}

bool cudaAvailable() { return at::hasCUDA() && cudaDeviceCount() > 0; }

int cudaDeviceCount() {
    if (!at::hasCUDA()) return 0;
    return static_cast<int>(at::detail::getCUDAHooks().getNumGPUs());
}

std::string systemReportJson() {
    BlasInfo blas = detectBlas();
    ThreadSettings threads = currentThreadSettings();
    nlohmann::json j;
    j["prominence_version"] = kVersion;
    j["libtorch_version"] = TORCH_VERSION;
    j["cores"] = hardwareCores();
    j["threads"] = {{"intra_op", threads.intraOp},
                    {"inter_op", at::get_num_interop_threads()},
                    {"blas", threads.blas}};
    j["parallel_backend"] = at::get_parallel_info();
    j["blas"] = {{"name", blas.name},
                 {"library", blas.library},
                 {"config", blas.config},
                 {"optimized", blas.optimized}};
    nlohmann::json devices = nlohmann::json::array({"cpu"});
    for (int i = 0; i < cudaDeviceCount(); ++i) devices.push_back("cuda:" + std::to_string(i));
    j["devices"] = devices;
    const char* omp = std::getenv("OMP_NUM_THREADS");
    const char* obl = std::getenv("OPENBLAS_NUM_THREADS");
    j["environment"] = {{"OMP_NUM_THREADS", omp ? omp : ""}, {"OPENBLAS_NUM_THREADS", obl ? obl : ""}};
    return j.dump(2);
}

}  // namespace prominence
