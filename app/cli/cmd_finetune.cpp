// prominence-cli finetune: few-shot full-parameter fine-tuning on a benchmark's items, with a prune
// mask held at exactly zero, written as a Hugging Face checkpoint (study::runFinetune).
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/finetune_step.h"

namespace prominence::cli {
namespace {

const study::FinetuneParams kDefaults;

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

int finetuneCommand(const Args& args, Context& ctx) {
    study::FinetuneParams p;
    p.train = trainOptions(args);
    p.shots = static_cast<std::size_t>(args.getInt("shots"));
    p.validation = static_cast<std::size_t>(args.getInt("validation"));
    try {
        p.examples.style = train::parseAnswerStyle(args.get("scoring"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    p.examples.addBos = args.flag("add-bos");
    p.modelDir = args.get("model");
    p.tokenizer = args.get("tokenizer");
    p.benchmarkPath = args.get("benchmark");
    p.format = data::parseFormat(args.get("format"));
    p.trainFile = args.get("train-file");
    p.workspacePath = args.get("workspace");
    p.mask = args.get("mask");
    p.neurons = args.get("neurons");
    p.outputDir = args.get("output");
    p.overwrite = args.flag("overwrite");
    Progress progress(stderrProgress());
    const study::FinetuneResult r = callStudy([&] { return study::runFinetune(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
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
        {"format", "F", "benchmark format", data::formatName(kDefaults.format), false, false},
        {"train-file", "FILE", "draw the fine-tuning items from this file instead", "", false, false},
        {"shots", "K", "fine-tuning items", defaultText(kDefaults.shots), false, false},
        {"validation", "K", "validation items (0: none)", defaultText(kDefaults.validation), false, false},
        {"scoring", "S", "letter | loglik: where the loss is", train::answerStyleName(kDefaults.examples.style), false, false},
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
        {"seed", "S", "item draw, shuffling and torch seed", defaultText(kDefaults.train.seed), false, false},
        {"output", "OUT_DIR", "fine-tuned checkpoint directory", "", true, false},
        {"overwrite", "", "replace OUT_DIR if it exists", "", false, false},
    },
    finetuneCommand});

}  // namespace prominence::cli
