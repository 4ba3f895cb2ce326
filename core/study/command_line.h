#pragma once
// The prominence-cli command that reproduces a step ("Copy as command" in the GUI): running it
// stores the same result the step function stores for these parameters. Only flags whose value
// differs from the CLI's default are written, but every value that determines the result is there;
// parameters the CLI cannot express (fields no flag sets) are a ParamsError rather than a silently
// different command.
#include <string>
#include <vector>

#include "core/study/ablate_step.h"
#include "core/study/attribute_step.h"
#include "core/study/compare_step.h"
#include "core/study/demo_step.h"
#include "core/study/eval_step.h"
#include "core/study/export_step.h"
#include "core/study/finetune_step.h"
#include "core/study/mask_step.h"
#include "core/study/pipeline_step.h"
#include "core/study/prune_step.h"

namespace prominence::study {

// {"prominence-cli", "<subcommand>", "--flag", "value", ...}
std::vector<std::string> commandLine(const EvalParams& params);
std::vector<std::string> commandLine(const SelectParams& params);
std::vector<std::string> commandLine(const AttributeParams& params);
std::vector<std::string> commandLine(const PruneParams& params);
std::vector<std::string> commandLine(const PruneCheckpointParams& params);
std::vector<std::string> commandLine(const FinetuneParams& params);
std::vector<std::string> commandLine(const ExportParams& params);
std::vector<std::string> commandLine(const CompareParams& params);
// run --config FILE: the configuration is the file's, so `configFile` must hold `config`
// (ParamsError when it cannot be read or holds something else: save the configuration first).
std::vector<std::string> commandLine(const PipelineParams& params);
// demo: the design, size and the options the demo's flags set; a recipe or option changed beyond them
// is a ParamsError (it needs --recipe FILE).
std::vector<std::string> commandLine(const DemoParams& params);

// One POSIX shell command line: arguments made only of safe characters as they are, every other one
// in single quotes (a quote inside as '\'').
std::string shellQuote(const std::vector<std::string>& argv);

// The shortest decimal text that reads back as exactly `value` (0.2, 5, 1e-05): for flag values and
// the defaults --help shows.
std::string formatNumber(double value);

// ablate: the mask by the reference given (name or id), or the neuron list.
std::vector<std::string> commandLine(const AblateParams& params);
// mask --save: the neurons in the order given, the shape when set, and the provenance inline as
// --provenance-json (no file is written for it).
std::vector<std::string> commandLine(const SaveMaskParams& params);

}  // namespace prominence::study
