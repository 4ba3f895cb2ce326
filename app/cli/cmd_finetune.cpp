// prominence-cli finetune: few-shot full-parameter fine-tuning on a benchmark's items, with a prune
// mask held at exactly zero, written as a Hugging Face checkpoint.
#include <fstream>
#include <optional>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/data/benchmark_loader.h"
#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/few_shot.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

train::TrainOptions trainOptions(const Args& args) {
    train::TrainOptions o;
    if (args.has("train-config")) {
        const std::string path = args.get("train-config");
        o = train::TrainOptions::fromJson(readJsonFile(path), path);
    }
    if (args.has("lr")) o.adamw.lr = args.getDouble("lr");
    if (args.has("weight-decay")) o.adamw.weightDecay = args.getDouble("weight-decay");
    if (args.has("epochs")) o.epochs = static_cast<int>(args.getInt("epochs"));
    if (args.has("max-steps")) o.maxSteps = args.getInt("max-steps");
    if (args.has("batch-size")) o.batchSize = static_cast<int>(args.getInt("batch-size"));
    if (args.has("grad-accumulation")) o.gradAccumulation = static_cast<int>(args.getInt("grad-accumulation"));
    if (args.has("warmup-steps")) o.warmupSteps = args.getInt("warmup-steps");
    if (args.has("schedule")) o.schedule = train::parseSchedule(args.get("schedule"));
    if (args.has("max-grad-norm")) o.maxGradNorm = args.getDouble("max-grad-norm");
    if (args.has("patience")) o.patience = static_cast<int>(args.getInt("patience"));
    o.seed = static_cast<std::uint64_t>(args.getInt("seed"));
    try {
        o.validate();
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    return o;
}

int runFinetune(const Args& args, Context& ctx) {
    train::TrainOptions options = trainOptions(args);
    const auto shots = static_cast<std::size_t>(args.getInt("shots"));
    const auto valCount = static_cast<std::size_t>(args.getInt("validation"));
    train::McExampleOptions exampleOptions;
    try {
        exampleOptions.style = train::parseAnswerStyle(args.get("scoring"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    exampleOptions.addBos = args.flag("add-bos");

    auto model = Model::load(args.get("model"));
    const Tokenizer tokenizer = Tokenizer::load(args.has("tokenizer") ? args.get("tokenizer") : args.get("model"));
    data::LoadOptions lo;
    lo.format = data::parseFormat(args.get("format"));
    const data::Benchmark bench = data::loadBenchmark(args.get("benchmark"), lo);

    // Fine-tuning (+ validation) items: from --train-file, never an item of the benchmark, or held out.
    std::vector<data::McItem> trainItems, valItems;
    std::string origin;
    if (args.has("train-file")) {
        const data::Benchmark pool = data::loadBenchmark(args.get("train-file"), lo);
        std::vector<data::McItem> drawn = train::sampleFewShot(pool.items, shots + valCount, options.seed, bench.items);
        trainItems.assign(drawn.begin(), drawn.begin() + static_cast<std::ptrdiff_t>(shots));
        valItems.assign(drawn.begin() + static_cast<std::ptrdiff_t>(shots), drawn.end());
        origin = args.get("train-file");
    } else {
        const train::FewShotSplit split = train::holdOutFewShot(bench.items, shots + valCount, options.seed);
        trainItems.assign(split.train.begin(), split.train.begin() + static_cast<std::ptrdiff_t>(shots));
        valItems.assign(split.train.begin() + static_cast<std::ptrdiff_t>(shots), split.train.end());
        origin = "held out of " + args.get("benchmark");
    }
    const auto examples = train::mcExamples(trainItems, tokenizer, exampleOptions);
    const auto validation = train::mcExamples(valItems, tokenizer, exampleOptions);

    std::optional<workspace::Workspace> ws;
    if (args.has("workspace")) ws.emplace(workspace::Workspace::open(args.get("workspace")));
    prune::PruneMask mask = prune::PruneMask::forModel(*model);
    nlohmann::json maskMeta;
    std::optional<workspace::Id> maskId;
    if (args.has("mask")) {
        if (!ws) throw UsageError("--mask needs --workspace W");
        const prune::StoredMask stored = prune::loadMaskByRef(*ws, args.get("mask"));
        stored.mask.checkFits(*model, "mask '" + stored.name + "'");
        mask = stored.mask;
        maskId = stored.id;
        maskMeta = {{"id", stored.id}, {"name", stored.name}, {"provenance", stored.provenance}};
    } else if (args.has("neurons")) {
        try {
            mask = prune::PruneMask::parse(args.get("neurons"), model->numLayers(), model->intermediateSize());
        } catch (const InvalidArgument& e) {
            throw UsageError(std::string("--neurons: ") + e.what());
        }
        maskMeta = {{"provenance", {{"policy", "explicit"}}}};
    }
    if (!mask.empty()) options.hold = &mask;

    nlohmann::json ids = nlohmann::json::array();
    for (const auto& it : trainItems) ids.push_back(it.id);
    nlohmann::json params = {{"model", args.get("model")}, {"benchmark", args.get("benchmark")}, {"train_items_from", origin},
                             {"shots", shots}, {"validation", valCount}, {"scoring", args.get("scoring")},
                             {"add_bos", exampleOptions.addBos}, {"train", options.toJson()}, {"train_item_ids", ids},
                             {"mask", mask.empty() ? nlohmann::json() : mask.toJson()}};
    std::optional<workspace::Id> runId;
    if (ws) {
        workspace::RunStart start;
        start.kind = "finetune";
        start.name = args.get("output");
        start.params = params;
        runId = ws->beginRun(start);
    }
    try {
        Progress progress(stderrProgress());
        progress.setStage("fine-tuning");
        const train::TrainResult result = train::train(*model, examples, validation, options, progress);
        exporting::ExportOptions eo;
        eo.overwrite = args.flag("overwrite");
        eo.tokenizerSource = args.has("tokenizer") ? args.get("tokenizer") : args.get("model");
        eo.prominence = {{"finetune", params}, {"training", result.toJson()}, {"mask", maskMeta.is_null() ? nlohmann::json() : maskMeta}};
        const exporting::ExportResult written = exporting::exportCheckpoint(*model, args.get("output"), eo);
        nlohmann::json summary = result.toJson();
        summary.erase("history");
        summary["output"] = written.dir;
        summary["train_item_ids"] = ids;
        summary["pruned"] = mask.size();
        if (ws) {
            workspace::CheckpointRecord rec;
            rec.runId = *runId;
            rec.step = result.steps;
            rec.path = written.dir;
            rec.maskId = maskId;
            rec.metrics = {{"final_loss", result.history.empty() ? 0.0 : result.history.back().loss}};
            ws->addCheckpoint(rec);
            ws->finishRun(*runId, summary);
            summary["run_id"] = *runId;
        }
        ctx.out << summary.dump(2) << "\n";
    } catch (const Cancelled&) {
        if (ws) ws->cancelRun(*runId);
        throw;
    } catch (const std::exception& e) {
        if (ws) ws->failRun(*runId, e.what());
        throw;
    }
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "finetune",
    "few-shot fine-tune a checkpoint on a benchmark's items, pruned neurons held at zero",
    "Draws --shots items (seeded by --seed) from --train-file, skipping any item of the benchmark, or holds\n"
    "them out of --benchmark itself; the loss is on the answer only: the letter token after \"Answer:\"\n"
    "(--scoring letter) or the gold choice's continuation (--scoring loglik), prompts rendered as eval renders\n"
    "them. Full-parameter AdamW (decoupled weight decay, as torch.optim.AdamW; no decay on biases and norms),\n"
    "warmup then linear/cosine/constant schedule, gradient accumulation, global-norm clipping; --validation K\n"
    "more items give a validation loss per epoch and, with --patience, early stopping. With --mask (from the\n"
    "workspace) or --neurons the pruned neurons are removed and stay exactly zero throughout. --train-config\n"
    "reads every training option from JSON (keys: lr, beta1, beta2, eps, weight_decay, schedule, warmup_steps,\n"
    "min_lr_ratio, epochs, max_steps, batch_size, grad_accumulation, max_grad_norm, seed, pad_id,\n"
    "decay_all_parameters, eval_every, patience, min_delta, restore_best, checkpoint_every, checkpoint_final);\n"
    "flags override it. Writes OUT_DIR as an HF checkpoint (tokenizer files copied, prominence.json with the\n"
    "training record) and prints a JSON summary.",
    {
        {"model", "DIR", "checkpoint directory", "", true, false},
        {"tokenizer", "PATH", "tokenizer (default: the model directory)", "", false, false},
        {"benchmark", "FILE", "benchmark the items come from (or are kept apart from, with --train-file)", "", true, false},
        {"format", "F", "benchmark format", "auto", false, false},
        {"train-file", "FILE", "draw the fine-tuning items from this file instead", "", false, false},
        {"shots", "K", "fine-tuning items", "16", false, false},
        {"validation", "K", "validation items (0: none)", "0", false, false},
        {"scoring", "S", "letter | loglik: where the loss is", "letter", false, false},
        {"add-bos", "", "prepend BOS to prompts (as eval --add-bos)", "", false, false},
        {"workspace", "W", "workspace to record the run and checkpoint in", "", false, false},
        {"mask", "NAME|ID", "stored prune mask to hold at zero", "", false, false},
        {"neurons", "L:N[,L:N...]", "neurons to prune and hold at zero", "", false, false},
        {"train-config", "JSON", "training options file", "", false, false},
        {"lr", "X", "peak learning rate (default 1e-4)", "", false, false},
        {"weight-decay", "X", "decoupled weight decay (default 0.01)", "", false, false},
        {"epochs", "N", "epochs (default 1)", "", false, false},
        {"max-steps", "N", "optimiser steps instead of epochs", "", false, false},
        {"batch-size", "N", "examples per micro-batch (default 8)", "", false, false},
        {"grad-accumulation", "N", "micro-batches per step (default 1)", "", false, false},
        {"warmup-steps", "N", "linear warmup steps (default 0)", "", false, false},
        {"schedule", "S", "linear | cosine | constant (default linear)", "", false, false},
        {"max-grad-norm", "X", "global gradient-norm clip, 0 = off (default 1)", "", false, false},
        {"patience", "N", "early-stopping patience in evaluations (needs --validation)", "", false, false},
        {"seed", "S", "item draw, shuffling and torch seed", "0", false, false},
        {"output", "OUT_DIR", "fine-tuned checkpoint directory", "", true, false},
        {"overwrite", "", "replace OUT_DIR if it exists", "", false, false},
    },
    runFinetune});

}  // namespace prominence::cli
