// Tokenizer throughput: single-thread MB/s of encode() on a mixed corpus of a few MB cut from the
// benchmark files in shared/data/benchmarks (English, Spanish, multilingual XCOPA, CSV and JSON
// syntax), per fixture tokenizer, with a cold and a warm word cache, and encodeBatch on all cores.
// Single-thread figures are given by wall clock and by process CPU time: on a shared, busy machine the
// CPU-time figure is the one that describes the code.
//
// usage: bench_tokenizer [SHARED_DIR] [MEGABYTES]   (SHARED_DIR defaults to $PROMINENCE_SHARED, then ../shared)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace {

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Lines taken round-robin from every benchmark file, so each dataset contributes, until `budget` bytes.
std::vector<std::string> buildCorpus(const fs::path& benchmarks, std::size_t budget, std::size_t& files) {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::recursive_directory_iterator(benchmarks)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".jsonl" || ext == ".json" || ext == ".csv")) paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    files = paths.size();
    std::vector<std::vector<std::string>> perFile;
    for (const fs::path& p : paths) {
        std::ifstream in(p, std::ios::binary);
        std::vector<std::string> lines;
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) lines.push_back(line);
        perFile.push_back(std::move(lines));
    }
    std::vector<std::string> corpus;
    std::size_t total = 0;
    for (std::size_t row = 0; total < budget; ++row) {
        bool any = false;
        for (const auto& lines : perFile) {
            if (row >= lines.size() || total >= budget) continue;
            corpus.push_back(lines[row]);
            total += lines[row].size();
            any = true;
        }
        if (!any) break;
    }
    return corpus;
}

}  // namespace

int main(int argc, char** argv) {
    std::string shared = argc > 1 ? argv[1] : "";
    if (shared.empty() && std::getenv("PROMINENCE_SHARED")) shared = std::getenv("PROMINENCE_SHARED");
    if (shared.empty()) shared = "../shared";
    const double megabytes = argc > 2 ? std::atof(argv[2]) : 4.0;
    const fs::path root(shared);
    if (!fs::is_directory(root / "data/benchmarks")) {
        std::fprintf(stderr, "bench_tokenizer: %s/data/benchmarks not found (give the shared/ folder as the first argument)\n",
                     shared.c_str());
        return 2;
    }
    std::size_t files = 0;
    const std::vector<std::string> corpus =
        buildCorpus(root / "data/benchmarks", static_cast<std::size_t>(megabytes * 1e6), files);
    std::size_t bytes = 0;
    for (const std::string& s : corpus) bytes += s.size();
    const double mb = static_cast<double>(bytes) / 1e6;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("corpus: %.2f MB in %zu lines from %zu benchmark files; %u hardware threads\n", mb, corpus.size(), files, cores);
    std::printf("%-12s %-18s %7s %10s %10s %10s %10s %10s %10s\n", "tokenizer", "kind", "load s", "cold MB/s",
                "cold cpu", "warm MB/s", "warm cpu", "batch MB/s", "bytes/tok");

    struct Case {
        const char* name;
        const char* kind;
        const char* path;
    };
    const Case cases[] = {
        {"gpt2", "byte-level BPE", "fixtures/tokenizers/gpt2"},
        {"gpt2-files", "byte-level BPE", "fixtures/tokenizers/gpt2/vocab.json"},
        {"llama3", "byte-level BPE", "fixtures/tokenizers/llama3"},
        {"mistral", "SentencePiece BPE", "fixtures/tokenizers/mistral"},
        {"stories260K", "SentencePiece BPE", "fixtures/models/stories260K-hf"},
    };
    int status = 0;
    for (const Case& c : cases) {
        const fs::path path = root / c.path;
        if (!fs::exists(path)) {
            std::printf("%-14s (missing: %s)\n", c.name, path.string().c_str());
            continue;
        }
        try {
            auto t0 = std::chrono::steady_clock::now();
            const prominence::Tokenizer tok = prominence::Tokenizer::load(path.string());
            const double load = seconds(t0);
            std::size_t tokens = 0;
            t0 = std::chrono::steady_clock::now();
            std::clock_t c0 = std::clock();
            for (const std::string& s : corpus) tokens += tok.encode(s).size();
            const double cold = seconds(t0);
            const double coldCpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            t0 = std::chrono::steady_clock::now();
            c0 = std::clock();
            std::size_t warmTokens = 0;
            for (const std::string& s : corpus) warmTokens += tok.encode(s).size();
            const double warm = seconds(t0);
            const double warmCpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            t0 = std::chrono::steady_clock::now();
            const auto batch = tok.encodeBatch(corpus, false, static_cast<int>(cores));
            const double batched = seconds(t0);
            std::size_t batchTokens = 0;
            for (const auto& ids : batch) batchTokens += ids.size();
            if (warmTokens != tokens || batchTokens != tokens) {
                std::fprintf(stderr, "%s: token counts differ between runs (%zu, %zu, %zu)\n", c.name, tokens, warmTokens, batchTokens);
                status = 1;
            }
            std::printf("%-12s %-18s %7.2f %10.1f %10.1f %10.1f %10.1f %10.1f %10.2f\n", c.name, c.kind, load, mb / cold,
                        mb / coldCpu, mb / warm, mb / warmCpu, mb / batched,
                        static_cast<double>(bytes) / static_cast<double>(tokens));
        } catch (const prominence::Error& e) {
            std::fprintf(stderr, "%s: %s\n", c.name, e.what());
            status = 1;
        }
    }
    std::printf("target: >= 10 MB/s single-thread for byte-level BPE (cold cache)\n");
    return status;
}
