#pragma once
// Threads, BLAS and devices: what LibTorch runs on, chosen once at start-up.
//
// LibTorch parallelises element-wise ops with its OpenMP pool and hands matmuls to BLAS; Debian's
// OpenBLAS (pthread build) keeps a second pool of its own. Both at full width oversubscribe the cores.
// The defaults below come from bench/bench_threads (see docs/performance.md); PROMINENCE_THREADS and
// PROMINENCE_BLAS_THREADS, or the CLI's --threads, override them.
#include <string>

namespace prominence {

struct ThreadSettings {
    int intraOp = 0;  // LibTorch intra-op (OpenMP) threads; 0 = choose the default
    int blas = 0;     // OpenBLAS threads; 0 = choose the default
};

struct BlasInfo {
    std::string name;     // "OpenBLAS", "reference BLAS" or "unknown"
    std::string library;  // path of the shared object that provides sgemm_
    std::string config;   // openblas_get_config(), when available
    int threads = -1;     // openblas_get_num_threads(), when available
    bool optimized = false;
};

int hardwareCores();
// Defaults by measurement, then the environment's overrides.
ThreadSettings defaultThreadSettings();
// Applies the settings (zeros become defaults) and returns what is in force afterwards.
ThreadSettings applyThreadSettings(ThreadSettings requested);
ThreadSettings currentThreadSettings();

BlasInfo detectBlas();
// A loud, one-paragraph warning when matmuls run on the reference BLAS; empty when all is well.
std::string blasWarning(const BlasInfo& info);

bool cudaAvailable();
int cudaDeviceCount();

// LibTorch version, thread settings, BLAS, devices: what `prominence-cli info --system` prints.
std::string systemReportJson();

}  // namespace prominence
