#include "core/study/ablate_step.h"

#include <map>
#include <optional>
#include <set>

#include "core/compare/statistics.h"
#include "core/data/benchmark_loader.h"
#include "core/eval/eval_store.h"
#include "core/eval/evaluator.h"
#include "core/lab/benchmark_generator.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"
#include "core/prune/surgery.h"
#include "core/study/command_line.h"
#include "core/study/mask_step.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

using Json = nlohmann::json;

std::string runLabel(workspace::Id id) {
    return "eval run " + std::to_string(id);
}

// A stored parameter, or the default the eval step had for it when the run does not record it (the
// Shortcut Lab's runs record only their scoring). FormatError for a value of the wrong type.
template <typename T>
T stored(const workspace::RunRecord& run, const char* key, const T& fallback) {
    if (!run.params.contains(key) || run.params.at(key).is_null()) return fallback;
    try {
        return run.params.at(key).get<T>();
    } catch (const Json::exception&) {
        throw FormatError(runLabel(run.id) + ": parameter \"" + key + "\" is " +
                          run.params.at(key).dump() + ", not the expected type");
    }
}

data::FieldMapping fieldMappingFrom(const Json& j, workspace::Id runId) {
    data::FieldMapping f;
    if (!j.is_object() || j.empty()) return f;
    try {
        f.question = j.value("question", "");
        f.choices = j.value("choices", "");
        f.answer = j.value("answer", "");
        f.context = j.value("context", "");
        f.id = j.value("id", "");
        f.choiceTextKey = j.value("choice_text_key", f.choiceTextKey);
        f.encoding = data::parseAnswerEncoding(j.value("answer_encoding", "index0"));
    } catch (const std::exception& e) {
        throw FormatError(runLabel(runId) + ": its benchmark's field mapping " + j.dump() +
                          " cannot be read: " + e.what());
    }
    return f;
}

// Everything that decides an eval run's results, read back from what it stored.
struct StoredEval {
    workspace::RunRecord run;
    workspace::BenchmarkRecord benchmark;
    std::string modelDir, tokenizer;
    data::LoadOptions load;
    std::string fewshotFrom;
    std::int64_t limit = -1;
    eval::EvalOptions options;
    std::string dtype;
};

StoredEval storedEval(workspace::Workspace& ws, workspace::Id id) {
    StoredEval s;
    s.run = ws.run(id);
    const workspace::RunRecord& r = s.run;
    if (r.kind != "eval")
        throw ParamsError("run " + std::to_string(id) + " is a '" + r.kind +
                          "' run, not an eval run");
    if (r.status != workspace::RunStatus::Completed)
        throw ParamsError(runLabel(id) + " is '" + workspace::runStatusName(r.status) +
                          "'; only completed eval runs are evaluated again");
    // Its model is the unablated checkpoint, so evaluating it again would drop the first mask.
    if (r.params.contains("ablation"))
        throw ParamsError(runLabel(id) + " is itself an ablation (of run " +
                          r.params.at("ablation").value("before_run", Json()).dump() +
                          "): ablate that run with both masks' neurons instead");
    if (!r.modelId || !r.benchmarkId)
        throw ParamsError(runLabel(id) + " records no model or no benchmark");
    s.modelDir = ws.model(*r.modelId).path;
    s.benchmark = ws.benchmark(*r.benchmarkId);
    s.tokenizer = stored<std::string>(r, "tokenizer", "");
    if (s.tokenizer.empty()) s.tokenizer = s.modelDir;
    const eval::EvalOptions d;
    try {
        s.options.scoring = eval::parseScoring(stored<std::string>(r, "scoring", "loglik"));
        s.load.format =
            data::parseFormat(stored<std::string>(r, "format", s.benchmark.format));
    } catch (const InvalidArgument& e) {
        throw FormatError(runLabel(id) + ": " + e.what());
    }
    s.options.shots = stored<int>(r, "shots", d.shots);
    s.options.seed = stored<std::uint64_t>(r, "seed", d.seed);
    s.options.shuffleOptions = stored<bool>(r, "shuffle_options", d.shuffleOptions);
    s.options.addBos = stored<bool>(r, "add_bos", d.addBos);
    s.limit = stored<std::int64_t>(r, "limit", -1);
    s.fewshotFrom = stored<std::string>(r, "fewshot_from", "");
    s.dtype = stored<std::string>(r, "dtype", "float32");
    s.load.skipInvalid = stored<bool>(r, "skip_invalid", false);
    s.load.fields = fieldMappingFrom(s.benchmark.fieldMapping, id);
    return s;
}

std::vector<std::uint8_t> correctness(const std::vector<workspace::ItemResult>& items) {
    std::vector<std::uint8_t> out;
    for (const auto& it : items) out.push_back(it.correct ? 1 : 0);
    return out;
}

// The option the Shortcut Lab's tags point to in the item's own question (the last block of the
// prompt: exemplars come first), or -1 when it carries no tags.
int cueOf(const std::string& prompt) {
    const std::size_t block = prompt.rfind("\n\n");
    return lab::cueFromQuery(block == std::string::npos ? prompt : prompt.substr(block + 2));
}

workspace::Id storeAblatedRun(workspace::Workspace& ws, const Model& model, const StoredEval& s,
                              const eval::EvalResult& result, const Json& params,
                              const std::string& maskLabel) {
    workspace::RunStart start;
    start.kind = "eval";
    start.name = s.benchmark.name + " (" + eval::scoringName(s.options.scoring) + ", ablated: " +
                 maskLabel + ")";
    start.modelId = ws.addModel(eval::modelRecord(model, s.modelDir));
    start.benchmarkId = *s.run.benchmarkId;
    start.inputs = {{s.run.id, "before"}};
    start.params = params;
    const workspace::Id runId = ws.beginRun(start);
    try {
        // The rows storeEvalRun writes (it takes no run inputs, which the 'before' link needs).
        std::vector<workspace::ItemResult> rows;
        for (const eval::ItemScore& it : result.items) {
            workspace::ItemResult r;
            r.index = it.index;
            r.itemId = it.id;
            r.prompt = it.prompt;
            r.continuations = it.continuations;
            r.scores = it.scores;
            r.probs = it.probs;
            r.pred = it.pred;
            r.gold = it.gold;
            r.correct = it.correct;
            r.pCorrect = it.pCorrect;
            r.margin = it.margin;
            if (it.predNorm) r.extra["pred_norm"] = *it.predNorm;
            if (it.predBytes) r.extra["pred_bytes"] = *it.predBytes;
            if (it.golds.size() > 1) r.extra["golds"] = it.golds;
            r.extra["scoring"] = it.predNorm ? "loglik" : "letter";
            rows.push_back(std::move(r));
        }
        ws.addItems(runId, rows);
        ws.finishRun(runId, eval::summaryJson(result.summary));
    } catch (const std::exception& e) {
        ws.failRun(runId, e.what());
        throw;
    }
    return runId;
}

}  // namespace

void AblateParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("ablate needs a workspace (--workspace W)");
    if (mask.empty() == neurons.empty())
        throw ParamsError("ablate needs exactly one of --mask NAME|ID and --neurons L:N[,L:N...]");
    if (!neurons.empty()) asParamsError([&] { prune::parseNeuronList(neurons); });
    if (evalRuns.empty()) throw ParamsError("ablate needs the eval runs to evaluate again (--run ID)");
    std::set<workspace::Id> seen;
    for (workspace::Id id : evalRuns) {
        if (id <= 0)
            throw ParamsError("option '--run' expects positive run ids, got " + std::to_string(id));
        if (!seen.insert(id).second)
            throw ParamsError("option '--run' lists run " + std::to_string(id) + " twice");
    }
    if (bootstrap < 1)
        throw ParamsError("option '--bootstrap' expects 1 or more, got " +
                          std::to_string(bootstrap));
}

AblateResult runAblate(const AblateParams& p, Progress& progress, const Log& log) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    std::optional<prune::StoredMask> storedM;
    if (!p.mask.empty()) storedM = storedMask(ws, p.mask);
    // Every run is checked before the first evaluation, so a bad id costs no compute.
    std::vector<StoredEval> runs;
    for (workspace::Id id : p.evalRuns) runs.push_back(storedEval(ws, id));

    AblateResult out;
    const std::vector<prune::Neuron> neurons =
        storedM ? storedM->mask.list() : prune::parseNeuronList(p.neurons);
    nlohmann::ordered_json maskJson = nlohmann::ordered_json::object();
    if (storedM) maskJson["id"] = storedM->id;
    if (storedM) maskJson["name"] = storedM->name;
    maskJson["neurons"] = prune::formatNeuronList(neurons);
    maskJson["count"] = neurons.size();
    const std::string maskLabel =
        storedM ? "mask '" + storedM->name + "'" : std::to_string(neurons.size()) + " neurons";
    nlohmann::ordered_json results = nlohmann::ordered_json::array();

    for (std::size_t r = 0; r < runs.size(); ++r) {
        const StoredEval& s = runs[r];
        progress.setStage("ablate: " + runLabel(s.run.id) + " (" + s.benchmark.name + ")");
        const std::string currentHash =
            eval::benchmarkRecord(s.benchmark.path, s.benchmark.format, s.benchmark.fieldMapping, 0)
                .hash;
        if (currentHash != s.benchmark.hash)
            throw LoadError(s.benchmark.path + ": the benchmark is not the file " +
                            runLabel(s.run.id) + " evaluated (hash " + currentHash + ", stored " +
                            s.benchmark.hash + ")");
        data::Benchmark bench = data::loadBenchmark(s.benchmark.path, s.load);
        if (s.limit > 0 && static_cast<std::size_t>(s.limit) < bench.items.size())
            bench.items.resize(static_cast<std::size_t>(s.limit));
        std::optional<data::Benchmark> pool;
        if (!s.fewshotFrom.empty()) pool = data::loadBenchmark(s.fewshotFrom, s.load);

        prominence::LoadOptions modelOpts;
        try {
            modelOpts.dtype = parseComputeDtype(s.dtype);
        } catch (const InvalidArgument& e) {
            throw FormatError(runLabel(s.run.id) + ": " + e.what());
        }
        const auto model = Model::load(s.modelDir, modelOpts);
        if (storedM) {
            try {
                storedM->mask.checkFits(*model, "mask '" + storedM->name + "'");
            } catch (const ShapeError& e) {
                throw ParamsError(std::string(e.what()) + " (the model of " +
                                  runLabel(s.run.id) + ")");
            }
        }
        const prune::PruneMask mask = asParamsError([&] {
            return prune::PruneMask::fromNeurons(model->numLayers(), model->intermediateSize(),
                                                 neurons);
        });
        prune::applyWeightSurgery(*model, mask);
        const Tokenizer tok = Tokenizer::load(s.tokenizer);
        const eval::EvalResult after = eval::evaluate(*model, tok, bench.items,
                                                      pool ? &pool->items : nullptr, s.options,
                                                      progress);

        const std::vector<workspace::ItemResult> before = ws.items(s.run.id);
        if (before.size() != after.items.size())
            throw FormatError(runLabel(s.run.id) + " holds " + std::to_string(before.size()) +
                              " items; its stored parameters give " +
                              std::to_string(after.items.size()));
        for (std::size_t i = 0; i < before.size(); ++i)
            if (before[i].index != after.items[i].index || before[i].prompt != after.items[i].prompt)
                throw FormatError(runLabel(s.run.id) + ": its stored parameters do not reproduce "
                                  "the prompt of item " + std::to_string(before[i].index) +
                                  " (a parameter it did not record, such as the language?)");

        Json params = s.run.params;
        params["ablation"] = {{"before_run", s.run.id},
                              {"mask_id", storedM ? Json(storedM->id) : Json()},
                              {"mask_name", storedM ? Json(storedM->name) : Json()},
                              {"neurons", mask.format()},
                              {"count", mask.size()},
                              {"applied_as", "weight_surgery_in_memory"}};
        const workspace::Id ablated = storeAblatedRun(ws, *model, s, after, params, maskLabel);
        out.runIds.push_back(ablated);

        const std::vector<std::uint8_t> b = correctness(before);
        std::vector<std::uint8_t> a;
        std::vector<double> diff;
        std::int64_t cued = 0, followBefore = 0, followAfter = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
            a.push_back(after.items[i].correct ? 1 : 0);
            diff.push_back(static_cast<double>(a[i]) - static_cast<double>(b[i]));
            const int cue = cueOf(before[i].prompt);
            if (cue < 0) continue;
            ++cued;
            followBefore += before[i].pred == cue;
            followAfter += after.items[i].pred == cue;
        }
        std::vector<double> bd(b.begin(), b.end()), ad(a.begin(), a.end());
        BootstrapOptions bo;
        bo.resamples = p.bootstrap;
        bo.seed = p.bootstrapSeed;
        const Interval ci = bootstrapMeanInterval(diff, bo);
        const McNemarResult mc = mcnemar({b}, {a});
        nlohmann::ordered_json row = {
            {"run", s.run.id},
            {"ablated_run", ablated},
            {"benchmark", s.benchmark.name},
            {"n", before.size()},
            {"acc_before", mean(bd)},
            {"acc_after", mean(ad)},
            {"difference",
             {{"mean", mean(diff)},
              {"low", ci.low},
              {"high", ci.high},
              {"level", bo.level},
              {"resamples", bo.resamples},
              {"seed", bo.seed}}},
            {"mcnemar",
             {{"only_before", mc.onlyA},
              {"only_after", mc.onlyB},
              {"exact_p", mc.exactP},
              {"chi2", mc.chi2},
              {"chi2_p", mc.chi2P}}}};
        if (cued > 0)
            row["cue_following"] = {
                {"items", cued},
                {"before", static_cast<double>(followBefore) / static_cast<double>(cued)},
                {"after", static_cast<double>(followAfter) / static_cast<double>(cued)}};
        if (log)
            log("ablate: " + runLabel(s.run.id) + " -> " + runLabel(ablated) + ", acc " +
                formatNumber(mean(bd)) + " -> " + formatNumber(mean(ad)));
        results.push_back(std::move(row));
    }
    out.summary = {{"mask", maskJson}, {"runs", results}};
    return out;
}

}  // namespace prominence::study
