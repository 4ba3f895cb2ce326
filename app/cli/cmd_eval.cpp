// prominence-cli eval: score a multiple-choice benchmark with a checkpoint (letter or loglik), print a
// JSON summary; optionally write per-item JSONL, store the run in a workspace and select its
// high-confidence items for attribution. The work is study::runEval; this file maps flags to it.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/eval_step.h"
#include "core/study/field_mapping_json.h"

namespace prominence::cli {
namespace {

const study::EvalParams kDefaults;

data::LoadOptions benchmarkOptions(const Args& args) {
    data::LoadOptions o;
    try {
        o.format = data::parseFormat(args.get("format"));
        for (const auto& spec : args.all("field")) data::applyFieldSpec(o.fields, spec);
        o.fields.encoding = data::parseAnswerEncoding(args.get("answer-encoding"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    o.fields.choiceTextKey = args.get("choice-text-key");
    o.skipInvalid = args.flag("skip-invalid");
    o.language = args.get("language");
    if (!o.fields.empty() && (o.fields.question.empty() || o.fields.choices.empty() || o.fields.answer.empty()))
        throw UsageError("generic files need --field question=PATH, --field choices=PATH and --field answer=PATH");
    return o;
}

// Flags to parameters, checked in the order the command always checked them so that the first
// complaint about a bad command line stays the same.
study::EvalParams evalParams(const Args& args) {
    study::EvalParams p;
    eval::EvalOptions& opts = p.options;
    try {
        opts.scoring = eval::parseScoring(args.get("scoring"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    opts.shots = static_cast<int>(args.getInt("shots"));
    opts.seed = static_cast<std::uint64_t>(args.getInt("seed"));
    opts.shuffleOptions = args.flag("shuffle-options");
    opts.reuseContext = !args.flag("no-context-reuse");
    opts.maxBatchRows = args.getInt("batch-size");
    opts.maxBatchTokens = args.getInt("max-batch-tokens");
    opts.addBos = args.flag("add-bos");
    try {
        opts.validate();
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    p.limit = args.has("limit") ? args.getInt("limit") : -1;
    if (args.has("limit") && p.limit < 1) throw UsageError("option '--limit' expects 1 or more, got " + args.get("limit"));

    if (args.has("select-threshold") || args.has("select-top-k")) {
        eval::SelectionCriteria c;
        if (args.has("select-threshold")) c.threshold = args.getDouble("select-threshold");
        if (args.has("select-top-k")) c.topK = args.getInt("select-top-k");
        try {
            c.validate();
        } catch (const InvalidArgument& e) {
            throw UsageError(e.what());
        }
        if (!args.has("selection")) throw UsageError("--select-threshold/--select-top-k need --selection NAME");
        if (!args.has("workspace")) throw UsageError("a selection is stored in a workspace: give --workspace W");
        p.select = c;
    } else if (args.has("selection")) {
        throw UsageError("--selection NAME needs --select-threshold T or --select-top-k K");
    }
    p.selectionName = args.get("selection");

    p.load = benchmarkOptions(args);
    p.benchmarkPath = args.get("benchmark");
    p.fewshotFrom = args.get("fewshot-from");
    p.modelDir = args.get("model");
    p.tokenizer = args.get("tokenizer");
    p.dtype = args.get("dtype");
    p.device = args.get("device");
    p.itemsPath = args.get("items");
    p.workspacePath = args.get("workspace");
    return p;
}

int evalCommand(const Args& args, Context& ctx) {
    const study::EvalParams params = evalParams(args);
    Progress progress(stderrProgress());
    const study::EvalResult result = callStudy([&] { return study::runEval(params, progress, stderrLog(ctx)); });
    ctx.out << result.summary.dump() << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "eval",
    "score a multiple-choice benchmark with a model (letter or loglik) and print a JSON summary",
    "Summary on stdout: n, acc, and for loglik acc_norm (log-likelihood / choice length in characters, as "
    "lm-evaluation-harness) and acc_bytes; mc2 for TruthfulQA MC2. --items writes one JSON line per item: id, "
    "prompt, continuations (loglik) or letters (letter), scores, probs, pred, gold, correct, p_correct, margin.\n"
    "Formats: auto, icl, question_stem, mmlu_csv, hellaswag, copa, truthfulqa_mc1, truthfulqa_mc2, generic "
    "(--field question=PATH --field choices=PATH --field answer=PATH [--field context=PATH] [--field id=PATH]). "
    "--benchmark may be a directory (MMLU's subject CSVs).",
    {
        {"model", "DIR", "Hugging Face checkpoint directory", "", true, false},
        {"benchmark", "FILE", "benchmark file (jsonl, json array, csv) or directory", "", true, false},
        {"format", "NAME", "benchmark format", data::formatName(kDefaults.load.format), false, false},
        {"scoring", "MODE", "letter | loglik", eval::scoringName(kDefaults.options.scoring), false, false},
        {"shots", "K", "few-shot exemplars per item", defaultText(kDefaults.options.shots), false, false},
        {"limit", "N", "evaluate only the first N items", "", false, false},
        {"workspace", "W", "store the run and its items in this workspace", "", false, false},
        {"items", "OUT.jsonl", "write one JSON line per item", "", false, false},
        {"field", "NAME=PATH", "generic importer field: question, choices, answer, context, id", "", false, true},
        {"answer-encoding", "ENC", "generic answers: index0 | index1 | letter | text",
         study::answerEncodingName(kDefaults.load.fields.encoding), false, false},
        {"choice-text-key", "KEY", "generic choices given as objects: their text field",
         kDefaults.load.fields.choiceTextKey, false, false},
        {"skip-invalid", "", "skip invalid records (reported on stderr) instead of failing", "", false, false},
        {"language", "LANG", "COPA/XCOPA connectives and TruthfulQA primer language (default: from file)", "", false, false},
        {"tokenizer", "PATH", "tokenizer directory or tokenizer.json (default: the model directory)", "", false, false},
        {"fewshot-from", "FILE", "draw exemplars from this file (a dev split) instead of the benchmark", "", false, false},
        {"seed", "N", "seed for exemplars and option shuffling", defaultText(kDefaults.options.seed), false, false},
        {"shuffle-options", "", "shuffle each item's options (seeded)", "", false, false},
        {"no-context-reuse", "", "loglik: run context+continuation rows instead of reusing the context's KV cache", "", false, false},
        {"batch-size", "N", "rows per forward call", defaultText(kDefaults.options.maxBatchRows), false, false},
        {"max-batch-tokens", "N", "padded tokens per forward call", defaultText(kDefaults.options.maxBatchTokens), false, false},
        {"add-bos", "", "prepend the tokenizer's BOS token to every prompt", "", false, false},
        {"dtype", "T", "compute dtype: float32 | bfloat16 | float16", kDefaults.dtype, false, false},
        {"device", "D", "cpu | cuda | cuda:N", kDefaults.device, false, false},
        {"select-threshold", "T", "select correct items with p(correct) >= T (e.g. 0.9)", "", false, false},
        {"select-top-k", "K", "select the K correct items with the highest p(correct)", "", false, false},
        {"selection", "NAME", "name of the stored selection (needs --workspace)", "", false, false},
    },
    evalCommand});

}  // namespace prominence::cli
