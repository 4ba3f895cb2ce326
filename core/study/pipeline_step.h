#pragma once
// The whole method from a pipeline configuration (docs/pipeline.md documents every key): eval and
// high-confidence selection of the source and every reference, IG over the selections, aggregate
// and contrast, a prune policy over the contrast, fine-tuning under every comparison condition and
// seed, the comparison, and the export of the method's model. Every step is stored in the workspace
// under one 'pipeline' run. `prominence-cli run --config` calls this.
#include <string>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct PipelineParams {
    // The configuration, as parsed JSON; every key is checked (an unknown key is a FormatError
    // naming the file and the key path) before any work starts.
    nlohmann::json config = nlohmann::json::object();
    // Where the configuration came from: relative paths in it are relative to this file's
    // directory, and errors name it. Recorded with the pipeline run.
    std::string configFile;
};

struct PipelineResult {
    nlohmann::json table;    // the comparison, as compare::formatTable prints it
    nlohmann::json summary;  // pipeline_run, attribution_runs, mask_id, pruned, compare_run,
                             // comparison_id, export
    workspace::Id pipelineRunId = 0;
    workspace::Id comparisonId = 0;
};

// FormatError (the configuration), LoadError, InvalidArgument (no high-confidence item, a policy
// that selects nothing), StorageError, Cancelled (the pipeline run is left 'cancelled').
PipelineResult runPipeline(const PipelineParams& params, Progress& progress = Progress::none(),
                           const Log& log = {});

}  // namespace prominence::study
