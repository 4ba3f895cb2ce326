#include "core/study/compare_step.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/data/benchmark_loader.h"
#include "core/prune/mask_store.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/few_shot.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

compare::BenchmarkSet loadSet(const std::string& path, std::int64_t limit) {
    const data::Benchmark b = data::loadBenchmark(path);
    compare::BenchmarkSet s{std::filesystem::path(path).stem().string(), path, b.format, b.items};
    if (limit > 0 && static_cast<std::size_t>(limit) < s.items.size())
        s.items.resize(static_cast<std::size_t>(limit));
    return s;
}

}  // namespace

void CompareParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("compare needs a workspace");
    for (const auto& [value, flag] : {std::pair<const std::string&, const char*>{modelDir, "model"},
                                      {sourcePath, "source"},
                                      {mask, "mask"}})
        if (value.empty())
            throw ParamsError(std::string("give --") + flag +
                              " (or --show ID to print a stored comparison)");
}

CompareResult runCompare(const CompareParams& p, Progress& progress, const Log& log) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    compare::ComparisonSetup setup;
    setup.modelDir = p.modelDir;
    const Tokenizer tokenizer = Tokenizer::load(p.tokenizer.empty() ? p.modelDir : p.tokenizer);
    setup.tokenizer = &tokenizer;
    compare::BenchmarkSet source = loadSet(p.sourcePath, 0);
    setup.shots = p.shots;
    const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(p.limit, 0));
    if (!p.trainFile.empty()) {
        const data::Benchmark t = data::loadBenchmark(p.trainFile);
        if (limit > 0 && limit < source.items.size()) source.items.resize(limit);
        setup.finetunePool = train::sampleFewShot(t.items, std::min(p.pool, t.items.size()),
                                                  p.splitSeed, source.items);
    } else {
        const train::FewShotSplit split = train::holdOutFewShot(source.items, p.pool, p.splitSeed);
        setup.finetunePool = split.train;
        source.items = split.evaluation;
        if (limit > 0 && limit < source.items.size()) source.items.resize(limit);
    }
    setup.source = source;
    for (const std::string& t : p.transferPaths) setup.transfer.push_back(loadSet(t, p.limit));
    setup.eval.scoring = p.scoring;
    setup.eval.addBos = p.addBos;
    setup.train = p.train;
    const prune::StoredMask mask = prune::loadMaskByRef(ws, p.mask);
    setup.methodMask = mask.mask;
    setup.methodProvenance = mask.provenance;
    setup.methodProvenance["mask_id"] = mask.id;
    setup.seeds = p.seeds;
    if (!p.conditions.empty()) setup.conditions = p.conditions;
    if (p.selectionId != 0) {
        const workspace::Selection sel = ws.selection(p.selectionId);
        const std::vector<workspace::ItemResult> items = ws.items(sel.runId);
        std::map<std::int64_t, const workspace::ItemResult*> byIndex;
        for (const auto& it : items) byIndex[it.index] = &it;
        for (std::int64_t i : sel.itemIndices)
            setup.selectionPrompts.push_back(byIndex.at(i)->prompt);
    } else if (p.conditions.empty()) {
        if (log)
            log("compare: no --selection given: leaving out magnitude_finetune (it needs the "
                "source selection's prompts)");
        setup.conditions.erase(std::remove(setup.conditions.begin(), setup.conditions.end(),
                                           compare::Condition::MagnitudeFinetune),
                               setup.conditions.end());
    }
    setup.bootstrap.resamples = p.bootstrapResamples;
    setup.bootstrap.seed = p.bootstrapSeed;
    asParamsError([&] { setup.validate(); });
    progress.setStage("compare");
    const compare::StoredComparison s = compare::runAndStoreComparison(
        ws, setup, p.name, p.keepCheckpoints, std::nullopt, progress);
    if (!p.outputPath.empty()) {
        std::ofstream out(p.outputPath, std::ios::binary);
        out << s.result.table.dump(2) << "\n";
        if (!out) throw StorageError("cannot write " + p.outputPath);
    }
    return {s.result.table, s.runId, s.comparisonId};
}

}  // namespace prominence::study
