#pragma once
// The Shortcut Lab end to end (docs/shortcut-lab.md): build or reuse the lab's model and
// benchmarks, then the whole method and every baseline per seed, or only the lab's build and its
// measured letter behaviour. `prominence-cli demo` and the GUI's demo action call this.
#include <string>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/lab/shortcut_lab.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

// What `demo --lab DESIGN [--tiny]` starts from: the default lab ("pair": two tags, every parameter
// trains) or the reserved-neuron design ("reserved"), at full size or as the seconds-long miniature.
// ParamsError for another design.
lab::DemoOptions demoOptions(const std::string& design, bool tiny);

struct DemoParams {
    // Recipe, cache, workspace (empty: nothing stored), seeds, prune percent, fine-tuning data, ...
    lab::DemoOptions options = lab::DemoOptions::defaults();
    // The design and size `options` started from (demoOptions); recorded so the step can be written as a
    // command line. A recipe changed beyond them has no flag and cannot be.
    std::string design = "pair";
    bool tiny = false;
    // The lab's matrices are too small for intra-op or BLAS threads (it trains with data-parallel shards
    // instead: docs/shortcut-lab.md), so by default the step runs at one thread of each and restores the
    // settings it found afterwards. The CLI turns this off when the user chose thread counts.
    bool labThreads = true;
    bool buildOnly = false;  // build (or reuse) the lab and measure it; the method does not run
    // Also write every number of the run as JSON here (ignored with buildOnly).
    std::string jsonPath;

    void validate() const;  // ParamsError
};

struct DemoResult {
    // buildOnly: lab_dir, built_now, seconds, lab (its recipe and training curve), behaviour per
    // benchmark. Otherwise every number of the run (lab::DemoResult::toJson).
    nlohmann::json summary;
    // The comparison table, ground truth and wall time as text (empty with buildOnly).
    std::string report;
    workspace::Id workspaceRunId = 0;
};

DemoResult runDemo(const DemoParams& params, Progress& progress = Progress::none(),
                   const Log& log = {});

}  // namespace prominence::study
