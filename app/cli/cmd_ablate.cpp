// prominence-cli ablate: evaluate completed eval runs again with a mask's neurons removed, store each
// as an eval run and print the paired change; study::runAblate.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/ablate_step.h"

namespace prominence::cli {
namespace {

const study::AblateParams kDefaults;

std::vector<workspace::Id> parseRunList(const std::string& text) {
    std::vector<workspace::Id> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
            part.size() > 18)
            throw UsageError("--run: '" + part + "' is not a run id (expected ID[,ID...])");
        out.push_back(std::stoll(part));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

int ablateCommand(const Args& args, Context& ctx) {
    study::AblateParams p;
    p.workspacePath = args.get("workspace");
    p.mask = args.get("mask");
    p.neurons = args.get("neurons");
    for (const std::string& list : args.all("run")) {
        const std::vector<workspace::Id> ids = parseRunList(list);
        p.evalRuns.insert(p.evalRuns.end(), ids.begin(), ids.end());
    }
    if (args.has("bootstrap")) p.bootstrap = static_cast<int>(args.getInt("bootstrap"));
    if (args.has("bootstrap-seed"))
        p.bootstrapSeed = static_cast<std::uint64_t>(args.getInt("bootstrap-seed"));
    Progress progress(stderrProgress());
    const study::AblateResult r =
        callStudy([&] { return study::runAblate(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "ablate",
    "evaluate stored eval runs again with neurons removed and print the paired change",
    "Each run given by --run (a completed eval run of W) is evaluated again with exactly its stored\n"
    "parameters (model, tokenizer, benchmark and field mapping, scoring, shots, seed, limit, format) and\n"
    "the neurons of --mask (a stored mask's name or id) or --neurons (0-based layer:neuron) removed from\n"
    "the loaded weights (nothing on disk changes; the logits equal the activation mask's). Each result is\n"
    "stored as an eval run whose parameters record the mask, with the original run as its 'before'\n"
    "input. Prints JSON: per run acc_before, acc_after, the mean paired difference with a 95% percentile\n"
    "bootstrap interval over items, McNemar's discordant counts and p-values, and for Shortcut Lab\n"
    "benchmarks the share of tagged items answered with the option the tags name, before and after.",
    {
        {"workspace", "W", "workspace file", "", true, false},
        {"mask", "NAME|ID", "stored mask to apply", "", false, false},
        {"neurons", "L:N[,L:N...]", "neurons to remove (instead of --mask)", "", false, false},
        {"run", "ID[,ID...]", "completed eval runs to evaluate again", "", true, true},
        {"bootstrap", "N", "bootstrap resamples of the paired difference",
         defaultText(kDefaults.bootstrap), false, false},
        {"bootstrap-seed", "N", "seed of the bootstrap", defaultText(kDefaults.bootstrapSeed),
         false, false},
    },
    ablateCommand});

}  // namespace prominence::cli
