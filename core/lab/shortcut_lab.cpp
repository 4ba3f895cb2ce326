#include "core/lab/shortcut_lab.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <optional>
#include <sstream>

#include "core/attribution/aggregate.h"
#include "core/attribution/baseline.h"
#include "core/attribution/run.h"
#include "core/common/error.h"
#include "core/compare/comparison.h"
#include "core/compare/statistics.h"
#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "core/data/sampling.h"
#include "core/eval/eval_store.h"
#include "core/eval/evaluator.h"
#include "core/eval/selection.h"
#include "core/lab/benchmark_generator.h"
#include "core/lab/lab_tokenizer.h"
#include "core/lab/lab_vocabulary.h"
#include "core/prune/baselines.h"
#include "core/prune/selection.h"
#include "core/prune/surgery.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::lab {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Bench {
    std::string name;
    std::string path;
    data::Benchmark data;
    std::vector<LabItem> lab;  // same order as data.items: the ground truth of each item
};

const Bench& benchNamed(const std::vector<Bench>& benches, const std::string& name) {
    for (const Bench& b : benches)
        if (b.name == name) return b;
    throw Error("lab: no benchmark '" + name + "'");
}

std::vector<std::int64_t> letterIds(const Tokenizer& tok) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < kOptions; ++i) {
        const auto e = tok.encode(" " + data::optionLetter(static_cast<std::size_t>(i)), false);
        if (e.size() != 1) throw Error("lab: the option letters are not single tokens");
        ids.push_back(e[0]);
    }
    return ids;
}

eval::EvalOptions letterEval() {
    eval::EvalOptions eo;
    eo.scoring = eval::Scoring::Letter;
    eo.maxBatchRows = 64;
    return eo;
}

// Ground truth of one run, from its per-item predictions.
void addGroundTruth(GroundTruthSeries& g, const eval::EvalResult& conflict, const Bench& conflictBench,
                    const eval::EvalResult& source, const Bench& sourceBench) {
    double follow = 0, right = 0, amb = 0, ambRight = 0;
    for (std::size_t i = 0; i < conflict.items.size(); ++i) {
        follow += conflict.items[i].pred == conflictBench.lab[i].cue;
        right += conflict.items[i].correct;
    }
    for (std::size_t i = 0; i < source.items.size(); ++i) {
        if (!sourceBench.lab[i].ambiguous) continue;
        amb += 1;
        ambRight += source.items[i].correct;
    }
    const double n = std::max<double>(1.0, static_cast<double>(conflict.items.size()));
    g.cueFollowing.push_back(follow / n);
    g.conflictAccuracy.push_back(right / n);
    g.ambiguousAccuracy.push_back(amb > 0 ? ambRight / amb : 0.0);
}

nlohmann::json stats(const std::vector<double>& v) {
    return {{"mean", mean(v)}, {"sd", v.size() > 1 ? sampleStdDev(v) : 0.0}, {"per_run", v}};
}

// a[i] - b[i] (b of length 1: a seed-independent condition, subtracted from every a[i]).
nlohmann::json pairedDiff(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> d;
    for (std::size_t i = 0; i < a.size(); ++i) d.push_back(a[i] - (b.size() == 1 ? b[0] : b.at(i)));
    int positive = 0;
    for (double x : d) positive += x > 0;
    nlohmann::json j = stats(d);
    j["runs_positive"] = positive;
    return j;
}

std::string fmt(double x, int digits = 3) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << x;
    return s.str();
}

std::string signedFmt(double x) { return (x >= 0 ? "+" : "") + fmt(x); }

}  // namespace

DemoOptions DemoOptions::defaults() {
    DemoOptions o;
    o.ig.objective = attribution::Objective::Margin;
    o.ig.positions = attribution::PositionMode::All;
    o.ig.baseline = attribution::BaselineKind::Mean;
    o.ig.baselineSource = "mean site activation over the attributed items of every dataset";
    o.ig.ig.steps = 16;
    o.contrast.statistic = attribution::ScoreStatistic::MeanIg;
    o.contrast.method = attribution::ContrastMethod::NormalisedDifference;
    o.contrast.excludeLayers = {};  // the probe finds the tags' effect in layer 0's MLP (docs/shortcut-lab.md)
    o.finetune.adamw.lr = 5e-4;
    o.finetune.adamw.weightDecay = 0.01;
    o.finetune.schedule = train::ScheduleKind::Linear;
    o.finetune.warmupSteps = 3;
    o.finetune.maxSteps = 30;
    o.finetune.workers = 2;
    o.finetune.batchSize = 16;
    o.finetune.padId = kPadId;
    return o;
}

DemoOptions DemoOptions::tiny() {
    DemoOptions o = defaults();
    o.recipe = LabRecipe::tiny();
    o.seeds = 2;
    o.confidence = 0.0;
    o.attributedItems = 4;
    o.ig.ig.steps = 4;
    o.prunePercent = 10.0;
    o.shots = 8;
    o.finetune.maxSteps = 4;
    o.finetune.batchSize = 4;
    o.finetune.warmupSteps = 1;
    o.bootstrapResamples = 100;
    o.probePercents = {10, 50};
    return o;
}

nlohmann::json DemoOptions::toJson() const {
    return {{"recipe", recipe.toJson()}, {"seeds", seeds}, {"base_seed", baseSeed},
            {"confidence", confidence}, {"attributed_items", attributedItems}, {"attribution", ig.toJson()},
            {"contrast", contrast.toJson()}, {"prune_percent", prunePercent}, {"shots", shots},
            {"finetune_data", untaggedFinetune ? "member_train (untagged)" : "source_train (tagged)"},
            {"finetune", finetune.toJson()}, {"bootstrap_resamples", bootstrapResamples},
            {"probe_percents", probePercents}};
}

nlohmann::json DemoResult::toJson() const {
    nlohmann::json gt = nlohmann::json::object();
    for (const auto& [name, g] : groundTruth)
        gt[name] = {{"cue_following", g.cueFollowing}, {"conflict_accuracy", g.conflictAccuracy},
                    {"ambiguous_source_accuracy", g.ambiguousAccuracy}};
    return {{"lab", build.info},   {"lab_dir", build.dir}, {"built_now", !build.fromCache},
            {"comparison", comparison}, {"ground_truth", gt}, {"mask", mask},
            {"summary", summary},  {"probe", probe},       {"timings", timings},   {"wall_seconds", wallSeconds}};
}

nlohmann::json measureLab(const LabBuild& build, double confidence, Progress& progress) {
    const Tokenizer tok = Tokenizer::load(build.modelDir);
    const std::unique_ptr<Model> model = Model::load(build.modelDir);
    nlohmann::json out = nlohmann::json::object();
    for (const std::string& name : evalBenchmarkNames()) {
        progress.setStage("lab: measuring " + name);
        const std::string path = build.benchmarkDir + "/" + name + ".jsonl";
        const data::Benchmark bench = data::loadBenchmark(path);
        const std::vector<LabItem> lab = readJsonl(path);
        const eval::EvalResult r = eval::evaluate(*model, tok, bench.items, nullptr, letterEval(), progress);
        double acc = 0, p = 0, confident = 0, tagged = 0, follow = 0, amb = 0, ambRight = 0;
        for (std::size_t i = 0; i < r.items.size(); ++i) {
            const eval::ItemScore& it = r.items[i];
            acc += it.correct;
            p += it.pCorrect;
            confident += it.correct && it.pCorrect >= confidence;
            if (lab[i].cue >= 0) {
                tagged += 1;
                follow += it.pred == lab[i].cue;
            }
            if (lab[i].ambiguous) {
                amb += 1;
                ambRight += it.correct;
            }
        }
        const double n = std::max<double>(1.0, static_cast<double>(r.items.size()));
        nlohmann::json j = {{"items", r.items.size()}, {"accuracy", acc / n}, {"mean_p_correct", p / n},
                            {"high_confidence", confident}};
        if (tagged > 0) j["cue_following"] = follow / tagged;
        if (amb > 0) j["ambiguous_accuracy"] = ambRight / amb;
        out[name] = j;
    }
    return out;
}

DemoResult runShortcutLab(const DemoOptions& o, Progress& progress) {
    const auto wallStart = Clock::now();
    if (o.seeds < 1) throw InvalidArgument("demo: seeds " + std::to_string(o.seeds) + " (expected >= 1)");
    if (o.attributedItems < 1 || o.shots < 1) throw InvalidArgument("demo: attributed items and shots must be >= 1");
    DemoResult res;
    nlohmann::json timings = nlohmann::json::object();

    auto t = Clock::now();
    res.build = buildLab(o.recipe, o.cacheRoot.empty() ? defaultCacheRoot() : o.cacheRoot, progress);
    timings["build_lab"] = since(t);
    const std::string modelDir = res.build.modelDir;
    const Tokenizer tok = Tokenizer::load(modelDir);
    const std::vector<std::int64_t> letters = letterIds(tok);

    std::vector<Bench> benches;
    for (const std::string& name : evalBenchmarkNames()) {
        Bench b;
        b.name = name;
        b.path = res.build.benchmarkDir + "/" + name + ".jsonl";
        b.data = data::loadBenchmark(b.path);
        b.lab = readJsonl(b.path);
        benches.push_back(std::move(b));
    }
    const std::string poolPath =
        res.build.benchmarkDir + "/" + (o.untaggedFinetune ? std::string("member_train") : sourceTrainName()) + ".jsonl";
    const data::Benchmark pool = data::loadBenchmark(poolPath);

    std::unique_ptr<workspace::Workspace> ws;
    workspace::Id demoRun = 0;
    if (!o.workspacePath.empty()) {
        ws = std::make_unique<workspace::Workspace>(workspace::Workspace::openOrCreate(o.workspacePath));
        workspace::RunStart rs;
        rs.kind = "demo";
        rs.name = "Shortcut Lab";
        rs.params = o.toJson();
        rs.params["lab_hash"] = res.build.info.value("hash", "");
        rs.params["lab_dir"] = res.build.dir;
        demoRun = ws->beginRun(rs);
        res.workspaceRunId = demoRun;
    }
    try {
        // 1. Letter eval of the base model on the source and the two tag-free references, and their
        //    high-confidence items.
        t = Clock::now();
        progress.setStage("demo: selecting high-confidence items");
        std::unique_ptr<Model> base = Model::load(modelDir);
        const std::vector<std::string> datasets = {"source", "member", "outlier"};
        eval::SelectionCriteria crit;
        crit.threshold = o.confidence;
        std::map<std::string, std::vector<std::int64_t>> selected;
        std::map<std::string, workspace::Id> evalRuns;  // stored selection evals, by dataset
        for (const std::string& d : datasets) {
            const Bench& b = benchNamed(benches, d);
            const eval::EvalResult r = eval::evaluate(*base, tok, b.data.items, nullptr, letterEval());
            selected[d] = eval::selectHighConfidence(r.items, crit);
            if (selected[d].empty())
                throw Error("demo: the lab model has no high-confidence items on '" + d + "' (threshold " +
                            fmt(o.confidence, 2) + ")");
            if (ws) {
                eval::EvalRunInfo info;
                info.modelDir = modelDir;
                info.benchmarkPath = b.path;
                info.benchmarkFormat = b.data.format;
                info.benchmarkItems = static_cast<std::int64_t>(b.data.items.size());
                info.params = {{"scoring", "letter"}, {"demo_run", demoRun}, {"purpose", "selection"}};
                workspace::Selection sel;
                sel.runId = eval::storeEvalRun(*ws, *base, info, r);
                evalRuns[d] = sel.runId;
                sel.name = "high_confidence";
                sel.criteria = crit.toJson();
                sel.criteria["correct"] = true;
                sel.itemIndices = selected[d];
                ws->saveSelection(sel);
            }
        }
        timings["select"] = since(t);

        // 2. Neuron IG on a seeded sample of each dataset's high-confidence items, contrast, mask.
        t = Clock::now();
        progress.setStage("demo: integrated gradients");
        std::map<std::string, std::vector<attribution::AttributionItem>> items;
        std::vector<attribution::AttributionItem> pooled;
        std::vector<std::string> selectionPrompts;
        for (std::size_t d = 0; d < datasets.size(); ++d) {
            const auto& sel = selected[datasets[d]];
            const Bench& b = benchNamed(benches, datasets[d]);
            data::SeededRng rng(data::deriveSeed(o.baseSeed, 100 + d));
            const std::size_t k = std::min<std::size_t>(sel.size(), static_cast<std::size_t>(o.attributedItems));
            for (std::size_t i : data::sampleIndices(sel.size(), k, rng)) {
                const data::McItem& item = b.data.items[static_cast<std::size_t>(sel[i])];
                attribution::AttributionItem ai;
                ai.id = sel[i];
                const std::string prompt = data::letterPrompt(item);
                ai.inputIds = tok.encode(prompt, false);
                ai.target = letters[static_cast<std::size_t>(item.gold)];
                ai.optionTokens = letters;
                items[datasets[d]].push_back(ai);
                pooled.push_back(ai);
                if (datasets[d] == "source") selectionPrompts.push_back(prompt);
            }
        }
        const std::vector<at::Tensor> meanBase = o.ig.baseline == attribution::BaselineKind::Mean
                                                     ? attribution::meanSiteActivations(*base, pooled, o.ig.positions)
                                                     : std::vector<at::Tensor>{};
        const std::vector<int> layers = o.ig.resolvedLayers(base->numLayers());
        std::map<std::string, attribution::NeuronScores> scores;
        workspace::Id igRun = 0;
        nlohmann::json runParams;
        if (ws) {
            workspace::RunStart rs;
            rs.kind = "attribution";
            rs.name = "Shortcut Lab: source vs member, outlier";
            rs.parentRunId = demoRun;
            rs.params = o.ig.toJson();
            rs.params["items_per_dataset"] = o.attributedItems;
            rs.params["item_rows"] = "source";
            rs.inputs = {{evalRuns.at("source"), "eval"}};
            igRun = ws->beginRun(rs);
            runParams = rs.params;
        }
        // Every item's IG rows are stored as core/attribution stores a selection's, so "top items for
        // this neuron" and its per-item IG histograms work on the lab's run: the source's in the run
        // itself, each reference's in a child attribution run of its own (a run keys its rows by item
        // index, and the references' indices, into their own eval runs, would collide with the source's).
        std::map<std::string, workspace::Id> rowRuns;
        if (ws) {
            rowRuns["source"] = igRun;
            for (const std::string& d : datasets) {
                if (d == "source") continue;
                workspace::RunStart rr;
                rr.kind = "attribution";
                rr.name = "Shortcut Lab: " + d + " (per-item IG rows; matrices in run " + std::to_string(igRun) + ")";
                rr.parentRunId = igRun;
                rr.params = runParams;
                rr.params["item_rows"] = d;
                rr.inputs = {{evalRuns.at(d), "eval"}};
                rowRuns[d] = ws->beginRun(rr);
            }
        }
        const auto storeRows = [&](const std::string& dataset, const attribution::ItemAttribution& ia) {
            const data::McItem& item = benchNamed(benches, dataset).data.items[static_cast<std::size_t>(ia.id)];
            std::vector<workspace::IgItem> rows;
            for (const attribution::LayerAttribution& l : ia.layers) {
                workspace::IgItem r;
                r.itemIndex = ia.id;
                r.itemId = item.id;
                r.layer = l.layer;
                r.target = letters[static_cast<std::size_t>(item.gold)];
                r.fInput = l.fInput;
                r.fBaseline = l.fBaseline;
                r.delta = l.delta;
                r.neurons = l.ig.size(0);
                const at::Tensor f = l.ig.to(at::kFloat).contiguous();
                r.attribution.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
                r.summary = {{"dataset", dataset}, {"flagged", l.flagged}, {"relative_residual", l.relativeResidual}};
                rows.push_back(std::move(r));
            }
            ws->addIgItems(rowRuns.at(dataset), rows);
        };
        for (const std::string& d : datasets) {
            attribution::ScoreAccumulator acc(layers, base->intermediateSize());
            attribution::attributeItems(
                *base, items[d], o.ig, meanBase, {},
                [&](const attribution::ItemAttribution& ia) {
                    acc.add(ia.id, ia.matrix());
                    if (ws) storeRows(d, ia);
                },
                Progress::none());
            scores[d] = acc.result();
        }
        const attribution::ContrastResult con =
            attribution::contrast(scores["source"], {&scores["member"], &scores["outlier"]}, o.contrast);
        const std::int64_t selectable = con.selectable.sum().item<std::int64_t>();
        prune::PolicyParams policy;
        policy.kind = prune::PolicyKind::GlobalTopK;
        policy.k = prune::percentCount(o.prunePercent, selectable);
        const prune::PruneMask methodMask = prune::selectNeurons(
            prune::ScoreMatrix::make(con.layers, con.score, con.selectable), policy, base->numLayers());
        timings["attribution_and_mask"] = since(t);

        nlohmann::json perLayer = nlohmann::json::object();
        for (const auto& [l, n] : methodMask.countsPerLayer()) perLayer[std::to_string(l)] = n;
        nlohmann::json mass = nlohmann::json::object();
        for (const auto& [d, sc] : scores) {
            std::vector<double> m;
            for (std::size_t r = 0; r < sc.layers.size(); ++r)
                m.push_back(sc.meanAbsIg[static_cast<std::int64_t>(r)].sum().item<double>());
            mass[d] = m;
        }
        res.mask = {{"neurons", methodMask.format()}, {"count", methodMask.size()}, {"selectable", selectable},
                    {"per_layer", perLayer}, {"mean_abs_ig_per_layer", mass}, {"policy", policy.toJson()}};
        if (ws) {
            auto store = [&](const std::string& dataset, const std::string& kind, const std::vector<int>& rows,
                             const at::Tensor& m, std::int64_t count, nlohmann::json params) {
                workspace::NeuronScores ns;
                ns.runId = igRun;
                ns.dataset = dataset;
                ns.kind = kind;
                ns.layers = static_cast<std::int64_t>(rows.size());
                ns.neurons = m.size(1);
                const at::Tensor f = m.to(at::kFloat).contiguous();
                ns.scores.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
                ns.itemCount = count;
                params["layers"] = rows;
                ns.params = params;
                ws->saveNeuronScores(ns);
            };
            for (const auto& [d, sc] : scores) store(d, "mean_ig", sc.layers, sc.meanIg, sc.items, sc.params.toJson());
            store("source", "contrast_member_outlier", con.layers, con.score, scores["source"].items, o.contrast.toJson());
            std::vector<workspace::Id> referenceRuns;
            for (const std::string& d : datasets)
                if (d != "source") {
                    ws->finishRun(rowRuns.at(d), {{"items", items[d].size()}});
                    referenceRuns.push_back(rowRuns.at(d));
                }
            ws->finishRun(igRun, {{"items", pooled.size()}, {"mask", methodMask.format()}, {"reference_runs", referenceRuns}});
        }

        // 3. core/compare: every condition on every benchmark over the seeds.
        t = Clock::now();
        compare::ComparisonSetup setup;
        setup.modelDir = modelDir;
        setup.tokenizer = &tok;
        for (const Bench& b : benches) {
            compare::BenchmarkSet set{b.name, b.path, b.data.format, b.data.items};
            if (b.name == "source") setup.source = set;
            else setup.transfer.push_back(set);
        }
        setup.finetunePool = pool.items;
        setup.shots = static_cast<std::size_t>(o.shots);
        setup.eval = letterEval();
        setup.train = o.finetune;
        setup.methodMask = methodMask;
        setup.methodProvenance = {{"policy", policy.toJson()}, {"contrast", o.contrast.toJson()},
                                  {"attribution", o.ig.toJson()}, {"attribution_run", igRun}};
        setup.selectionPrompts = selectionPrompts;
        setup.seeds.clear();
        for (int s = 0; s < o.seeds; ++s) setup.seeds.push_back(o.baseSeed + static_cast<std::uint64_t>(s));
        setup.bootstrap.resamples = o.bootstrapResamples;
        setup.bootstrap.seed = o.baseSeed;
        const Bench& conflictBench = benchNamed(benches, "source_conflict");
        const Bench& sourceBench = benchNamed(benches, "source");
        std::map<std::string, std::map<std::string, std::vector<double>>> accs;  // condition -> benchmark -> runs
        auto onRun = [&](const compare::ConditionRun& run, const Model&) {
            const std::string c = compare::conditionName(run.condition);
            addGroundTruth(res.groundTruth[c], run.evals.at("source_conflict"), conflictBench, run.evals.at("source"),
                           sourceBench);
            for (const auto& [b, r] : run.evals) accs[c][b].push_back(r.summary.acc);
        };
        progress.setStage("demo: comparison");
        if (ws) {
            const compare::StoredComparison sc =
                compare::runAndStoreComparison(*ws, setup, "Shortcut Lab", false, demoRun, progress, onRun);
            res.comparison = sc.result.table;
        } else {
            compare::ComparisonHooks hooks;
            hooks.onRun = onRun;
            res.comparison = compare::runComparison(setup, hooks, progress).table;
        }
        timings["comparison"] = since(t);

        // 4. Ablation ground truth: random neurons of the same count per layer, no fine-tuning.
        t = Clock::now();
        progress.setStage("demo: random-neuron ablations");
        for (std::uint64_t seed : setup.seeds) {
            const prune::PruneMask randomMask = prune::randomLike(methodMask, data::deriveSeed(seed, 77));
            std::unique_ptr<Model> m = Model::load(modelDir);
            prune::applyWeightSurgery(*m, randomMask);
            const eval::EvalResult rc = eval::evaluate(*m, tok, conflictBench.data.items, nullptr, letterEval());
            const eval::EvalResult rs = eval::evaluate(*m, tok, sourceBench.data.items, nullptr, letterEval());
            addGroundTruth(res.groundTruth["random_prune_only"], rc, conflictBench, rs, sourceBench);
            if (ws) {
                for (const auto* pr : {&rc, &rs}) {
                    const Bench& b = pr == &rc ? conflictBench : sourceBench;
                    eval::EvalRunInfo info;
                    info.modelDir = modelDir;
                    info.benchmarkPath = b.path;
                    info.benchmarkFormat = b.data.format;
                    info.benchmarkItems = static_cast<std::int64_t>(b.data.items.size());
                    info.params = {{"scoring", "letter"}, {"demo_run", demoRun}, {"condition", "random_prune_only"},
                                   {"seed", seed}, {"mask", randomMask.format()}};
                    eval::storeEvalRun(*ws, *m, info, *pr);
                }
            }
        }
        timings["ablation"] = since(t);

        // 5. Localisation probe: is the shortcut carried by MLP neurons that pruning could remove, and does
        //    the method find them? Ablation only (no fine-tuning), on the base model:
        //    - sweep: the method's top p% (same contrast, global top-k) vs random neurons of the same
        //      count per layer vs an oracle's top p%; the oracle attributes the *tags' option* (margin
        //      objective) on the source_conflict items where the model follows the tags -- what drives
        //      the shortcut answer -- contrasted with member like the method. The oracle uses ground
        //      truth no real benchmark has: it says what MLP pruning could do at best, not what the
        //      method can.
        //    - whole layers: every MLP neuron of one layer zeroed.
        t = Clock::now();
        progress.setStage("demo: localisation probe");
        {
            const Bench& memberBench = benchNamed(benches, "member");
            std::unique_ptr<Model> probeModel = Model::load(modelDir);
            auto measure = [&](const prune::PruneMask& mask) {
                std::unique_ptr<Model> m = Model::load(modelDir);
                if (!mask.empty()) prune::applyWeightSurgery(*m, mask);
                GroundTruthSeries g;
                const eval::EvalResult rc = eval::evaluate(*m, tok, conflictBench.data.items, nullptr, letterEval());
                const eval::EvalResult rs = eval::evaluate(*m, tok, sourceBench.data.items, nullptr, letterEval());
                const eval::EvalResult rm = eval::evaluate(*m, tok, memberBench.data.items, nullptr, letterEval());
                addGroundTruth(g, rc, conflictBench, rs, sourceBench);
                return nlohmann::json{{"neurons", mask.size()}, {"cue_following", g.cueFollowing[0]},
                                      {"ambiguous_source_accuracy", g.ambiguousAccuracy[0]},
                                      {"conflict_accuracy", g.conflictAccuracy[0]}, {"member_accuracy", rm.summary.acc},
                                      {"source_accuracy", rs.summary.acc}};
            };
            const nlohmann::json base0 = measure(prune::PruneMask::forModel(*probeModel));
            // The floor a complete removal of the shortcut would reach: the base model on the same items
            // with the tags cut out of the prompt ("ref <tags>, " removed).
            nlohmann::json tagsRemoved;
            {
                auto strip = [](std::vector<data::McItem> items) {
                    for (data::McItem& it : items) it.question = removeTags(it.question);
                    return items;
                };
                const eval::EvalResult rc = eval::evaluate(*probeModel, tok, strip(conflictBench.data.items), nullptr, letterEval());
                const eval::EvalResult rs = eval::evaluate(*probeModel, tok, strip(sourceBench.data.items), nullptr, letterEval());
                GroundTruthSeries g;
                addGroundTruth(g, rc, conflictBench, rs, sourceBench);
                tagsRemoved = {{"cue_following", g.cueFollowing[0]}, {"ambiguous_source_accuracy", g.ambiguousAccuracy[0]},
                               {"conflict_accuracy", g.conflictAccuracy[0]}, {"source_accuracy", rs.summary.acc}};
            }

            // The oracle's items: conflict items whose answer is the tags' option; target = that option.
            const eval::EvalResult conflictBefore =
                eval::evaluate(*probeModel, tok, conflictBench.data.items, nullptr, letterEval());
            std::vector<attribution::AttributionItem> oracleItems;
            for (std::size_t i = 0; i < conflictBefore.items.size() && static_cast<int>(oracleItems.size()) < o.attributedItems; ++i) {
                const int cue = conflictBench.lab[i].cue;
                if (cue < 0 || conflictBefore.items[i].pred != cue) continue;
                attribution::AttributionItem ai;
                ai.id = static_cast<std::int64_t>(i);
                ai.inputIds = tok.encode(data::letterPrompt(conflictBench.data.items[i]), false);
                ai.target = letters[static_cast<std::size_t>(cue)];
                ai.optionTokens = letters;
                oracleItems.push_back(ai);
            }
            nlohmann::json probe;
            probe["baseline"] = base0;
            probe["tags_removed"] = tagsRemoved;
            probe["oracle_items"] = oracleItems.size();
            std::optional<attribution::ContrastResult> oracleCon;
            if (!oracleItems.empty()) {
                attribution::ScoreAccumulator acc(layers, probeModel->intermediateSize());
                attribution::attributeItems(*probeModel, oracleItems, o.ig, meanBase, {},
                    [&](const attribution::ItemAttribution& ia) { acc.add(ia.id, ia.matrix()); }, Progress::none());
                const attribution::NeuronScores oracle = acc.result();
                oracleCon = attribution::contrast(oracle, {&scores["member"]}, o.contrast);
            }
            auto topMask = [&](const attribution::ContrastResult& c, std::int64_t k) {
                prune::PolicyParams pp;
                pp.kind = prune::PolicyKind::GlobalTopK;
                pp.k = k;
                return prune::selectNeurons(prune::ScoreMatrix::make(c.layers, c.score, c.selectable), pp, probeModel->numLayers());
            };
            // Recipes with reserved second-stage neurons know exactly where the shortcut was learned.
            const prune::PruneMask reserved = o.recipe.shortcutNeuronMask();
            auto overlap = [&](const prune::PruneMask& m) {
                std::int64_t n = 0;
                for (const prune::Neuron& x : m.neurons()) n += reserved.contains(x);
                return n;
            };
            if (!reserved.empty()) {
                nlohmann::json r = measure(reserved);
                r["method_mask_overlap"] = overlap(methodMask);
                r["method_mask_size"] = methodMask.size();
                // Expected overlap of a random mask with the method's per-layer counts.
                double chance = 0;
                for (const auto& [l, n] : methodMask.countsPerLayer())
                    chance += static_cast<double>(n) * static_cast<double>(reserved.neuronsOf(l).size()) /
                              static_cast<double>(probeModel->intermediateSize());
                r["random_mask_expected_overlap"] = chance;
                probe["shortcut_neurons"] = r;
            }
            nlohmann::json sweep = nlohmann::json::array();
            for (double pct : o.probePercents) {
                const std::int64_t k = prune::percentCount(pct, selectable);
                const prune::PruneMask mm = topMask(con, k);
                nlohmann::json row = {{"percent", pct}, {"k", k}, {"method", measure(mm)}};
                if (!reserved.empty()) row["method"]["shortcut_overlap"] = overlap(mm);
                nlohmann::json randoms = nlohmann::json::array();
                std::vector<double> cue, amb, mem;
                for (std::uint64_t seed : setup.seeds) {
                    const nlohmann::json r = measure(prune::randomLike(mm, data::deriveSeed(seed, 900 + static_cast<std::uint64_t>(pct * 10))));
                    cue.push_back(r["cue_following"].get<double>());
                    amb.push_back(r["ambiguous_source_accuracy"].get<double>());
                    mem.push_back(r["member_accuracy"].get<double>());
                }
                row["random"] = {{"cue_following", stats(cue)}, {"ambiguous_source_accuracy", stats(amb)},
                                 {"member_accuracy", stats(mem)}};
                if (oracleCon) {
                    const prune::PruneMask om = topMask(*oracleCon, k);
                    row["oracle"] = measure(om);
                    if (!reserved.empty()) row["oracle"]["shortcut_overlap"] = overlap(om);
                }
                sweep.push_back(row);
            }
            probe["sweep"] = sweep;
            nlohmann::json perLayerAblation = nlohmann::json::array();
            for (int L = 0; L < probeModel->numLayers(); ++L) {
                prune::PruneMask whole = prune::PruneMask::forModel(*probeModel);
                for (std::int64_t n = 0; n < probeModel->intermediateSize(); ++n) whole.add({L, n});
                nlohmann::json r = measure(whole);
                r["layer"] = L;
                perLayerAblation.push_back(r);
            }
            probe["whole_layer"] = perLayerAblation;
            res.probe = probe;
        }
        timings["probe"] = since(t);

        // 5. Summary.
        const auto& gt = res.groundTruth;
        nlohmann::json s;
        s["reliance_before"] = {{"cue_following", gt.at("before").cueFollowing.at(0)},
                                {"conflict_accuracy", gt.at("before").conflictAccuracy.at(0)},
                                {"ambiguous_source_accuracy", gt.at("before").ambiguousAccuracy.at(0)}};
        const double methodDrop = gt.at("prune_only").cueFollowing.at(0) - gt.at("before").cueFollowing.at(0);
        int randomAsLarge = 0;
        for (double v : gt.at("random_prune_only").cueFollowing)
            randomAsLarge += (v - gt.at("before").cueFollowing.at(0)) <= methodDrop;
        s["ablation"] = {
            {"method_neurons_cue_following_change", methodDrop},
            {"random_neurons_cue_following_change", pairedDiff(gt.at("random_prune_only").cueFollowing, gt.at("before").cueFollowing)},
            {"random_draws_with_a_drop_at_least_as_large", randomAsLarge},
            {"method_neurons_ambiguous_accuracy_change",
             gt.at("prune_only").ambiguousAccuracy.at(0) - gt.at("before").ambiguousAccuracy.at(0)},
            {"random_neurons_ambiguous_accuracy_change",
             pairedDiff(gt.at("random_prune_only").ambiguousAccuracy, gt.at("before").ambiguousAccuracy)}};
        nlohmann::json after = nlohmann::json::object();
        for (const auto& [c, g] : gt) after[c] = {{"cue_following", stats(g.cueFollowing)}, {"conflict_accuracy", stats(g.conflictAccuracy)}};
        s["cue_following_by_condition"] = after;
        nlohmann::json paired = nlohmann::json::object();
        if (accs.count("method") && accs.count("finetune_only") && accs.count("random_finetune"))
            for (const auto& [b, v] : accs.at("method"))
                paired[b] = {{"method_minus_finetune_only", pairedDiff(v, accs.at("finetune_only").at(b))},
                             {"method_minus_random_finetune", pairedDiff(v, accs.at("random_finetune").at(b))},
                             {"finetune_only_minus_before", pairedDiff(accs.at("finetune_only").at(b), accs.at("before").at(b))}};
        s["paired_accuracy_differences"] = paired;
        res.summary = s;
        res.wallSeconds = since(wallStart);
        timings["total"] = res.wallSeconds;
        res.timings = timings;
        if (ws) {
            workspace::ArtifactRecord art;
            art.runId = demoRun;
            art.kind = "lab_build";
            art.path = res.build.dir;
            art.meta = res.build.info;
            ws->addArtifact(art);
            ws->finishRun(demoRun, {{"wall_seconds", res.wallSeconds}, {"ground_truth", s}, {"mask", res.mask},
                                    {"probe", res.probe}});
        }
    } catch (const Cancelled&) {
        if (ws) ws->cancelRun(demoRun);
        throw;
    } catch (const std::exception& e) {
        if (ws) ws->failRun(demoRun, e.what());
        throw;
    }
    return res;
}

std::string formatDemoReport(const DemoResult& r) {
    std::ostringstream out;
    out << "Shortcut Lab (docs/shortcut-lab.md)\n"
        << "  source: tags always name the gold (in half the items only the tags can decide)\n"
        << "  source_conflict, outlier_tagged: tags name a wrong option; member, outlier: no tags\n\n";
    out << compare::formatTable(r.comparison) << "\n";
    const auto& s = r.summary;
    const auto& gt = r.groundTruth;
    out << "Ground truth (source_conflict: cue-following = share of answers naming the tags' option; chance 0.25)\n";
    out << "  before: cue-following " << fmt(s["reliance_before"]["cue_following"].get<double>()) << ", conflict accuracy "
        << fmt(s["reliance_before"]["conflict_accuracy"].get<double>()) << ", ambiguous-source accuracy "
        << fmt(s["reliance_before"]["ambiguous_source_accuracy"].get<double>()) << " (0.5 without the tags)\n";
    const auto& ab = s["ablation"];
    const int draws = static_cast<int>(gt.at("random_prune_only").cueFollowing.size());
    out << "  ablating the method's " << r.mask["count"].get<std::int64_t>() << " neurons alone: cue-following "
        << signedFmt(ab["method_neurons_cue_following_change"].get<double>()) << ", ambiguous-source accuracy "
        << signedFmt(ab["method_neurons_ambiguous_accuracy_change"].get<double>()) << "\n"
        << "  random neurons, same count per layer (" << draws << " draws): cue-following "
        << signedFmt(ab["random_neurons_cue_following_change"]["mean"].get<double>()) << " (sd "
        << fmt(ab["random_neurons_cue_following_change"]["sd"].get<double>()) << "), ambiguous-source accuracy "
        << signedFmt(ab["random_neurons_ambiguous_accuracy_change"]["mean"].get<double>()) << "; draws with a drop at least as large: "
        << ab["random_draws_with_a_drop_at_least_as_large"].get<int>() << "/" << draws << "\n";
    out << "  cue-following by condition (mean over runs):";
    for (const auto& [c, g] : gt) out << " " << c << " " << fmt(mean(g.cueFollowing));
    out << "\n  paired accuracy differences over seeds (mean, sd):\n";
    for (const auto& [b, p] : s["paired_accuracy_differences"].items()) {
        out << "    " << std::left << std::setw(16) << b << " method - finetune_only "
            << signedFmt(p["method_minus_finetune_only"]["mean"].get<double>()) << " (" << fmt(p["method_minus_finetune_only"]["sd"].get<double>())
            << ")  method - random_finetune " << signedFmt(p["method_minus_random_finetune"]["mean"].get<double>()) << " ("
            << fmt(p["method_minus_random_finetune"]["sd"].get<double>()) << ")  finetune_only - before "
            << signedFmt(p["finetune_only_minus_before"]["mean"].get<double>()) << "\n";
    }
    out << "  method mask per layer: " << r.mask["per_layer"].dump() << " of " << r.mask["selectable"].get<std::int64_t>()
        << " selectable; mean |IG| mass per layer: " << r.mask["mean_abs_ig_per_layer"].dump() << "\n";
    if (!r.probe.is_null() && r.probe.contains("sweep")) {
        const auto& p = r.probe;
        out << "\nLocalisation probe (ablation only, base model; cue = cue-following on source_conflict, amb = accuracy on\n"
            << "ambiguous source items, mem = member accuracy). before: cue " << fmt(p["baseline"]["cue_following"].get<double>())
            << "  amb " << fmt(p["baseline"]["ambiguous_source_accuracy"].get<double>()) << "  mem "
            << fmt(p["baseline"]["member_accuracy"].get<double>()) << "\n";
        if (p.contains("tags_removed"))
            out << "  the floor (base model, tags cut out of the prompts: what removing the shortcut entirely would give): cue "
                << fmt(p["tags_removed"]["cue_following"].get<double>()) << "  amb "
                << fmt(p["tags_removed"]["ambiguous_source_accuracy"].get<double>()) << "\n";
        out << "  pruned            method: cue    amb    mem   random (mean of " << r.groundTruth.at("random_prune_only").cueFollowing.size()
            << "): cue    amb    mem   oracle (" << p["oracle_items"].get<std::int64_t>() << " items): cue    amb    mem\n";
        for (const auto& row : p["sweep"]) {
            out << "  " << std::right << std::setw(5) << fmt(row["percent"].get<double>(), 0) << "% (" << std::setw(4)
                << row["k"].get<std::int64_t>() << ")        " << fmt(row["method"]["cue_following"].get<double>()) << "  "
                << fmt(row["method"]["ambiguous_source_accuracy"].get<double>()) << "  " << fmt(row["method"]["member_accuracy"].get<double>())
                << "                " << fmt(row["random"]["cue_following"]["mean"].get<double>()) << "  "
                << fmt(row["random"]["ambiguous_source_accuracy"]["mean"].get<double>()) << "  "
                << fmt(row["random"]["member_accuracy"]["mean"].get<double>());
            if (row.contains("oracle"))
                out << "                 " << fmt(row["oracle"]["cue_following"].get<double>()) << "  "
                    << fmt(row["oracle"]["ambiguous_source_accuracy"].get<double>()) << "  "
                    << fmt(row["oracle"]["member_accuracy"].get<double>());
            out << "\n";
        }
        if (p.contains("shortcut_neurons")) {
            const auto& sn = p["shortcut_neurons"];
            out << "  the lab's " << sn["neurons"].get<std::int64_t>() << " reserved second-stage neurons zeroed: cue "
                << fmt(sn["cue_following"].get<double>()) << "  amb " << fmt(sn["ambiguous_source_accuracy"].get<double>())
                << "  mem " << fmt(sn["member_accuracy"].get<double>()) << "; the method's mask holds "
                << sn["method_mask_overlap"].get<std::int64_t>() << " of them (of " << sn["method_mask_size"].get<std::int64_t>()
                << " neurons; random masks: " << fmt(sn["random_mask_expected_overlap"].get<double>(), 1) << " expected)\n";
            out << "  reserved neurons in the top p%: method";
            for (const auto& row : p["sweep"]) out << " " << row["method"].value("shortcut_overlap", 0) << "/" << row["k"].get<std::int64_t>();
            out << "; oracle";
            for (const auto& row : p["sweep"])
                if (row.contains("oracle")) out << " " << row["oracle"].value("shortcut_overlap", 0) << "/" << row["k"].get<std::int64_t>();
            out << "\n";
        }
        out << "  whole MLP layer zeroed:";
        for (const auto& row : p["whole_layer"])
            out << "  L" << row["layer"].get<int>() << " cue " << fmt(row["cue_following"].get<double>()) << " amb "
                << fmt(row["ambiguous_source_accuracy"].get<double>()) << " mem " << fmt(row["member_accuracy"].get<double>()) << ";";
        out << "\n";
    }
    out << "\nLab model: " << (r.build.fromCache ? "reused from " : "built now in ") << r.build.dir << " ("
        << fmt(r.build.seconds, 1) << " s)\n";
    out << "Timings (s): " << r.timings.dump() << "\n";
    out << "Wall time: " << fmt(r.wallSeconds, 1) << " s\n";
    return out.str();
}

}  // namespace prominence::lab
