// prominence-cli select: store a high-confidence selection of an eval run stored earlier (the same
// selection `eval --selection NAME --select-threshold T` makes while evaluating). study::runSelect.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/eval_step.h"

namespace prominence::cli {
namespace {

int selectCommand(const Args& args, Context& ctx) {
    study::SelectParams p;
    p.workspacePath = args.get("workspace");
    p.runId = args.getInt("run");
    if (p.runId <= 0)
        throw UsageError("option '--run' expects a positive run id, got '" + args.get("run") + "'");
    p.name = args.get("name");
    if (p.name.empty()) throw UsageError("option '--name' needs a non-empty selection name");
    if (args.has("threshold") == args.has("top-k"))
        throw UsageError("give exactly one of --threshold T and --top-k K");
    if (args.has("threshold")) p.criteria.threshold = args.getDouble("threshold");
    if (args.has("top-k")) p.criteria.topK = args.getInt("top-k");
    try {
        p.criteria.validate();
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    Progress progress(stderrProgress());
    const study::SelectResult r = callStudy([&] { return study::runSelect(p, progress); });
    ctx.out << r.summary.dump() << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "select",
    "store a high-confidence selection of a stored eval run's items",
    "Selects the correct items of completed eval run --run with p(correct) >= --threshold, or the "
    "--top-k\n"
    "correct items with the highest p(correct) (best first, ties by index), and stores them in "
    "the\n"
    "workspace as selection --name of that run, for `attribute --workspace W --selection ID`. "
    "Prints\n"
    "{\"id\", \"name\", \"run_id\", \"items\"} (items: how many were selected).",
    {
        {"workspace", "W", "the workspace holding the eval run", "", true, false},
        {"run", "ID", "a completed eval run", "", true, false},
        {"name", "NAME", "name of the selection (unique per run)", "", true, false},
        {"threshold", "T", "select correct items with p(correct) >= T, T in [0, 1]", "", false,
         false},
        {"top-k", "K", "select the K correct items with the highest p(correct)", "", false, false},
    },
    selectCommand});

}  // namespace prominence::cli
