// prominence-cli eval: score a multiple-choice benchmark with a checkpoint (letter or loglik), print a
// JSON summary; optionally write per-item JSONL, store the run in a workspace and select its
// high-confidence items for attribution.
#include <fstream>
#include <iostream>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/data/benchmark_loader.h"
#include "core/eval/eval_store.h"
#include "core/eval/evaluator.h"
#include "core/eval/selection.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

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

data::Benchmark loadReported(const std::string& path, const data::LoadOptions& o, Context& ctx) {
    data::Benchmark b = data::loadBenchmark(path, o);
    if (!b.skipped.empty()) {
        ctx.err << "eval: skipped " << b.skipped.size() << " invalid record(s) in " << path << ":\n";
        for (const auto& s : b.skipped) ctx.err << "  " << s.reason << "\n";
    }
    return b;
}

int runEval(const Args& args, Context& ctx) {
    eval::EvalOptions opts;
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
    const long long limit = args.has("limit") ? args.getInt("limit") : -1;
    if (args.has("limit") && limit < 1) throw UsageError("option '--limit' expects 1 or more, got " + args.get("limit"));

    std::optional<eval::SelectionCriteria> selection;
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
        selection = c;
    } else if (args.has("selection")) {
        throw UsageError("--selection NAME needs --select-threshold T or --select-top-k K");
    }

    const data::LoadOptions loadOpts = benchmarkOptions(args);
    const std::string benchmarkPath = args.get("benchmark");
    data::Benchmark bench = loadReported(benchmarkPath, loadOpts, ctx);
    const std::size_t loaded = bench.items.size();
    if (limit > 0 && static_cast<std::size_t>(limit) < bench.items.size()) bench.items.resize(static_cast<std::size_t>(limit));
    std::optional<data::Benchmark> pool;
    if (args.has("fewshot-from")) pool = loadReported(args.get("fewshot-from"), loadOpts, ctx);

    const std::string modelDir = args.get("model");
    prominence::LoadOptions modelOpts;
    try {
        modelOpts.dtype = parseComputeDtype(args.get("dtype"));
        modelOpts.device = parseDevice(args.get("device"));
    } catch (const InvalidArgument& e) {
        throw UsageError(e.what());
    }
    const auto model = Model::load(modelDir, modelOpts);
    const Tokenizer tokenizer = Tokenizer::load(args.has("tokenizer") ? args.get("tokenizer") : modelDir);

    Progress progress(stderrProgress());
    const eval::EvalResult result =
        eval::evaluate(*model, tokenizer, bench.items, pool ? &pool->items : nullptr, opts, progress);

    if (args.has("items")) {
        std::ofstream out(args.get("items"), std::ios::binary);
        if (!out) throw StorageError(args.get("items") + ": cannot open for writing");
        for (const auto& s : result.items) out << eval::itemJson(s).dump() << "\n";
        if (!out) throw StorageError(args.get("items") + ": write failed");
    }

    nlohmann::json summary = eval::summaryJson(result.summary);
    summary["scoring"] = eval::scoringName(opts.scoring);
    summary["shots"] = opts.shots;
    summary["benchmark"] = benchmarkPath;
    summary["format"] = bench.format;
    summary["skipped"] = bench.skipped.size();

    if (args.has("workspace")) {
        auto ws = workspace::Workspace::openOrCreate(args.get("workspace"));
        eval::EvalRunInfo info;
        info.modelDir = modelDir;
        info.benchmarkPath = benchmarkPath;
        info.benchmarkFormat = bench.format;
        info.benchmarkItems = static_cast<std::int64_t>(loaded);
        if (!loadOpts.fields.empty())
            info.fieldMapping = {{"question", loadOpts.fields.question}, {"choices", loadOpts.fields.choices},
                                 {"answer", loadOpts.fields.answer}, {"context", loadOpts.fields.context},
                                 {"id", loadOpts.fields.id}, {"answer_encoding", args.get("answer-encoding")},
                                 {"choice_text_key", loadOpts.fields.choiceTextKey}};
        info.params = {{"scoring", eval::scoringName(opts.scoring)}, {"shots", opts.shots}, {"seed", opts.seed},
                       {"shuffle_options", opts.shuffleOptions}, {"limit", limit}, {"add_bos", opts.addBos},
                       {"format", bench.format}, {"fewshot_from", args.get("fewshot-from")},
                       {"tokenizer", args.has("tokenizer") ? args.get("tokenizer") : modelDir},
                       {"dtype", args.get("dtype")}, {"skip_invalid", loadOpts.skipInvalid}};
        const workspace::Id runId = eval::storeEvalRun(ws, *model, info, result);
        summary["run_id"] = runId;
        if (selection) {
            workspace::Selection sel;
            sel.runId = runId;
            sel.name = args.get("selection");
            sel.criteria = selection->toJson();
            sel.itemIndices = eval::selectHighConfidence(result.items, *selection);
            const workspace::Id selId = ws.saveSelection(sel);
            summary["selection"] = {{"id", selId}, {"name", sel.name}, {"items", sel.itemIndices.size()}};
        }
    }
    ctx.out << summary.dump() << "\n";
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
        {"format", "NAME", "benchmark format", "auto", false, false},
        {"scoring", "MODE", "letter | loglik", "loglik", false, false},
        {"shots", "K", "few-shot exemplars per item", "0", false, false},
        {"limit", "N", "evaluate only the first N items", "", false, false},
        {"workspace", "W", "store the run and its items in this workspace", "", false, false},
        {"items", "OUT.jsonl", "write one JSON line per item", "", false, false},
        {"field", "NAME=PATH", "generic importer field: question, choices, answer, context, id", "", false, true},
        {"answer-encoding", "ENC", "generic answers: index0 | index1 | letter | text", "index0", false, false},
        {"choice-text-key", "KEY", "generic choices given as objects: their text field", "text", false, false},
        {"skip-invalid", "", "skip invalid records (reported on stderr) instead of failing", "", false, false},
        {"language", "LANG", "COPA/XCOPA connectives and TruthfulQA primer language (default: from file)", "", false, false},
        {"tokenizer", "PATH", "tokenizer directory or tokenizer.json (default: the model directory)", "", false, false},
        {"fewshot-from", "FILE", "draw exemplars from this file (a dev split) instead of the benchmark", "", false, false},
        {"seed", "N", "seed for exemplars and option shuffling", "1234", false, false},
        {"shuffle-options", "", "shuffle each item's options (seeded)", "", false, false},
        {"no-context-reuse", "", "loglik: run context+continuation rows instead of reusing the context's KV cache", "", false, false},
        {"batch-size", "N", "rows per forward call", "32", false, false},
        {"max-batch-tokens", "N", "padded tokens per forward call", "8192", false, false},
        {"add-bos", "", "prepend the tokenizer's BOS token to every prompt", "", false, false},
        {"dtype", "T", "compute dtype: float32 | bfloat16 | float16", "float32", false, false},
        {"device", "D", "cpu | cuda | cuda:N", "cpu", false, false},
        {"select-threshold", "T", "select correct items with p(correct) >= T (e.g. 0.9)", "", false, false},
        {"select-top-k", "K", "select the K correct items with the highest p(correct)", "", false, false},
        {"selection", "NAME", "name of the stored selection (needs --workspace)", "", false, false},
    },
    runEval});

}  // namespace prominence::cli
