// prominence-cli compare: the method (a stored mask, then fine-tuning) against fine-tune only, prune
// only, random and activation-magnitude pruning, over seeds, on a source and transfer benchmarks; or
// print a stored comparison.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/compare/comparison.h"
#include "core/data/benchmark_loader.h"
#include "core/prune/mask_store.h"
#include "core/train/few_shot.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

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

compare::BenchmarkSet loadSet(const std::string& path, long long limit) {
    const data::Benchmark b = data::loadBenchmark(path);
    compare::BenchmarkSet s{std::filesystem::path(path).stem().string(), path, b.format, b.items};
    if (limit > 0 && static_cast<std::size_t>(limit) < s.items.size()) s.items.resize(static_cast<std::size_t>(limit));
    return s;
}

int runCompare(const Args& args, Context& ctx) {
    auto ws = workspace::Workspace::open(args.get("workspace"));
    if (args.has("show")) {
        const workspace::ComparisonRecord c = ws.comparison(args.getInt("show"));
        ctx.out << (args.flag("json") ? c.table.dump(2) + "\n" : compare::formatTable(c.table));
        return 0;
    }
    for (const char* need : {"model", "source", "mask"})
        if (!args.has(need)) throw UsageError(std::string("give --") + need + " (or --show ID to print a stored comparison)");

    compare::ComparisonSetup setup;
    setup.modelDir = args.get("model");
    const Tokenizer tokenizer = Tokenizer::load(args.has("tokenizer") ? args.get("tokenizer") : args.get("model"));
    setup.tokenizer = &tokenizer;
    const long long limit = args.getInt("limit");
    compare::BenchmarkSet source = loadSet(args.get("source"), 0);
    setup.shots = static_cast<std::size_t>(args.getInt("shots"));
    const auto pool = static_cast<std::size_t>(args.getInt("pool"));
    const auto splitSeed = static_cast<std::uint64_t>(args.getInt("split-seed"));
    if (args.has("train-file")) {
        const data::Benchmark t = data::loadBenchmark(args.get("train-file"));
        if (limit > 0 && static_cast<std::size_t>(limit) < source.items.size()) source.items.resize(static_cast<std::size_t>(limit));
        setup.finetunePool = train::sampleFewShot(t.items, std::min(pool, t.items.size()), splitSeed, source.items);
    } else {
        const train::FewShotSplit split = train::holdOutFewShot(source.items, pool, splitSeed);
        setup.finetunePool = split.train;
        source.items = split.evaluation;
        if (limit > 0 && static_cast<std::size_t>(limit) < source.items.size()) source.items.resize(static_cast<std::size_t>(limit));
    }
    setup.source = source;
    for (const std::string& t : args.all("transfer")) setup.transfer.push_back(loadSet(t, limit));
    try {
        setup.eval.scoring = eval::parseScoring(args.get("scoring"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    setup.eval.addBos = args.flag("add-bos");
    if (args.has("train-config")) {
        const std::string path = args.get("train-config");
        setup.train = train::TrainOptions::fromJson(readJsonFile(path), path);
    }
    const prune::StoredMask mask = prune::loadMaskByRef(ws, args.get("mask"));
    setup.methodMask = mask.mask;
    setup.methodProvenance = mask.provenance;
    setup.methodProvenance["mask_id"] = mask.id;
    setup.seeds = parseList<std::uint64_t>("seeds", args.get("seeds"), toSeed);
    if (args.has("conditions")) setup.conditions = parseList<compare::Condition>("conditions", args.get("conditions"), toCondition);
    if (args.has("selection")) {
        const workspace::Selection sel = ws.selection(args.getInt("selection"));
        const std::vector<workspace::ItemResult> items = ws.items(sel.runId);
        std::map<std::int64_t, const workspace::ItemResult*> byIndex;
        for (const auto& it : items) byIndex[it.index] = &it;
        for (std::int64_t i : sel.itemIndices) setup.selectionPrompts.push_back(byIndex.at(i)->prompt);
    } else if (!args.has("conditions")) {
        ctx.err << "compare: no --selection given: leaving out magnitude_finetune (it needs the source selection's prompts)\n";
        setup.conditions.erase(std::remove(setup.conditions.begin(), setup.conditions.end(), compare::Condition::MagnitudeFinetune),
                               setup.conditions.end());
    }
    setup.bootstrap.resamples = static_cast<int>(args.getInt("bootstrap"));
    setup.bootstrap.seed = static_cast<std::uint64_t>(args.getInt("bootstrap-seed"));
    try {
        setup.validate();
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    Progress progress(stderrProgress());
    progress.setStage("compare");
    const compare::StoredComparison s =
        compare::runAndStoreComparison(ws, setup, args.get("name"), args.flag("keep-checkpoints"), std::nullopt, progress);
    if (args.has("output")) {
        std::ofstream out(args.get("output"), std::ios::binary);
        out << s.result.table.dump(2) << "\n";
        if (!out) throw StorageError("cannot write " + args.get("output"));
    }
    ctx.out << (args.flag("json") ? s.result.table.dump(2) + "\n" : compare::formatTable(s.result.table));
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
        {"limit", "N", "evaluate at most N items per benchmark (0: all)", "0", false, false},
        {"train-file", "FILE", "draw the fine-tuning pool from this file instead of the source", "", false, false},
        {"pool", "N", "fine-tuning pool size", "64", false, false},
        {"split-seed", "S", "seed of the pool/evaluation split", "0", false, false},
        {"shots", "K", "fine-tuning items per seed", "16", false, false},
        {"mask", "NAME|ID", "the method's stored mask", "", false, false},
        {"selection", "ID", "stored selection of the source's high-confidence items (for magnitude pruning)", "", false, false},
        {"seeds", "S[,S...]", "fine-tuning seeds", "1,2,3", false, false},
        {"conditions", "C[,C...]", "conditions to run (default: all)", "", false, false},
        {"scoring", "S", "letter | loglik", "letter", false, false},
        {"add-bos", "", "prepend BOS to prompts", "", false, false},
        {"train-config", "JSON", "training options (see finetune --help)", "", false, false},
        {"keep-checkpoints", "", "store every fine-tuned checkpoint under the workspace's directory", "", false, false},
        {"bootstrap", "N", "bootstrap resamples", "2000", false, false},
        {"bootstrap-seed", "S", "bootstrap seed", "0", false, false},
        {"name", "NAME", "name of the stored comparison", "comparison", false, false},
        {"json", "", "print JSON instead of text", "", false, false},
        {"output", "FILE", "also write the table as JSON", "", false, false},
    },
    runCompare});

}  // namespace prominence::cli
