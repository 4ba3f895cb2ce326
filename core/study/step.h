#pragma once
// What every study step shares: the log callback for notes the caller shows (the CLI writes them to
// stderr, the GUI to its job log) and the error for parameters the step refuses.
#include <functional>
#include <string>

#include "core/common/error.h"

namespace prominence::study {

// Warnings and notes of a step (skipped records, conditions left out); one message per call, which
// may span several lines. An empty Log drops them.
using Log = std::function<void(const std::string&)>;

// The step's parameters contradict each other or the workspace (a run of the wrong kind, a missing
// model): the caller's input is at fault, not the data. Front ends show it as a usage error (the
// CLI exits 2); any other InvalidArgument a step throws comes from the data it read.
class ParamsError : public InvalidArgument {
public:
    using InvalidArgument::InvalidArgument;
};

}  // namespace prominence::study
