// The before/after comparison: runs every condition, builds the table, stores it.
#include "core/compare/comparison.h"

#include "core/attribution/dataset_attribution.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/common/error.h"
#include "core/data/sampling.h"
#include "core/data/text_utils.h"
#include "core/eval/eval_store.h"
#include "core/prune/baselines.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"
#include "core/train/few_shot.h"

namespace prominence::compare {

namespace fs = std::filesystem;

std::string conditionName(Condition c) {
    switch (c) {
    case Condition::Before: return "before";
    case Condition::Method: return "method";
    case Condition::FinetuneOnly: return "finetune_only";
    case Condition::PruneOnly: return "prune_only";
    case Condition::RandomFinetune: return "random_finetune";
    case Condition::MagnitudeFinetune: return "magnitude_finetune";
    }
    return "?";
}

const std::vector<Condition>& allConditions() {
    static const std::vector<Condition> all = {Condition::Before,    Condition::Method,         Condition::FinetuneOnly,
                                               Condition::PruneOnly, Condition::RandomFinetune, Condition::MagnitudeFinetune};
    return all;
}

Condition parseCondition(const std::string& name) {
    for (Condition c : allConditions())
        if (conditionName(c) == name) return c;
    throw InvalidArgument("unknown condition '" + name +
                          "' (known: before, method, finetune_only, prune_only, random_finetune, magnitude_finetune)");
}

bool conditionTrains(Condition c) { return c != Condition::Before && c != Condition::PruneOnly; }
bool conditionPrunes(Condition c) { return c != Condition::Before && c != Condition::FinetuneOnly; }

std::string ConditionRun::label() const {
    return conditionName(condition) + (seed ? "/seed " + std::to_string(*seed) : std::string());
}

void ComparisonSetup::validate() const {
    if (modelDir.empty()) throw InvalidArgument("comparison: no model directory");
    if (tokenizer == nullptr) throw InvalidArgument("comparison: no tokenizer");
    if (source.items.empty()) throw InvalidArgument("comparison: the source benchmark '" + source.name + "' has no items");
    std::set<std::string> names = {source.name};
    for (const BenchmarkSet& b : transfer) {
        if (b.items.empty()) throw InvalidArgument("comparison: transfer benchmark '" + b.name + "' has no items");
        if (!names.insert(b.name).second) throw InvalidArgument("comparison: benchmark name '" + b.name + "' is used twice");
    }
    if (conditions.empty()) throw InvalidArgument("comparison: no conditions");
    std::set<Condition> seen;
    bool trains = false, prunes = false;
    for (Condition c : conditions) {
        if (!seen.insert(c).second) throw InvalidArgument("comparison: condition " + conditionName(c) + " is listed twice");
        trains = trains || conditionTrains(c);
        prunes = prunes || conditionPrunes(c);
    }
    if (trains) {
        if (seeds.empty()) throw InvalidArgument("comparison: fine-tuning conditions need at least one seed");
        if (std::set<std::uint64_t>(seeds.begin(), seeds.end()).size() != seeds.size())
            throw InvalidArgument("comparison: a seed is listed twice");
        if (shots < 1 || shots > finetunePool.size())
            throw InvalidArgument("comparison: " + std::to_string(shots) + " fine-tuning examples asked for, the pool has " +
                                  std::to_string(finetunePool.size()));
        train.validate();
    }
    if (prunes && methodMask.empty()) throw InvalidArgument("comparison: the method's mask is empty");
    if (seen.count(Condition::MagnitudeFinetune) && selectionPrompts.empty())
        throw InvalidArgument("comparison: magnitude_finetune needs the source selection's prompts");
    eval.validate();
}

nlohmann::json ComparisonSetup::toJson() const {
    nlohmann::json benchmarks = nlohmann::json::array();
    for (const BenchmarkSet& b : transfer) benchmarks.push_back({{"name", b.name}, {"path", b.path}, {"items", b.items.size()}});
    nlohmann::json conds = nlohmann::json::array();
    for (Condition c : conditions) conds.push_back(conditionName(c));
    return {{"model", modelDir},
            {"source", {{"name", source.name}, {"path", source.path}, {"items", source.items.size()},
                        {"finetune_pool", finetunePool.size()}}},
            {"transfer", benchmarks},
            {"shots", shots},
            {"eval", {{"scoring", eval::scoringName(eval.scoring)}, {"shots", eval.shots}, {"seed", eval.seed},
                      {"shuffle_options", eval.shuffleOptions}, {"add_bos", eval.addBos}}},
            {"train", train.toJson()},
            {"method_mask", methodMask.empty() ? nlohmann::json() : methodMask.toJson()},
            {"method_provenance", methodProvenance},
            {"selection_prompts", selectionPrompts.size()},
            {"seeds", seeds},
            {"conditions", conds},
            {"bootstrap", {{"resamples", bootstrap.resamples}, {"level", bootstrap.level}, {"seed", bootstrap.seed}}}};
}

namespace {

// Forwards cancellation of the outer job to a nested call without drawing its progress.
Progress nested(const Progress& outer) {
    return Progress([&outer](const std::string&, std::int64_t, std::int64_t) { return !outer.cancelled(); });
}

nlohmann::json maskSummary(const prune::PruneMask& m) {
    nlohmann::json perLayer = nlohmann::json::object();
    for (const auto& [l, c] : m.countsPerLayer()) perLayer[std::to_string(l)] = c;
    return {{"count", m.size()}, {"per_layer", perLayer}, {"neurons", m.format()}};
}

std::vector<std::string> benchmarkNames(const ComparisonSetup& s) {
    std::vector<std::string> names = {s.source.name};
    for (const BenchmarkSet& b : s.transfer) names.push_back(b.name);
    return names;
}

std::vector<std::uint8_t> correctness(const eval::EvalResult& r) {
    std::vector<std::uint8_t> out;
    out.reserve(r.items.size());
    for (const eval::ItemScore& s : r.items) out.push_back(s.correct ? 1 : 0);
    return out;
}

}  // namespace

nlohmann::json buildTable(const ComparisonSetup& setup, const std::vector<ConditionRun>& runs) {
    const std::vector<std::string> names = benchmarkNames(setup);
    nlohmann::json cells = nlohmann::json::array();
    std::map<std::pair<Condition, std::string>, std::vector<std::vector<std::uint8_t>>> rows;
    std::map<std::pair<Condition, std::string>, std::vector<std::uint64_t>> rowSeeds;
    for (const ConditionRun& r : runs)
        for (const auto& [bench, result] : r.evals) {
            rows[{r.condition, bench}].push_back(correctness(result));
            rowSeeds[{r.condition, bench}].push_back(r.seed.value_or(0));
        }
    nlohmann::json conds = nlohmann::json::array();
    for (Condition c : setup.conditions) {
        conds.push_back(conditionName(c));
        for (const std::string& bench : names) {
            const auto it = rows.find({c, bench});
            if (it == rows.end()) continue;
            const CellSummary s = summarizeCell(it->second, setup.bootstrap);
            nlohmann::json perSeed = nlohmann::json::array();
            for (std::size_t i = 0; i < it->second.size(); ++i) {
                double acc = 0;
                for (std::uint8_t v : it->second[i]) acc += v;
                acc /= static_cast<double>(std::max<std::size_t>(1, it->second[i].size()));
                nlohmann::json row = {{"accuracy", acc}};
                if (conditionTrains(c)) row["seed"] = rowSeeds[{c, bench}][i];
                perSeed.push_back(row);
            }
            cells.push_back({{"condition", conditionName(c)}, {"benchmark", bench}, {"source", bench == setup.source.name},
                             {"seeds", s.seeds}, {"items", s.items}, {"mean", s.mean}, {"sd", s.sd},
                             {"ci_low", s.ci.low}, {"ci_high", s.ci.high}, {"per_seed", perSeed}});
        }
    }
    nlohmann::json tests = nlohmann::json::array();
    for (const std::string& bench : names) {
        const auto a = rows.find({Condition::Method, bench});
        const auto b = rows.find({Condition::FinetuneOnly, bench});
        if (a == rows.end() || b == rows.end()) continue;
        const McNemarResult m = mcnemar(a->second, b->second);
        tests.push_back({{"benchmark", bench}, {"a", "method"}, {"b", "finetune_only"}, {"only_a", m.onlyA},
                         {"only_b", m.onlyB}, {"exact_p", m.exactP}, {"chi2", m.chi2}, {"chi2_p", m.chi2P}});
    }
    nlohmann::json masks = nlohmann::json::object(), training = nlohmann::json::array();
    if (!setup.methodMask.empty()) masks["method"] = maskSummary(setup.methodMask);
    for (const ConditionRun& r : runs) {
        if (r.condition == Condition::MagnitudeFinetune && !masks.contains("magnitude_finetune"))
            masks["magnitude_finetune"] = maskSummary(r.mask);
        if (r.condition == Condition::RandomFinetune) masks["random_finetune"][std::to_string(*r.seed)] = maskSummary(r.mask);
        if (r.training) {
            const train::TrainResult& t = *r.training;
            training.push_back({{"condition", conditionName(r.condition)}, {"seed", *r.seed}, {"steps", t.steps},
                                {"first_loss", t.history.empty() ? 0.0 : t.history.front().loss},
                                {"final_loss", t.history.empty() ? 0.0 : t.history.back().loss}});
        }
    }
    return {{"source", setup.source.name}, {"benchmarks", names},       {"conditions", conds},
            {"seeds", setup.seeds},        {"shots", setup.shots},      {"scoring", eval::scoringName(setup.eval.scoring)},
            {"cells", cells},              {"mcnemar", tests},          {"masks", masks},
            {"training", training},        {"ci_level", setup.bootstrap.level}};
}

ComparisonResult runComparison(const ComparisonSetup& setup, const ComparisonHooks& hooks, Progress& progress) {
    setup.validate();
    const auto has = [&](Condition c) { return std::find(setup.conditions.begin(), setup.conditions.end(), c) != setup.conditions.end(); };
    std::vector<BenchmarkSet> benches = {setup.source};
    benches.insert(benches.end(), setup.transfer.begin(), setup.transfer.end());
    std::int64_t total = 0;
    for (Condition c : setup.conditions) total += conditionTrains(c) ? static_cast<std::int64_t>(setup.seeds.size()) : 1;
    std::int64_t done = 0;
    progress.report(0, total);

    ComparisonResult result;
    auto evaluateAll = [&](ConditionRun& run, const Model& model) {
        for (const BenchmarkSet& b : benches) {
            Progress inner = nested(progress);
            run.evals[b.name] = eval::evaluate(model, *setup.tokenizer, b.items, nullptr, setup.eval, inner);
        }
        if (hooks.onRun) hooks.onRun(run, model);
        result.runs.push_back(run);
        progress.report(++done, total);
    };

    prune::PruneMask magnitudeMask;
    if (has(Condition::MagnitudeFinetune)) {
        auto model = Model::load(setup.modelDir, setup.load);
        std::vector<std::vector<std::int64_t>> sequences;
        for (const std::string& p : setup.selectionPrompts) sequences.push_back(attribution::encodePrompt(*setup.tokenizer, p, setup.eval.addBos));
        Progress inner = nested(progress);
        magnitudeMask = prune::magnitudeLike(setup.methodMask, prune::meanAbsActivation(*model, sequences,
                                                                                         prune::ActivationPositions::Last, inner));
    }
    if (has(Condition::Before)) {
        auto model = Model::load(setup.modelDir, setup.load);
        ConditionRun run;
        run.condition = Condition::Before;
        evaluateAll(run, *model);
    }
    if (has(Condition::PruneOnly)) {
        auto model = Model::load(setup.modelDir, setup.load);
        prune::applyWeightSurgery(*model, setup.methodMask);
        ConditionRun run;
        run.condition = Condition::PruneOnly;
        run.mask = setup.methodMask;
        evaluateAll(run, *model);
    }
    const train::McExampleOptions exampleOptions{
        setup.eval.scoring == eval::Scoring::Letter ? train::AnswerStyle::Letter : train::AnswerStyle::Loglik, setup.eval.addBos};
    for (std::uint64_t seed : setup.seeds) {
        bool any = false;
        for (Condition c : setup.conditions) any = any || conditionTrains(c);
        if (!any) break;
        data::SeededRng rng(seed);
        std::vector<data::McItem> picked;
        for (std::size_t i : data::sampleIndices(setup.finetunePool.size(), setup.shots, rng)) picked.push_back(setup.finetunePool[i]);
        const std::vector<train::TrainExample> examples = train::mcExamples(picked, *setup.tokenizer, exampleOptions);
        for (Condition c : setup.conditions) {
            if (!conditionTrains(c)) continue;
            ConditionRun run;
            run.condition = c;
            run.seed = seed;
            if (c == Condition::Method) run.mask = setup.methodMask;
            if (c == Condition::RandomFinetune) run.mask = prune::randomLike(setup.methodMask, seed);
            if (c == Condition::MagnitudeFinetune) run.mask = magnitudeMask;
            auto model = Model::load(setup.modelDir, setup.load);
            train::TrainOptions t = setup.train;
            t.seed = seed;
            t.hold = run.mask.empty() ? nullptr : &run.mask;
            t.onStep = nullptr;
            t.checkpointDir = hooks.checkpointDir ? hooks.checkpointDir(c, seed) : std::string();
            t.checkpointFinal = !t.checkpointDir.empty();
            if (t.checkpointDir.empty()) t.checkpointEvery = 0;
            Progress inner = nested(progress);
            run.training = train::train(*model, examples, {}, t, inner);
            if (!run.mask.empty() && prune::maxPrunedMagnitude(*model, run.mask) != 0.0)
                throw Error("comparison: " + run.label() + ": pruned weights are not zero after fine-tuning");
            evaluateAll(run, *model);
        }
    }
    result.table = buildTable(setup, result.runs);
    return result;
}

std::string formatTable(const nlohmann::json& table) {
    std::ostringstream out;
    char line[256];
    const double level = table.value("ci_level", 0.95);
    out << "source: " << table.value("source", std::string()) << "   scoring: " << table.value("scoring", std::string())
        << "   shots: " << table.value("shots", 0) << "   seeds: " << table.value("seeds", nlohmann::json::array()).dump() << "\n";
    if (table.contains("masks") && table["masks"].contains("method"))
        out << "pruned (method): " << table["masks"]["method"].value("count", 0) << " neurons\n";
    out << "\n";
    std::snprintf(line, sizeof line, "%-24s %-20s %7s %7s   %2.0f%% CI            %5s %6s\n", "benchmark", "condition", "mean", "sd",
                  level * 100, "seeds", "items");
    out << line;
    // Benchmark by benchmark, conditions in the table's order.
    for (const auto& benchName : table.at("benchmarks")) {
        bool first = true;
        for (const auto& c : table.at("cells")) {
            if (c.at("benchmark") != benchName) continue;
            const std::string bench = benchName.get<std::string>() + (c.value("source", false) ? " (source)" : "");
            std::snprintf(line, sizeof line, "%-24s %-20s %7.4f %7.4f   [%6.4f, %6.4f]   %5d %6d\n", first ? bench.c_str() : "",
                          c.at("condition").get<std::string>().c_str(), c.at("mean").get<double>(), c.at("sd").get<double>(),
                          c.at("ci_low").get<double>(), c.at("ci_high").get<double>(), c.at("seeds").get<int>(),
                          c.at("items").get<int>());
            out << line;
            first = false;
        }
    }
    if (!table.at("mcnemar").empty()) {
        out << "\nMcNemar (seeds pooled), method vs finetune_only:\n";
        for (const auto& t : table.at("mcnemar")) {
            std::snprintf(line, sizeof line, "  %-22s only method %5lld   only finetune %5lld   exact p %.4g   chi2 %.4g (p %.4g)\n",
                          t.at("benchmark").get<std::string>().c_str(), static_cast<long long>(t.at("only_a").get<std::int64_t>()),
                          static_cast<long long>(t.at("only_b").get<std::int64_t>()), t.at("exact_p").get<double>(),
                          t.at("chi2").get<double>(), t.at("chi2_p").get<double>());
            out << line;
        }
    }
    return out.str();
}

StoredComparison runAndStoreComparison(workspace::Workspace& ws, const ComparisonSetup& setup, const std::string& name,
                                       bool keepCheckpoints, std::optional<workspace::Id> parentRunId, Progress& progress,
                                       const std::function<void(const ConditionRun&, const Model&)>& onRun) {
    setup.validate();
    workspace::RunStart start;
    start.kind = "compare";
    start.name = name;
    start.parentRunId = parentRunId;
    start.params = setup.toJson();
    StoredComparison stored;
    stored.runId = ws.beginRun(start);
    const workspace::Id runId = stored.runId;
    try {
        std::optional<workspace::Id> methodMaskId;
        if (!setup.methodMask.empty())
            methodMaskId = prune::saveMask(ws, name + "/method", setup.methodMask,
                                           {{"role", "method"}, {"provenance", setup.methodProvenance}}, runId);
        nlohmann::json evalRuns = nlohmann::json::array(), maskIds = nlohmann::json::object();
        if (methodMaskId) maskIds["method"] = *methodMaskId;
        const fs::path ckptRoot = fs::absolute(fs::path(ws.path())).parent_path() / "checkpoints" / ("compare-" + std::to_string(runId));
        ComparisonHooks hooks;
        if (keepCheckpoints)
            hooks.checkpointDir = [&](Condition c, std::uint64_t seed) {
                return (ckptRoot / (conditionName(c) + "-seed" + std::to_string(seed))).string();
            };
        hooks.onRun = [&](const ConditionRun& run, const Model& model) {
            std::optional<workspace::Id> maskId;
            if (run.condition == Condition::Method || run.condition == Condition::PruneOnly) {
                maskId = methodMaskId;
            } else if (!run.mask.empty()) {
                nlohmann::json prov = {{"role", conditionName(run.condition)}, {"like", "method"}};
                if (run.seed) prov["seed"] = *run.seed;
                if (run.condition == Condition::MagnitudeFinetune)
                    prov["statistic"] = "mean |activation| at the last position over the source selection";
                maskId = prune::saveMask(ws, name + "/" + run.label(), run.mask, prov, runId);
                maskIds[run.label()] = *maskId;
            }
            std::vector<const BenchmarkSet*> benches = {&setup.source};
            for (const BenchmarkSet& t : setup.transfer) benches.push_back(&t);
            for (const BenchmarkSet* b : benches) {
                eval::EvalRunInfo info;
                info.modelDir = setup.modelDir;
                info.benchmarkPath = b->path;
                info.benchmarkFormat = b->format;
                info.benchmarkItems = static_cast<std::int64_t>(b->items.size());
                info.params = {{"scoring", eval::scoringName(setup.eval.scoring)}, {"shots", setup.eval.shots},
                               {"seed", setup.eval.seed}, {"add_bos", setup.eval.addBos}, {"compare_run", runId},
                               {"condition", conditionName(run.condition)}, {"benchmark", b->name},
                               {"items", b == &setup.source ? "source items without the fine-tuning pool" : "all"}};
                if (run.seed) info.params["train_seed"] = *run.seed;
                if (maskId) info.params["mask_id"] = *maskId;
                const workspace::Id evalRun = eval::storeEvalRun(ws, model, info, run.evals.at(b->name));
                nlohmann::json row = {{"condition", conditionName(run.condition)}, {"benchmark", b->name}, {"run_id", evalRun}};
                if (run.seed) row["seed"] = *run.seed;
                evalRuns.push_back(row);
            }
            if (run.training)
                for (const train::SavedCheckpoint& c : run.training->checkpoints) {
                    workspace::CheckpointRecord rec;
                    rec.runId = runId;
                    rec.step = c.step;
                    rec.path = c.path;
                    rec.maskId = maskId;
                    rec.metrics = {{"condition", conditionName(run.condition)}, {"seed", *run.seed},
                                   {"final_loss", run.training->history.empty() ? 0.0 : run.training->history.back().loss}};
                    ws.addCheckpoint(rec);
                }
            if (onRun) onRun(run, model);
        };
        stored.result = runComparison(setup, hooks, progress);
        stored.result.table["eval_runs"] = evalRuns;
        stored.result.table["mask_ids"] = maskIds;
        stored.result.table["run_id"] = runId;
        workspace::ComparisonRecord rec;
        rec.runId = runId;
        rec.name = name;
        rec.table = stored.result.table;
        stored.comparisonId = ws.saveComparison(rec);
        stored.result.table["comparison_id"] = stored.comparisonId;
        ws.finishRun(runId, {{"comparison_id", stored.comparisonId}, {"cells", stored.result.table["cells"].size()}});
    } catch (const Cancelled&) {
        ws.cancelRun(runId);
        throw;
    } catch (const std::exception& e) {
        ws.failRun(runId, e.what());
        throw;
    }
    return stored;
}

}  // namespace prominence::compare
