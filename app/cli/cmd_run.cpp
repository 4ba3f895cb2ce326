// prominence-cli run --config PIPELINE.json: the whole method on user data, every step stored in the
// workspace: eval -> select -> attribute -> score -> prune -> fine-tune -> compare -> export
// (study::runPipeline). docs/pipeline.md documents every key of the config file with a complete example.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/compare/comparison.h"
#include "core/study/pipeline_step.h"

namespace prominence::cli {
namespace {

int runCommand(const Args& args, Context& ctx) {
    study::PipelineParams p;
    p.configFile = args.get("config");
    p.config = readJsonFile(p.configFile);
    Progress progress(stderrProgress());
    const study::PipelineResult r = callStudy([&] { return study::runPipeline(p, progress, stderrLog(ctx)); });
    if (args.flag("json")) {
        nlohmann::json out = r.table;
        out["pipeline"] = r.summary;
        ctx.out << out.dump(2) << "\n";
    } else {
        ctx.out << compare::formatTable(r.table);
    }
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "run",
    "run the whole method from a pipeline config: eval, select, attribute, score, prune, fine-tune, compare, export",
    "run --config PIPELINE.json evaluates the source and reference benchmarks, selects each one's\n"
    "high-confidence items, computes Integrated Gradients per MLP neuron over them, aggregates and contrasts\n"
    "the source with the references, selects the neurons to prune by the policy, fine-tunes (few-shot, pruned\n"
    "neurons held at zero) under every comparison condition and seed, prints the comparison table (text, or\n"
    "JSON with --json) and exports the method's model. Every step is stored in the workspace; paths in the\n"
    "config are relative to its own directory. docs/pipeline.md documents every key with a complete example.",
    {
        {"config", "PIPELINE.json", "pipeline configuration", "", true, false},
        {"json", "", "print the comparison table as JSON instead of text", "", false, false},
    },
    runCommand});

}  // namespace prominence::cli
