#pragma once
// The export step: a (pruned) model as a Hugging Face checkpoint directory with prominence.json
// (the mask, its provenance and, when named, a stored comparison's metrics), recorded in the
// workspace.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

// Reloading an export: the exported directory loaded as Prominence loads any checkpoint, and its
// logits compared with the source model run with the export's mask as an activation mask (the
// mask its prominence.json records; none: the plain source), over every position of the first
// `items` prompts of a benchmark (letter prompts, tokenised by the export's own tokenizer files).
struct ExportCheckParams {
    std::string exportDir;      // required
    std::string modelDir;       // required: the model that was exported
    std::string benchmarkPath;  // required: where the prompts come from
    std::size_t items = 4;      // >= 1; fewer when the benchmark has fewer
    void validate() const;      // ParamsError
};

struct ExportCheckResult {
    std::size_t items = 0;
    std::int64_t tokens = 0;          // positions compared
    std::int64_t pruned = 0;          // neurons of the mask
    double maxAbsDiff = 0.0;          // max |logit_export - logit_masked| over items, positions, vocab
    std::vector<double> perItem;      // the same per item
    nlohmann::json toJson() const;    // {"items", "tokens", "pruned", "max_abs_diff", "per_item"}
};

// LoadError (either model, the benchmark, the export's tokenizer), FormatError (prominence.json),
// InvalidArgument (a mask that does not fit the source, models of different shapes).
ExportCheckResult checkExport(const ExportCheckParams& params, Progress& progress = Progress::none());

}  // namespace prominence::study
