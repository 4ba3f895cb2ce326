#pragma once
// The export step: a (pruned) model as a Hugging Face checkpoint directory with prominence.json
// (the mask, its provenance and, when named, a stored comparison's metrics), recorded in the
// workspace.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/export/hf_export.h"
#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct ExportParams {
    std::string modelDir;            // required
    std::string outputDir;           // required
    std::string workspacePath;       // holds the mask and comparison; the export is recorded there
    std::string mask;                // stored mask (name or id) applied by weight surgery
    std::string neurons;             // or these neurons, "L:N[,L:N...]" (not both)
    workspace::Id comparisonId = 0;  // stored comparison whose metrics go into prominence.json
    std::uint64_t maxShardBytes = exporting::ExportOptions{}.maxShardBytes;  // 2 GB
    std::string dtype = exporting::ExportOptions{}.dtype;  // stored | float32 | bfloat16 | float16
    bool overwrite = false;

    void validate() const;  // ParamsError
};

struct ExportResult {
    nlohmann::json summary;  // the export's record (dir, files, ...) and pruned
    exporting::ExportResult written;
};

ExportResult runExport(const ExportParams& params, Progress& progress = Progress::none(),
                       const Log& log = {});

}  // namespace prominence::study
