#include "core/study/pipeline_step.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "core/attribution/aggregate.h"
#include "core/attribution/baseline.h"
#include "core/attribution/contrast.h"
#include "core/attribution/dataset_attribution.h"
#include "core/attribution/run.h"
#include "core/compare/comparison.h"
#include "core/data/benchmark_loader.h"
#include "core/eval/eval_store.h"
#include "core/eval/evaluator.h"
#include "core/eval/selection.h"
#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/selection.h"
#include "core/train/few_shot.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Reads the config with every key checked: unknown keys are errors (a typo must not silently run
// the default), wrong types name the key path.
class Config {
public:
    Config(json j, std::string file, std::string path)
        : j_(std::move(j)), file_(std::move(file)), path_(std::move(path)) {
        if (!j_.is_object()) fail("must be an object");
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(file_ + ": " + (path_.empty() ? std::string("config") : path_) + ": " +
                          what);
    }
    void allow(const std::set<std::string>& keys) const {
        for (auto it = j_.begin(); it != j_.end(); ++it)
            if (!keys.count(it.key())) fail("unknown key '" + it.key() + "'");
    }
    bool has(const std::string& k) const { return j_.contains(k) && !j_.at(k).is_null(); }
    template <typename T>
    T get(const std::string& k, T fallback) const {
        if (!has(k)) return fallback;
        try {
            return j_.at(k).get<T>();
        } catch (const json::exception&) {
            fail("key '" + k + "' has the wrong type: " + j_.at(k).dump());
        }
    }
    template <typename T>
    T need(const std::string& k) const {
        if (!has(k)) fail("missing key '" + k + "'");
        return get<T>(k, T{});
    }
    Config sub(const std::string& k) const {
        return Config(has(k) ? j_.at(k) : json::object(), file_,
                      path_.empty() ? k : path_ + "." + k);
    }
    std::vector<Config> list(const std::string& k) const {
        std::vector<Config> out;
        if (!has(k)) return out;
        if (!j_.at(k).is_array()) fail("key '" + k + "' must be an array");
        for (std::size_t i = 0; i < j_.at(k).size(); ++i)
            out.emplace_back(j_.at(k)[i], file_,
                             (path_.empty() ? k : path_ + "." + k) + "[" + std::to_string(i) + "]");
        return out;
    }
    const json& raw() const { return j_; }
    // Resolves a path relative to the config file's directory.
    std::string pathOf(const std::string& k) const {
        const std::string p = need<std::string>(k);
        const fs::path fp(p);
        return (fp.is_absolute() ? fp : fs::path(file_).parent_path() / fp)
            .lexically_normal()
            .string();
    }

private:
    json j_;
    std::string file_;
    std::string path_;
};

struct Dataset {
    std::string name;
    std::string path;
    std::string format;
    std::vector<data::McItem> items;  // evaluated items
    std::vector<data::McItem> pool;   // source only: fine-tuning pool
    workspace::Id evalRun = 0;
    eval::EvalResult before;
    workspace::Id selectionId = 0;
    std::vector<std::int64_t> selected;  // item indices, best first
};

Dataset loadDataset(const Config& c, std::uint64_t splitSeed, bool source, std::size_t poolSize) {
    c.allow({"name", "path", "format", "limit", "train_file"});
    Dataset d;
    d.path = c.pathOf("path");
    d.name = c.get<std::string>("name", fs::path(d.path).stem().string());
    data::LoadOptions lo;
    lo.format = data::parseFormat(c.get<std::string>("format", "auto"));
    const data::Benchmark b = data::loadBenchmark(d.path, lo);
    d.format = b.format;
    std::vector<data::McItem> items = b.items;
    if (source) {
        if (c.has("train_file")) {
            const data::Benchmark pool = data::loadBenchmark(c.pathOf("train_file"), lo);
            d.pool = pool.items;
        } else {
            const train::FewShotSplit split = train::holdOutFewShot(items, poolSize, splitSeed);
            d.pool = split.train;
            items = split.evaluation;
        }
    }
    const auto limit = c.get<std::int64_t>("limit", 0);
    if (limit < 0) c.fail("limit must be >= 0");
    if (limit > 0 && static_cast<std::size_t>(limit) < items.size())
        items.resize(static_cast<std::size_t>(limit));
    d.items = std::move(items);
    if (source && c.has("train_file")) {
        // Keep the pool disjoint from what is evaluated.
        d.pool =
            train::sampleFewShot(d.pool, std::min(poolSize, d.pool.size()), splitSeed, d.items);
    }
    return d;
}

void note(const Log& log, const std::string& text) {
    if (log) log("run: " + text);
}

}  // namespace

PipelineResult runPipeline(const PipelineParams& params, Progress& progress, const Log& log) {
    const std::string& file = params.configFile;
    const json& raw = params.config;
    const Config cfg(raw, file, "");
    cfg.allow({"name", "workspace", "model", "tokenizer", "device", "dtype", "seed", "eval",
               "source", "references", "transfer", "select", "attribution", "aggregate", "contrast",
               "prune", "finetune", "compare", "export"});
    const std::string name = cfg.get<std::string>("name", "pipeline");
    const auto splitSeed = cfg.get<std::uint64_t>("seed", 0);

    // Parse everything before any work starts, so a bad key fails in a second, not after an hour.
    LoadOptions load;
    load.device = parseDevice(cfg.get<std::string>("device", "cpu"));
    load.dtype = parseComputeDtype(cfg.get<std::string>("dtype", "float32"));
    const Config ec = cfg.sub("eval");
    ec.allow({"scoring", "shots", "seed", "add_bos", "batch_size", "max_batch_tokens"});
    eval::EvalOptions eo;
    eo.scoring = eval::parseScoring(ec.get<std::string>("scoring", "letter"));
    eo.shots = ec.get<int>("shots", 0);
    eo.seed = ec.get<std::uint64_t>("seed", 1234);
    eo.addBos = ec.get<bool>("add_bos", false);
    eo.maxBatchRows = ec.get<std::int64_t>("batch_size", 32);
    eo.maxBatchTokens = ec.get<std::int64_t>("max_batch_tokens", 8192);
    eo.validate();

    const Config sc = cfg.sub("select");
    sc.allow({"threshold", "top_k"});
    eval::SelectionCriteria criteria;
    if (sc.has("threshold")) criteria.threshold = sc.get<double>("threshold", 0.0);
    if (sc.has("top_k")) criteria.topK = sc.get<std::int64_t>("top_k", 0);
    if (!criteria.threshold && !criteria.topK) criteria.threshold = 0.9;
    criteria.validate();

    const attribution::AttributionParams ap =
        attribution::AttributionParams::fromJson(cfg.sub("attribution").raw());
    const attribution::AggregateParams agg =
        attribution::AggregateParams::fromJson(cfg.sub("aggregate").raw());
    const attribution::ContrastParams cp =
        attribution::ContrastParams::fromJson(cfg.sub("contrast").raw());
    if (!cfg.has("prune")) cfg.fail("missing key 'prune' (the selection policy)");
    const prune::PolicyParams policy =
        prune::PolicyParams::fromJson(cfg.sub("prune").raw(), file + ": prune");

    const Config fc = cfg.sub("finetune");
    const auto shots = fc.get<std::size_t>("shots", 16);
    const auto poolSize = fc.get<std::size_t>("pool", std::max<std::size_t>(2 * shots, shots + 8));
    json trainJson = fc.raw();
    trainJson.erase("shots");
    trainJson.erase("pool");
    train::TrainOptions to = train::TrainOptions::fromJson(trainJson, file + ": finetune");

    const Config cc = cfg.sub("compare");
    cc.allow({"seeds", "conditions", "bootstrap", "keep_checkpoints"});
    std::vector<std::uint64_t> seeds = cc.get<std::vector<std::uint64_t>>("seeds", {1, 2, 3});
    std::vector<compare::Condition> conditions;
    for (const std::string& c : cc.get<std::vector<std::string>>("conditions", {}))
        conditions.push_back(compare::parseCondition(c));
    if (conditions.empty()) conditions = compare::allConditions();
    const Config bc = cc.sub("bootstrap");
    bc.allow({"resamples", "level", "seed"});
    BootstrapOptions boot;
    boot.resamples = bc.get<int>("resamples", 2000);
    boot.level = bc.get<double>("level", 0.95);
    boot.seed = bc.get<std::uint64_t>("seed", 0);
    const bool keepCheckpoints = cc.get<bool>("keep_checkpoints", true);

    const Config xc = cfg.sub("export");
    xc.allow({"output", "seed", "max_shard_size_bytes", "dtype", "overwrite"});
    const bool doExport = xc.has("output");
    const auto exportSeed = xc.get<std::uint64_t>("seed", seeds.empty() ? 0 : seeds.front());
    if (doExport) {
        if (std::find(conditions.begin(), conditions.end(), compare::Condition::Method) ==
            conditions.end())
            xc.fail("exporting the method's model needs the 'method' condition");
        if (std::find(seeds.begin(), seeds.end(), exportSeed) == seeds.end())
            xc.fail("seed " + std::to_string(exportSeed) + " is not among compare.seeds");
        if (!keepCheckpoints)
            xc.fail(
                "exporting needs compare.keep_checkpoints (the export is the method's checkpoint)");
    }

    // Model, tokenizer, data.
    const std::string modelDir = cfg.pathOf("model");
    auto model = Model::load(modelDir, load);
    const Tokenizer tokenizer =
        Tokenizer::load(cfg.has("tokenizer") ? cfg.pathOf("tokenizer") : modelDir);
    if (eo.addBos && !tokenizer.bosId()) ec.fail("add_bos: the tokenizer defines no BOS token");
    if (!cfg.has("source")) cfg.fail("missing key 'source'");
    Dataset source = loadDataset(cfg.sub("source"), splitSeed, true, poolSize);
    std::vector<Dataset> references, transfer;
    for (const Config& r : cfg.list("references"))
        references.push_back(loadDataset(r, splitSeed, false, 0));
    for (const Config& t : cfg.list("transfer"))
        transfer.push_back(loadDataset(t, splitSeed, false, 0));
    if (references.empty())
        cfg.fail("'references' must name at least one dataset to contrast the source with");
    ap.validate(model->numLayers());
    const std::vector<int> layers = ap.resolvedLayers(model->numLayers());

    auto ws = workspace::Workspace::openOrCreate(cfg.pathOf("workspace"));
    workspace::RunStart start;
    start.kind = "pipeline";
    start.name = name;
    start.params = raw;
    start.params["config_file"] = fs::absolute(file).string();
    const workspace::Id pipelineRun = ws.beginRun(start);
    PipelineResult result;
    result.pipelineRunId = pipelineRun;
    json& summary = result.summary;
    summary = {{"pipeline_run", pipelineRun}};
    try {
        // 1-2. eval (before) and high-confidence selection, for the source and every reference.
        std::vector<Dataset*> scored = {&source};
        for (Dataset& r : references) scored.push_back(&r);
        for (Dataset* d : scored) {
            progress.setStage("eval " + d->name);
            d->before = eval::evaluate(*model, tokenizer, d->items, nullptr, eo, progress);
            eval::EvalRunInfo info;
            info.modelDir = modelDir;
            info.benchmarkPath = d->path;
            info.benchmarkFormat = d->format;
            info.benchmarkItems = static_cast<std::int64_t>(d->items.size());
            info.params = {{"scoring", eval::scoringName(eo.scoring)},
                           {"shots", eo.shots},
                           {"seed", eo.seed},
                           {"add_bos", eo.addBos},
                           {"pipeline_run", pipelineRun},
                           {"role", d == &source ? "source" : "reference"},
                           {"items", d == &source ? "without the fine-tuning pool" : "all"}};
            d->evalRun = eval::storeEvalRun(ws, *model, info, d->before);
            d->selected = eval::selectHighConfidence(d->before.items, criteria);
            note(log, d->name + ": acc " + std::to_string(d->before.summary.acc) + " on " +
                          std::to_string(d->items.size()) + " items, " +
                          std::to_string(d->selected.size()) + " high-confidence");
            if (d->selected.empty())
                throw InvalidArgument(d->name + ": no item meets the selection criteria " +
                                      criteria.toJson().dump() + " (accuracy " +
                                      std::to_string(d->before.summary.acc) +
                                      "); lower select.threshold or use top_k");
            workspace::Selection sel;
            sel.runId = d->evalRun;
            sel.name = name + "/high-confidence";
            sel.criteria = criteria.toJson();
            sel.itemIndices = d->selected;
            d->selectionId = ws.saveSelection(sel);
        }

        // 3-4. IG per item and layer, aggregated per dataset; contrast of the source with the
        // references. One attribution run per dataset (IG items are keyed by item and layer within
        // a run); the source's run stays open until the contrast is stored in it.
        std::vector<workspace::Id> attrRuns;
        try {
            // One mean baseline for every dataset (so the contrast compares like with like): the
            // mean activation over the selected items of the source and every reference.
            attribution::SelectionAttributionOptions ao;
            ao.params = ap;
            ao.aggregate = agg;
            ao.parentRunId = pipelineRun;
            ao.extraParams = {{"contrast", cp.toJson()}};
            const attribution::PromptEncoding enc{eo.scoring, eo.addBos};
            if (ap.baseline == attribution::BaselineKind::Mean) {
                std::vector<attribution::AttributionItem> pooled;
                for (const Dataset* d : scored) {
                    const auto items = attribution::attributionItemsFromScores(
                        d->before.items, d->selected, tokenizer, enc);
                    pooled.insert(pooled.end(), items.begin(), items.end());
                }
                progress.setStage("mean baseline");
                ao.meanBaseline =
                    attribution::meanSiteActivations(*model, pooled, ap.positions, progress);
                ao.params.baselineSource =
                    "mean of blocks.L.mlp.post over the selected items of the source and every "
                    "reference";
            }
            std::vector<attribution::SelectionAttribution> done;
            for (const Dataset* d : scored) {
                ao.name = name + "/attribution/" + d->name;
                ao.dataset = d->name;
                progress.setStage("attribute " + d->name);
                // The source's run stays open until its contrast is stored in it.
                done.push_back(attribution::attributeSelection(
                    ws, *model, tokenizer, d->selectionId, ao, d == &source, progress));
                attrRuns.push_back(done.back().runId);
            }
            const workspace::Id attrRun = attrRuns.front();
            std::vector<const attribution::NeuronScores*> refs;
            std::vector<std::string> refNames;
            for (std::size_t i = 1; i < done.size(); ++i) {
                refs.push_back(&done[i].scores);
                refNames.push_back(scored[i]->name);
            }
            attribution::ContrastResult contrast;
            const workspace::Id contrastId =
                attribution::storeContrast(ws, attrRun, source.name, source.selectionId,
                                           done[0].scores, refs, refNames, cp, &contrast);
            const std::string contrastKind =
                ws.neuronScores(contrastId, workspace::ReadScope::Any).kind;
            ws.finishRun(attrRun, {{"items", done[0].scores.items},
                                   {"contrast_scores", contrastId},
                                   {"reference_runs", std::vector<workspace::Id>(
                                                          attrRuns.begin() + 1, attrRuns.end())}});
            summary["attribution_runs"] = attrRuns;

            // 5. prune: the policy over the contrast scores (excluded layers are not selectable).
            const prune::ScoreMatrix matrix =
                prune::ScoreMatrix::make(layers, contrast.score, contrast.selectable);
            const prune::PruneMask mask = prune::selectNeurons(matrix, policy, model->numLayers());
            if (mask.empty())
                throw InvalidArgument("the prune policy " + policy.toJson().dump() +
                                      " selected no neurons");
            const json provenance = {{"scores",
                                      {{"run", attrRun},
                                       {"id", contrastId},
                                       {"dataset", source.name},
                                       {"kind", contrastKind}}},
                                     {"policy", policy.toJson()}};
            workspace::RunStart ps;
            ps.kind = "prune";
            ps.name = name + "/mask";
            ps.parentRunId = pipelineRun;
            ps.inputs = {{attrRun, "scores"}};
            ps.params = provenance;
            const workspace::Id pruneRun = ws.beginRun(ps);
            const workspace::Id maskId =
                prune::saveMask(ws, name + "/mask", mask, provenance, pruneRun);
            ws.finishRun(pruneRun,
                         {{"mask_id", maskId}, {"count", mask.size()}, {"neurons", mask.format()}});
            summary["mask_id"] = maskId;
            summary["pruned"] = mask.format();
            note(log, "mask: " + std::to_string(mask.size()) + " neurons " + mask.format());

            // 6-7. fine-tune every condition and seed; compare.
            compare::ComparisonSetup setup;
            setup.modelDir = modelDir;
            setup.load = load;
            setup.tokenizer = &tokenizer;
            setup.source = {source.name, source.path, source.format, source.items};
            for (const Dataset& t : transfer)
                setup.transfer.push_back({t.name, t.path, t.format, t.items});
            setup.finetunePool = source.pool;
            setup.shots = shots;
            setup.eval = eo;
            setup.train = to;
            setup.methodMask = mask;
            setup.methodProvenance = provenance;
            setup.methodProvenance["mask_id"] = maskId;
            for (std::int64_t i : source.selected)
                setup.selectionPrompts.push_back(
                    source.before.items.at(static_cast<std::size_t>(i)).prompt);
            setup.seeds = seeds;
            setup.conditions = conditions;
            setup.bootstrap = boot;
            progress.setStage("compare");
            model.reset();  // every condition loads its own copy
            const compare::StoredComparison cmp = compare::runAndStoreComparison(
                ws, setup, name, keepCheckpoints, pipelineRun, progress);
            summary["compare_run"] = cmp.runId;
            summary["comparison_id"] = cmp.comparisonId;

            // 8. export the method's fine-tuned model of the export seed, with its mask and
            // metrics.
            if (doExport) {
                std::string ckpt;
                for (const auto& c : ws.checkpoints(cmp.runId))
                    if (c.metrics.value("condition", "") == "method" &&
                        c.metrics.value("seed", std::uint64_t(0)) == exportSeed)
                        ckpt = c.path;
                if (ckpt.empty())
                    throw StorageError("no stored checkpoint of the method for seed " +
                                       std::to_string(exportSeed));
                auto tuned = Model::load(ckpt);
                progress.setStage("exporting " + xc.pathOf("output"));
                exporting::ExportOptions xo;
                xo.overwrite = xc.get<bool>("overwrite", false);
                xo.dtype = xc.get<std::string>("dtype", "stored");
                xo.maxShardBytes = xc.get<std::uint64_t>("max_shard_size_bytes", xo.maxShardBytes);
                xo.tokenizerSource = cfg.has("tokenizer") ? cfg.pathOf("tokenizer") : modelDir;
                xo.prominence = {{"source_model", modelDir},
                                 {"mask", mask.toJson()},
                                 {"neurons", mask.format()},
                                 {"provenance", setup.methodProvenance},
                                 {"finetune",
                                  {{"seed", exportSeed},
                                   {"shots", shots},
                                   {"train", to.toJson()},
                                   {"checkpoint", ckpt}}},
                                 {"comparison",
                                  {{"id", cmp.comparisonId},
                                   {"cells", cmp.result.table.at("cells")},
                                   {"mcnemar", cmp.result.table.at("mcnemar")}}},
                                 {"pipeline_run", pipelineRun}};
                const exporting::ExportResult r =
                    exporting::exportCheckpoint(*tuned, xc.pathOf("output"), xo, progress);
                workspace::ExportRecord rec;
                rec.runId = pipelineRun;
                rec.maskId = maskId;
                rec.kind = "hf_checkpoint";
                rec.path = r.dir;
                rec.meta = r.toJson();
                ws.addExport(rec);
                summary["export"] = r.dir;
            }
            ws.finishRun(pipelineRun, summary);
            result.table = cmp.result.table;
            result.comparisonId = cmp.comparisonId;
        } catch (...) {
            for (workspace::Id id : attrRuns)
                if (ws.run(id).status == workspace::RunStatus::Running)
                    ws.failRun(id, "pipeline stopped");
            throw;
        }
    } catch (const Cancelled&) {
        ws.cancelRun(pipelineRun, summary);
        throw;
    } catch (const std::exception& e) {
        ws.failRun(pipelineRun, e.what());
        throw;
    }
    return result;
}

}  // namespace prominence::study
