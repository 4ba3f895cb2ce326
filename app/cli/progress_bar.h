#pragma once
// A ProgressSink that draws on stderr: an updating bar on a terminal, a line per 10% otherwise.
#include "core/jobs/progress.h"

namespace prominence::cli {

ProgressSink stderrProgress();

}  // namespace prominence::cli
