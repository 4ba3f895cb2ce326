#include "core/study/finetune_step.h"

#include <filesystem>

#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

void FinetuneParams::validate() const {
    if (modelDir.empty()) throw ParamsError("finetune needs a model directory");
    if (benchmarkPath.empty()) throw ParamsError("finetune needs a benchmark");
    if (outputDir.empty()) throw ParamsError("finetune needs an output directory");
    if (!mask.empty() && workspacePath.empty()) throw ParamsError("--mask needs --workspace W");
    asParamsError([&] { train.validate(); });
}

std::string finetuneCheckpointDir(const std::string& outputDir) {
    std::string dir = outputDir;
    while (dir.size() > 1 && (dir.back() == '/' || dir.back() == '\\')) dir.pop_back();
    return dir + "-checkpoints";
}

FinetuneResult runFinetune(const FinetuneParams& p, Progress& progress, const Log& log) {
    p.validate();
    train::TrainOptions options = p.train;
    if (options.checkpointDir.empty()) options.checkpointDir = finetuneCheckpointDir(p.outputDir);
    auto model = Model::load(p.modelDir);
    const std::string tokenizerPath = p.tokenizer.empty() ? p.modelDir : p.tokenizer;
    const Tokenizer tokenizer = Tokenizer::load(tokenizerPath);
    data::LoadOptions lo;
    lo.format = p.format;
    const data::Benchmark bench = data::loadBenchmark(p.benchmarkPath, lo);

    // Fine-tuning (+ validation) items: from the training file, never an item of the benchmark, or
    // held out of the benchmark.
    std::vector<data::McItem> trainItems, valItems;
    std::string origin;
    const auto shots = static_cast<std::ptrdiff_t>(p.shots);
    if (!p.trainFile.empty()) {
        const data::Benchmark pool = data::loadBenchmark(p.trainFile, lo);
        std::vector<data::McItem> drawn =
            train::sampleFewShot(pool.items, p.shots + p.validation, options.seed, bench.items);
        trainItems.assign(drawn.begin(), drawn.begin() + shots);
        valItems.assign(drawn.begin() + shots, drawn.end());
        origin = p.trainFile;
    } else {
        const train::FewShotSplit split =
            train::holdOutFewShot(bench.items, p.shots + p.validation, options.seed);
        trainItems.assign(split.train.begin(), split.train.begin() + shots);
        valItems.assign(split.train.begin() + shots, split.train.end());
        origin = "held out of " + p.benchmarkPath;
    }
    const auto examples = train::mcExamples(trainItems, tokenizer, p.examples);
    const auto validation = train::mcExamples(valItems, tokenizer, p.examples);

    std::optional<workspace::Workspace> ws;
    if (!p.workspacePath.empty()) ws.emplace(workspace::Workspace::open(p.workspacePath));
    prune::PruneMask mask = prune::PruneMask::forModel(*model);
    nlohmann::json maskMeta;
    std::optional<workspace::Id> maskId;
    if (!p.mask.empty()) {
        const prune::StoredMask stored = prune::loadMaskByRef(*ws, p.mask);
        stored.mask.checkFits(*model, "mask '" + stored.name + "'");
        mask = stored.mask;
        maskId = stored.id;
        maskMeta = {{"id", stored.id}, {"name", stored.name}, {"provenance", stored.provenance}};
    } else if (!p.neurons.empty()) {
        try {
            mask =
                prune::PruneMask::parse(p.neurons, model->numLayers(), model->intermediateSize());
        } catch (const InvalidArgument& e) {
            throw ParamsError(std::string("--neurons: ") + e.what());
        }
        maskMeta = {{"provenance", {{"policy", "explicit"}}}};
    }
    if (!mask.empty()) options.hold = &mask;

    nlohmann::json ids = nlohmann::json::array();
    for (const auto& it : trainItems) ids.push_back(it.id);
    const nlohmann::json params = {
        {"model", p.modelDir},          {"benchmark", p.benchmarkPath},
        {"train_items_from", origin},   {"shots", p.shots},
        {"validation", p.validation},   {"scoring", train::answerStyleName(p.examples.style)},
        {"add_bos", p.examples.addBos}, {"train", options.toJson()},
        {"train_item_ids", ids},        {"mask", mask.empty() ? nlohmann::json() : mask.toJson()}};
    FinetuneResult out;
    if (ws) {
        workspace::RunStart start;
        start.kind = "finetune";
        start.name = p.outputDir;
        start.params = params;
        out.runId = ws->beginRun(start);
    }
    // Checkpoints as they are written: loadable on their own (tokenizer beside the weights) and in
    // the workspace at once, so a cancel or a crash later keeps them.
    std::vector<train::SavedCheckpoint> saved;
    std::int64_t stepsDone = 0;
    auto keep = [&](const train::SavedCheckpoint& c) {
        exporting::copyTokenizerFiles(tokenizerPath, c.path);
        saved.push_back(c);
        if (!ws) return;
        workspace::CheckpointRecord rec;
        rec.runId = *out.runId;
        rec.step = c.step;
        rec.path = c.path;
        rec.maskId = maskId;
        rec.metrics = {{"loss", out.training.history.empty() ? 0.0 : out.training.history.back().loss}};
        ws->addCheckpoint(rec);
    };
    auto checkpointList = [&] {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : saved) list.push_back({{"step", c.step}, {"path", c.path}});
        return list;
    };
    options.onStep = [&, user = p.train.onStep](const train::StepRecord& r) {
        stepsDone = r.step;
        out.training.history.push_back(r);  // the last loss, for the checkpoint's metrics
        if (user) user(r);
    };
    options.onCheckpoint = [&, user = p.train.onCheckpoint](const train::SavedCheckpoint& c) {
        keep(c);
        if (user) user(c);
    };
    try {
        progress.setStage("fine-tuning");
        try {
            out.training = train::train(*model, examples, validation, options, progress);
        } catch (const Cancelled&) {
            if (stepsDone > 0 && (saved.empty() || saved.back().step != stepsDone)) {
                // The model holds the weights of the last finished step (train's contract).
                const train::SavedCheckpoint c{
                    stepsDone, (std::filesystem::path(options.checkpointDir) /
                                ("step-" + std::to_string(stepsDone)))
                                   .string()};
                try {
                    model->saveCheckpoint(c.path);
                    keep(c);
                    if (p.train.onCheckpoint) p.train.onCheckpoint(c);
                } catch (const std::exception& e) {
                    if (log) log("finetune: cancelled, and the last step's checkpoint could not be written: " +
                                 std::string(e.what()));
                }
            }
            throw;
        }
        const train::TrainResult& result = out.training;
        exporting::ExportOptions eo;
        eo.overwrite = p.overwrite;
        eo.tokenizerSource = tokenizerPath;
        eo.prominence = {{"finetune", params},
                         {"training", result.toJson()},
                         {"mask", maskMeta.is_null() ? nlohmann::json() : maskMeta}};
        const exporting::ExportResult written =
            exporting::exportCheckpoint(*model, p.outputDir, eo);
        out.outputDir = written.dir;
        nlohmann::json& summary = out.summary;
        summary = result.toJson();
        summary.erase("history");
        summary["output"] = written.dir;
        summary["train_item_ids"] = ids;
        summary["pruned"] = mask.size();
        if (ws) {
            workspace::CheckpointRecord rec;
            rec.runId = *out.runId;
            rec.step = result.steps;
            rec.path = written.dir;
            rec.maskId = maskId;
            rec.metrics = {
                {"final_loss", result.history.empty() ? 0.0 : result.history.back().loss}};
            ws->addCheckpoint(rec);
            ws->finishRun(*out.runId, summary);
            summary["run_id"] = *out.runId;
        }
    } catch (const Cancelled&) {
        if (ws) ws->cancelRun(*out.runId, {{"steps", stepsDone}, {"checkpoints", checkpointList()}});
        throw;
    } catch (const std::exception& e) {
        if (ws) ws->failRun(*out.runId, e.what());
        throw;
    }
    return out;
}

}  // namespace prominence::study
