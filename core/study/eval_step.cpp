#include "core/study/eval_step.h"

#include <fstream>

#include "core/eval/eval_store.h"
#include "core/model/model.h"
#include "core/study/field_mapping_json.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

data::Benchmark loadReported(const std::string& path, const data::LoadOptions& o, const Log& log) {
    data::Benchmark b = data::loadBenchmark(path, o);
    if (!b.skipped.empty() && log) {
        std::string text = "eval: skipped " + std::to_string(b.skipped.size()) +
                           " invalid record(s) in " + path + ":";
        for (const auto& s : b.skipped) text += "\n  " + s.reason;
        log(text);
    }
    return b;
}

}  // namespace

void EvalParams::validate() const {
    if (modelDir.empty()) throw ParamsError("eval needs a model directory");
    if (benchmarkPath.empty()) throw ParamsError("eval needs a benchmark file");
    asParamsError([&] { options.validate(); });
    if (limit != -1 && limit < 1)
        throw ParamsError("option '--limit' expects 1 or more, got " + std::to_string(limit));
    if (select) {
        asParamsError([&] { select->validate(); });
        if (selectionName.empty())
            throw ParamsError("--select-threshold/--select-top-k need --selection NAME");
        if (workspacePath.empty())
            throw ParamsError("a selection is stored in a workspace: give --workspace W");
    } else if (!selectionName.empty()) {
        throw ParamsError("--selection NAME needs --select-threshold T or --select-top-k K");
    }
    const data::FieldMapping& f = load.fields;
    if (!f.empty() && (f.question.empty() || f.choices.empty() || f.answer.empty()))
        throw ParamsError(
            "generic files need --field question=PATH, --field choices=PATH and --field "
            "answer=PATH");
}

EvalResult runEval(const EvalParams& p, Progress& progress, const Log& log) {
    p.validate();
    data::Benchmark bench = loadReported(p.benchmarkPath, p.load, log);
    const std::size_t loaded = bench.items.size();
    if (p.limit > 0 && static_cast<std::size_t>(p.limit) < bench.items.size())
        bench.items.resize(static_cast<std::size_t>(p.limit));
    std::optional<data::Benchmark> pool;
    if (!p.fewshotFrom.empty()) pool = loadReported(p.fewshotFrom, p.load, log);
    progress.check();

    // Parsed here, after the benchmark, as the CLI always did: a bad benchmark is reported first.
    prominence::LoadOptions modelOpts;
    asParamsError([&] {
        modelOpts.dtype = parseComputeDtype(p.dtype);
        modelOpts.device = parseDevice(p.device);
    });
    const auto model = Model::load(p.modelDir, modelOpts);
    const std::string tokenizerPath = p.tokenizer.empty() ? p.modelDir : p.tokenizer;
    const Tokenizer tokenizer = Tokenizer::load(tokenizerPath);

    EvalResult out;
    out.scores = eval::evaluate(*model, tokenizer, bench.items, pool ? &pool->items : nullptr,
                                p.options, progress);
    const eval::EvalResult& result = out.scores;

    if (!p.itemsPath.empty()) {
        std::ofstream items(p.itemsPath, std::ios::binary);
        if (!items) throw StorageError(p.itemsPath + ": cannot open for writing");
        for (const auto& s : result.items) items << eval::itemJson(s).dump() << "\n";
        if (!items) throw StorageError(p.itemsPath + ": write failed");
    }

    nlohmann::json& summary = out.summary;
    summary = eval::summaryJson(result.summary);
    summary["scoring"] = eval::scoringName(p.options.scoring);
    summary["shots"] = p.options.shots;
    summary["benchmark"] = p.benchmarkPath;
    summary["format"] = bench.format;
    summary["skipped"] = bench.skipped.size();

    if (p.workspacePath.empty()) return out;
    auto ws = workspace::Workspace::openOrCreate(p.workspacePath);
    eval::EvalRunInfo info;
    info.modelDir = p.modelDir;
    info.benchmarkPath = p.benchmarkPath;
    info.benchmarkFormat = bench.format;
    info.benchmarkItems = static_cast<std::int64_t>(loaded);
    info.fieldMapping = fieldMappingJson(p.load.fields);
    // Every value that determines the result; the keys are what older workspaces hold, so a stored
    // run reads the same whichever front end made it.
    info.params = {{"scoring", eval::scoringName(p.options.scoring)},
                   {"shots", p.options.shots},
                   {"seed", p.options.seed},
                   {"shuffle_options", p.options.shuffleOptions},
                   {"limit", p.limit},
                   {"add_bos", p.options.addBos},
                   {"format", bench.format},
                   {"fewshot_from", p.fewshotFrom},
                   {"tokenizer", tokenizerPath},
                   {"dtype", p.dtype},
                   {"skip_invalid", p.load.skipInvalid}};
    const workspace::Id runId = eval::storeEvalRun(ws, *model, info, result);
    out.runId = runId;
    summary["run_id"] = runId;
    if (p.select) {
        workspace::Selection sel;
        sel.runId = runId;
        sel.name = p.selectionName;
        sel.criteria = p.select->toJson();
        sel.itemIndices = eval::selectHighConfidence(result.items, *p.select);
        const workspace::Id selId = ws.saveSelection(sel);
        out.selectionId = selId;
        out.selectedItems = sel.itemIndices;
        summary["selection"] = {
            {"id", selId}, {"name", sel.name}, {"items", sel.itemIndices.size()}};
    }
    return out;
}

void SelectParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("select needs a workspace");
    if (runId <= 0)
        throw ParamsError("option '--run' expects a positive run id, got " + std::to_string(runId));
    if (name.empty()) throw ParamsError("select needs a selection name (--name NAME)");
    if (filter) {
        if (criteria.threshold || criteria.topK)
            throw ParamsError("select takes a filter or a threshold / top-k, not both");
        asParamsError([&] { filter->validate(); });
        return;
    }
    asParamsError([&] { criteria.validate(); });
}

SelectResult runSelect(const SelectParams& p, Progress& progress) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    const workspace::RunRecord run = ws.run(p.runId);
    if (run.kind != "eval")
        throw ParamsError("run " + std::to_string(run.id) + " is a '" + run.kind +
                          "' run, not an eval run");
    if (run.status != workspace::RunStatus::Completed)
        throw ParamsError("run " + std::to_string(run.id) + " is '" +
                          workspace::runStatusName(run.status) +
                          "'; selections are made from completed eval runs");
    if (ws.findSelection(run.id, p.name))
        throw ParamsError("run " + std::to_string(run.id) + " already has a selection named '" +
                          p.name + "'");
    progress.check();

    workspace::Selection sel;
    sel.runId = run.id;
    sel.name = p.name;
    if (p.filter) {
        asParamsError([&] {
            workspace::ItemQuery query(ws, run.id);
            sel.itemIndices = query.indices(*p.filter, p.sort, progress);
        });
        if (sel.itemIndices.empty())
            throw ParamsError("the filter " + p.filter->toJson().dump() + " matches no item of run " +
                              std::to_string(run.id));
        sel.criteria = {{"filter", p.filter->toJson()}, {"sort", p.sort.toString()}};
    } else {
        // selectHighConfidence reads only index, correctness and p(correct) of each item.
        std::vector<eval::ItemScore> scored;
        for (const workspace::ItemResult& it : ws.items(run.id)) {
            eval::ItemScore s;
            s.index = it.index;
            s.id = it.itemId;
            s.correct = it.correct;
            s.pCorrect = it.pCorrect;
            scored.push_back(std::move(s));
        }
        sel.criteria = p.criteria.toJson();
        sel.itemIndices = eval::selectHighConfidence(scored, p.criteria);
    }
    progress.check();

    SelectResult out;
    out.selectionId = ws.saveSelection(sel);
    out.itemIndices = sel.itemIndices;
    out.summary["id"] = out.selectionId;
    out.summary["name"] = sel.name;
    out.summary["run_id"] = run.id;
    out.summary["items"] = sel.itemIndices.size();
    return out;
}

}  // namespace prominence::study
