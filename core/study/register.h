#pragma once
// Registering a model or a benchmark in a workspace without evaluating it, with the same record an
// eval stores (so a later eval of the same files finds it instead of adding a second one).
#include <string>

#include "core/data/benchmark_loader.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

// Loads the checkpoint (its layer sizes and parameter count go into the record's info) and adds it;
// creates the workspace when missing. Returns the stored record (the earlier one when already
// there).
workspace::ModelRecord addModel(const std::string& workspacePath, const std::string& modelDir);

// Loads the benchmark (format detection, field mapping, item count; skipped records go to `log`)
// and adds it; creates the workspace when missing. ParamsError for an incomplete field mapping.
workspace::BenchmarkRecord addBenchmark(const std::string& workspacePath, const std::string& file,
                                        const data::LoadOptions& load = {}, const Log& log = {});

}  // namespace prominence::study
