// prominence-cli compare: the method (a stored mask, then fine-tuning) against fine-tune only, prune
// only, random and activation-magnitude pruning, over seeds, on a source and transfer benchmarks; or
// print a stored comparison. The run is study::runCompare.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/compare/comparison.h"
#include "core/study/compare_step.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

const study::CompareParams kDefaults;

template <typename T>
std::vector<T> parseList(const std::string& flag, const std::string& text, T (*convert)(const std::string&)) {
    std::vector<T> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        try {
            out.push_back(convert(part));
        } catch (const std::exception& e) {
            throw UsageError("--" + flag + ": bad entry '" + part + "' (" + e.what() + ")");
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::uint64_t toSeed(const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) throw std::invalid_argument("not a seed");
    return std::stoull(s);
}
compare::Condition toCondition(const std::string& s) { return compare::parseCondition(s); }

std::string seedList(const std::vector<std::uint64_t>& seeds) {
    std::string out;
    for (std::uint64_t s : seeds) out += (out.empty() ? "" : ",") + std::to_string(s);
    return out;
}

int runCompare(const Args& args, Context& ctx) {
    if (args.has("show")) {
        auto ws = workspace::Workspace::open(args.get("workspace"));
        const workspace::ComparisonRecord c = ws.comparison(args.getInt("show"));
        ctx.out << (args.flag("json") ? c.table.dump(2) + "\n" : compare::formatTable(c.table));
        return 0;
    }
    for (const char* need : {"model", "source", "mask"})
        if (!args.has(need)) throw UsageError(std::string("give --") + need + " (or --show ID to print a stored comparison)");

    study::CompareParams p;
    p.workspacePath = args.get("workspace");
    p.modelDir = args.get("model");
    p.tokenizer = args.get("tokenizer");
    p.sourcePath = args.get("source");
    p.transferPaths = args.all("transfer");
    p.limit = args.getInt("limit");
    p.trainFile = args.get("train-file");
    p.pool = static_cast<std::size_t>(args.getInt("pool"));
    p.splitSeed = static_cast<std::uint64_t>(args.getInt("split-seed"));
    p.shots = static_cast<std::size_t>(args.getInt("shots"));
    p.mask = args.get("mask");
    if (args.has("selection")) p.selectionId = args.getInt("selection");
    p.seeds = parseList<std::uint64_t>("seeds", args.get("seeds"), toSeed);
    if (args.has("conditions")) p.conditions = parseList<compare::Condition>("conditions", args.get("conditions"), toCondition);
    try {
        p.scoring = eval::parseScoring(args.get("scoring"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    p.addBos = args.flag("add-bos");
    if (args.has("train-config")) {
        const std::string path = args.get("train-config");
        p.train = train::TrainOptions::fromJson(readJsonFile(path), path);
    }
    p.keepCheckpoints = args.flag("keep-checkpoints");
    p.bootstrapResamples = static_cast<int>(args.getInt("bootstrap"));
    p.bootstrapSeed = static_cast<std::uint64_t>(args.getInt("bootstrap-seed"));
    p.name = args.get("name");
    p.outputPath = args.get("output");
    Progress progress(stderrProgress());
    const study::CompareResult r = callStudy([&] { return study::runCompare(p, progress, stderrLog(ctx)); });
    ctx.out << (args.flag("json") ? r.table.dump(2) + "\n" : compare::formatTable(r.table));
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "compare",
    "compare prune+fine-tune against fine-tune only, prune only, random and magnitude pruning over seeds",
    "Conditions: before, method (the stored --mask, then fine-tune), finetune_only, prune_only, random_finetune\n"
    "(random neurons, same count per layer), magnitude_finetune (largest mean |activation| on the source\n"
    "selection --selection, same count per layer). The fine-tuning pool (--pool items) is held out of --source\n"
    "(or drawn from --train-file) by --split-seed; each seed draws --shots of them, its training order and its\n"
    "random mask. Each cell: mean and sd over seeds and a percentile-bootstrap CI over items; McNemar between\n"
    "method and finetune_only per benchmark. Everything is stored in the workspace; prints the table as text\n"
    "(or JSON with --json; --output also writes the JSON). --show ID prints a stored comparison.",
    {
        {"workspace", "W", "workspace (read and written)", "", true, false},
        {"show", "ID", "print a stored comparison and exit", "", false, false},
        {"model", "DIR", "checkpoint directory", "", false, false},
        {"tokenizer", "PATH", "tokenizer (default: the model directory)", "", false, false},
        {"source", "FILE", "source benchmark (scores and fine-tuning data come from it)", "", false, false},
        {"transfer", "FILE", "transfer benchmark (repeatable)", "", false, true},
        {"limit", "N", "evaluate at most N items per benchmark (0: all)", defaultText(kDefaults.limit), false, false},
        {"train-file", "FILE", "draw the fine-tuning pool from this file instead of the source", "", false, false},
        {"pool", "N", "fine-tuning pool size", defaultText(kDefaults.pool), false, false},
        {"split-seed", "S", "seed of the pool/evaluation split", defaultText(kDefaults.splitSeed), false, false},
        {"shots", "K", "fine-tuning items per seed", defaultText(kDefaults.shots), false, false},
        {"mask", "NAME|ID", "the method's stored mask", "", false, false},
        {"selection", "ID", "stored selection of the source's high-confidence items (for magnitude pruning)", "", false, false},
        {"seeds", "S[,S...]", "fine-tuning seeds", seedList(kDefaults.seeds), false, false},
        {"conditions", "C[,C...]", "conditions to run (default: all)", "", false, false},
        {"scoring", "S", "letter | loglik", eval::scoringName(kDefaults.scoring), false, false},
        {"add-bos", "", "prepend BOS to prompts", "", false, false},
        {"train-config", "JSON", "training options (see finetune --help)", "", false, false},
        {"keep-checkpoints", "", "store every fine-tuned checkpoint under the workspace's directory", "", false, false},
        {"bootstrap", "N", "bootstrap resamples", defaultText(kDefaults.bootstrapResamples), false, false},
        {"bootstrap-seed", "S", "bootstrap seed", defaultText(kDefaults.bootstrapSeed), false, false},
        {"name", "NAME", "name of the stored comparison", kDefaults.name, false, false},
        {"json", "", "print JSON instead of text", "", false, false},
        {"output", "FILE", "also write the table as JSON", "", false, false},
    },
    runCompare});

}  // namespace prominence::cli
