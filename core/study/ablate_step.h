#pragma once
// The ablate step: completed eval runs evaluated again, each with exactly its stored parameters
// (model, tokenizer, benchmark and field mapping, scoring, shots, seed, limit, ...), with a mask's
// neurons removed, and each stored as an ordinary eval run whose parameters record the mask and whose
// 'before' input is the original run. Per run it reports the paired change: accuracy before and
// after, the mean per-item difference with a bootstrap interval, McNemar's test, and, for Shortcut
// Lab benchmarks, how often the answer follows the planted cue. `prominence-cli ablate` and the
// GUI's inspector call this.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct AblateParams {
    std::string workspacePath;  // required
    // Exactly one of the two: a stored mask (name or id), or neurons "L:N[,L:N...]".
    std::string mask;
    std::string neurons;
    std::vector<workspace::Id> evalRuns;  // completed eval runs (at least one, none repeated)
    int bootstrap = 2000;                 // resamples of the paired difference's 95% interval
    std::uint64_t bootstrapSeed = 0;

    void validate() const;  // ParamsError
};

struct AblateResult {
    // {"mask": {"id" (stored masks), "name", "neurons", "count"},
    //  "runs": [{"run", "ablated_run", "benchmark", "n", "acc_before", "acc_after",
    //            "difference": {"mean", "low", "high", "level", "resamples", "seed"},
    //            "mcnemar": {"only_before", "only_after", "exact_p", "chi2", "chi2_p"},
    //            "cue_following" (Shortcut Lab items only): {"items", "before", "after"}}]}
    nlohmann::ordered_json summary;
    std::vector<workspace::Id> runIds;  // the new eval runs, in evalRuns order
};

// The mask is applied to the loaded weights in memory (weight surgery on the process's copy-on-write
// mapping; no file changes), which gives the same logits as the activation mask (core/prune/surgery.h)
// and the same results as evaluating a `prune`d checkpoint. ParamsError (validate; a run that is not
// a completed eval run; an unknown mask; neurons or a mask that do not fit the run's model);
// LoadError when the model or benchmark file is gone or the benchmark's bytes changed since the run;
// FormatError when the stored parameters do not reproduce the run's prompts.
AblateResult runAblate(const AblateParams& params, Progress& progress = Progress::none(),
                       const Log& log = {});

}  // namespace prominence::study
