#pragma once
// Records an eval run and its per-item results in the workspace, and named selections of its items.
#include <string>

#include <nlohmann/json.hpp>

#include "core/eval/evaluator.h"
#include "core/workspace/workspace.h"

namespace prominence::eval {

struct EvalRunInfo {
    std::string modelDir;
    std::string benchmarkPath;
    std::string benchmarkFormat;
    nlohmann::json fieldMapping = nlohmann::json::object();
    std::int64_t benchmarkItems = 0;
    nlohmann::json params = nlohmann::json::object();  // every option that determines the result
};

// The rows storeEvalRun adds for a model and a benchmark (also used to register one without an eval):
// the model's path made absolute, its architecture, layer sizes and config.json hash; the benchmark's
// absolute path, hash, format, field mapping and item count.
workspace::ModelRecord modelRecord(const Model& model, const std::string& modelDir);
// The identity of a model directory's weights without reading them all: each weights file's name,
// size, header and 16 4-KiB blocks sampled evenly over its data ("fnv1a64:<hex>"). The weights files
// are the *.safetensors named model*, or every *.safetensors where none is; empty for a directory
// without any. LoadError for a file that cannot be read.
std::string weightsHash(const std::string& modelDir);
workspace::BenchmarkRecord benchmarkRecord(const std::string& benchmarkPath, const std::string& format,
                                           const nlohmann::json& fieldMapping, std::int64_t itemCount);

// Adds (or finds) the model and benchmark, writes a completed 'eval' run with every item; returns the
// run id. The benchmark hash is FNV-1a 64 of the file's bytes (a directory: of its files in name order).
workspace::Id storeEvalRun(workspace::Workspace& ws, const Model& model, const EvalRunInfo& info,
                           const EvalResult& result);

nlohmann::json itemJson(const ItemScore& s);
nlohmann::json summaryJson(const EvalSummary& s);

}  // namespace prominence::eval
