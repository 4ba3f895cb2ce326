// prominence-cli select: store a high-confidence selection of an eval run stored earlier (the same
// selection `eval --selection NAME --select-threshold T` makes while evaluating), or the items an
// example-browser filter matches. study::runSelect.
#include <ostream>

#include <nlohmann/json.hpp>

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
    const int ways = (args.has("threshold") ? 1 : 0) + (args.has("top-k") ? 1 : 0) + (args.has("filter") ? 1 : 0);
    if (ways != 1) throw UsageError("give exactly one of --threshold T, --top-k K and --filter JSON");
    if (args.has("sort") && !args.has("filter")) throw UsageError("--sort orders the items of --filter");
    if (args.has("threshold")) p.criteria.threshold = args.getDouble("threshold");
    if (args.has("top-k")) p.criteria.topK = args.getInt("top-k");
    try {
        if (args.has("filter")) {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(args.get("filter"));
            } catch (const nlohmann::json::exception& e) {
                throw UsageError("option '--filter' expects a JSON object: " + std::string(e.what()));
            }
            p.filter = workspace::ItemFilter::fromJson(j);
            if (args.has("sort")) p.sort = workspace::ItemSort::parse(args.get("sort"));
        } else {
            p.criteria.validate();
        }
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
    "{\"id\", \"name\", \"run_id\", \"items\"} (items: how many were selected).\n"
    "--filter stores the items the example browser's filter matches instead, in --sort order. Keys\n"
    "(all optional): correct (any|correct|wrong), p_min, p_max (p(correct) range, inclusive),\n"
    "selection (ID: items of that selection of the run), text (case-insensitive substring of the id or\n"
    "the question), compare_run (ID: an eval run of the same benchmark) and flip (right_to_wrong:\n"
    "right in --run, wrong in compare_run; wrong_to_right; either), e.g.\n"
    "--filter '{\"correct\": \"wrong\", \"p_max\": 0.2}'.",
    {
        {"workspace", "W", "the workspace holding the eval run", "", true, false},
        {"run", "ID", "a completed eval run", "", true, false},
        {"name", "NAME", "name of the selection (unique per run)", "", true, false},
        {"threshold", "T", "select correct items with p(correct) >= T, T in [0, 1]", "", false,
         false},
        {"top-k", "K", "select the K correct items with the highest p(correct)", "", false, false},
        {"filter", "JSON", "select the items this filter matches (keys above)", "", false, false},
        {"sort", "COLUMN[:asc|desc]",
         "order of the --filter items: index, id, question, gold, pred, p_correct, margin, correct, "
         "selections, compare_p_correct, delta_p_correct",
         "index:asc", false, false},
    },
    selectCommand});

}  // namespace prominence::cli
