#include "core/study/report_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "core/attribution/aggregate.h"
#include "core/attribution/contrast.h"
#include "core/attribution/params.h"
#include "core/common/error.h"
#include "core/common/version.h"
#include "core/compare/comparison.h"
#include "core/eval/evaluator.h"
#include "core/study/command_line.h"
#include "core/study/demo_step.h"
#include "core/system/runtime.h"
#include "core/train/trainer.h"
#include "core/workspace/item_query.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

namespace fs = std::filesystem;
using nlohmann::json;
using workspace::Id;
using workspace::RunRecord;
using workspace::RunStatus;

namespace {

constexpr std::size_t kValueChars = 400;  // longer parameter values are cut with a count

std::string utcNow() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string shortened(std::string text, std::size_t chars) {
    for (char& c : text)
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (text.size() <= chars) return text;
    std::size_t cut = chars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    return text.substr(0, cut) + "…";
}

std::string valueText(const json& v) {
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (s.size() > kValueChars) {
        const std::string count = v.is_array() ? " (" + std::to_string(v.size()) + " values)" : std::string();
        s = shortened(s, kValueChars) + count;
    }
    return s;
}

// Dotted paths of a JSON object's leaves; arrays of scalars are one leaf, arrays of objects are
// indexed ("conditions[0].name").
void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, json>>& out) {
    if (j.is_object()) {
        if (j.empty() && !prefix.empty()) out.emplace_back(prefix, j);
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
        return;
    }
    if (j.is_array() && !j.empty() && j.front().is_object() && j.size() <= 16) {
        for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "[" + std::to_string(i) + "]", out);
        return;
    }
    out.emplace_back(prefix, j);
}

std::string lastKey(const std::string& path) {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
}

// Numbers compare by value (5 and 5.0 are the same default).
bool sameValue(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
}

// The defaults a step's stored parameters are measured against: the parameter structs' own, under
// the keys their toJson writes. `demoDefaults` is the demo's design (see demoDefaultsOf).
json defaultsOf(const std::string& kind, const json& demoDefaults) {
    const eval::EvalOptions eo;
    const json evalDefaults = {{"scoring", eval::scoringName(eo.scoring)},
                               {"shots", eo.shots},
                               {"seed", eo.seed},
                               {"shuffle_options", eo.shuffleOptions},
                               {"add_bos", eo.addBos}};
    const json train = train::TrainOptions{}.toJson();
    const json attribution = attribution::AttributionParams{}.toJson();
    if (kind == "demo") return demoDefaults;
    if (kind == "eval") return evalDefaults;
    if (kind == "attribution") {
        json d = attribution;
        d["contrast"] = attribution::ContrastParams{}.toJson();
        d["aggregate"] = attribution::AggregateParams{}.toJson();
        return d;
    }
    if (kind == "finetune") return {{"train", train}, {"options", train}};
    if (kind == "compare") {
        const CompareParams cp;
        return {{"train", train},
                {"eval", evalDefaults},
                {"shots", cp.shots},
                {"seeds", cp.seeds},
                {"bootstrap", {{"resamples", cp.bootstrapResamples}, {"seed", cp.bootstrapSeed}, {"level", 0.95}}},
                {"source", {{"finetune_pool", cp.pool}}}};
    }
    return json::object();
}

std::vector<ReportParam> paramsOf(const json& params, const json& defaults) {
    std::vector<std::pair<std::string, json>> leaves, defaultLeaves;
    flatten(params, "", leaves);
    flatten(defaults, "", defaultLeaves);
    std::map<std::string, json> byPath;
    std::map<std::string, std::vector<json>> byKey;
    for (const auto& [p, v] : defaultLeaves) {
        byPath[p] = v;
        byKey[lastKey(p)].push_back(v);
    }
    std::vector<ReportParam> out;
    for (const auto& [p, v] : leaves) {
        ReportParam r;
        r.key = p;
        r.value = valueText(v);
        if (const auto it = byPath.find(p); it != byPath.end())
            r.isDefault = sameValue(it->second, v);
        else if (const auto k = byKey.find(lastKey(p)); k != byKey.end() && k->second.size() == 1)
            r.isDefault = sameValue(k->second.front(), v);
        out.push_back(std::move(r));
    }
    return out;
}

// The demo's design and size whose options the stored parameters were run with (the recipe decides),
// with the flags a user can change set from the stored run; nullopt for a changed recipe.
std::optional<DemoParams> demoParamsOf(const RunRecord& run, const std::string& workspacePath) {
    for (const std::string design : {"pair", "reserved"})
        for (const bool tiny : {false, true}) {
            lab::DemoOptions o = demoOptions(design, tiny);
            if (o.recipe.toJson() != run.params.value("recipe", json())) continue;
            o.seeds = run.params.value("seeds", o.seeds);
            o.prunePercent = run.params.value("prune_percent", o.prunePercent);
            o.untaggedFinetune = run.params.value("finetune_data", std::string()).rfind("member_train", 0) == 0;
            if (run.params.contains("contrast") && run.params["contrast"].contains("exclude_layers"))
                o.contrast.excludeLayers = run.params["contrast"]["exclude_layers"].get<std::vector<int>>();
            const json mine = o.toJson();
            bool same = true;
            for (auto it = mine.begin(); it != mine.end() && same; ++it)
                if (run.params.contains(it.key()) && it.key() != "workspace" && it.key() != "cache")
                    same = run.params[it.key()] == it.value();
            if (!same) continue;
            DemoParams p;
            p.options = o;
            p.options.workspacePath = workspacePath;
            p.design = design;
            p.tiny = tiny;
            return p;
        }
    return std::nullopt;
}

bool isStudyKind(const std::string& kind) {
    return kind == "demo" || kind == "pipeline" || kind == "compare" || kind == "attribution";
}

class Builder {
public:
    Builder(const ReportParams& p, Progress& progress, const Log& log)
        : p_(p), progress_(progress), log_(log), ws_(workspace::Workspace::open(p.workspacePath)) {}

    ReportModel build();

private:
    void resolveStudy();
    void collectSteps();
    void readHeatmap();
    void readHistogram();
    void readComparison();
    void readTopNeurons();
    void writeSummary();
    void writeReproduction();
    void note(const std::string& text) {
        m_.notes.push_back(text);
        if (log_) log_(text);
    }
    std::optional<RunRecord> childOf(Id parent, const std::string& kind) {
        std::optional<RunRecord> found;
        for (const RunRecord& r : runs_)
            if (r.parentRunId == parent && r.kind == kind && r.status == RunStatus::Completed) found = r;
        return found;  // the newest
    }
    const RunRecord* runById(Id id) const {
        for (const RunRecord& r : runs_)
            if (r.id == id) return &r;
        return nullptr;
    }

    const ReportParams& p_;
    Progress& progress_;
    Log log_;
    workspace::Workspace ws_;
    std::vector<RunRecord> runs_;
    ReportModel m_;
    RunRecord study_;
    std::optional<RunRecord> compare_;
    std::optional<RunRecord> attribution_;
    std::optional<Id> sourceEvalRun_;
    std::optional<Id> selectionId_;
    std::optional<DemoParams> demo_;
};

ReportModel Builder::build() {
    runs_ = ws_.runs({"", true});
    progress_.setStage("report: reading the study");
    m_.workspacePath = fs::absolute(p_.workspacePath).lexically_normal().string();
    resolveStudy();
    m_.generatedAt = utcNow();
    m_.prominenceVersion = kVersion;
    m_.studyRunId = study_.id;
    m_.studyKind = study_.kind;
    m_.studyName = study_.name;

    const std::optional<Id> modelId =
        study_.modelId ? study_.modelId : compare_ && compare_->modelId ? compare_->modelId
                                        : attribution_ ? attribution_->modelId : std::nullopt;
    if (modelId) {
        m_.model = ws_.model(*modelId);
        m_.parameterCount = m_.model->info.value("parameters", std::int64_t{0});
    } else {
        for (const auto& mr : ws_.models())
            if (compare_ && mr.path == compare_->params.value("model", std::string())) m_.model = mr;
        if (m_.model) m_.parameterCount = m_.model->info.value("parameters", std::int64_t{0});
    }
    m_.machine = {{"study_host", study_.hostname}, {"study_pid", study_.pid}};
    try {
        const json sys = json::parse(systemReportJson());
        m_.machine["report_machine"] = sys;
    } catch (const std::exception&) {
    }

    progress_.check();
    readComparison();
    readHeatmap();
    readHistogram();
    progress_.check();
    readTopNeurons();
    collectSteps();
    writeSummary();
    writeReproduction();

    // The study's name, or the model and the source benchmark.
    m_.title = study_.name;
    if (m_.model && m_.histogram && !m_.histogram->benchmark.empty())
        m_.title += (m_.title.empty() ? "" : ": ") + m_.model->name + " on " + m_.histogram->benchmark;
    if (m_.title.empty()) m_.title = study_.kind + " run " + std::to_string(study_.id);
    return std::move(m_);
}

void Builder::resolveStudy() {
    std::optional<RunRecord> run;
    if (p_.comparisonId) {
        const workspace::ComparisonRecord c = ws_.comparison(*p_.comparisonId);
        run = ws_.run(c.runId);
    } else if (p_.runId) {
        const RunRecord* r = runById(*p_.runId);
        if (!r) throw ParamsError("run " + std::to_string(*p_.runId) + " is not in " + p_.workspacePath);
        run = *r;
    } else {
        for (const char* kind : {"demo|pipeline", "compare", "attribution"}) {
            const std::string k = kind;
            for (const RunRecord& r : runs_)
                if (r.status == RunStatus::Completed && k.find(r.kind) != std::string::npos &&
                    (r.kind != "attribution" || !r.parentRunId))
                    run = r;
            if (run) break;
        }
        if (!run)
            throw ParamsError(p_.workspacePath +
                              " holds no completed demo, pipeline, compare or attribution run to report");
    }
    if (!isStudyKind(run->kind))
        throw ParamsError("run " + std::to_string(run->id) + " is a " + run->kind +
                          " run; a report covers a demo, pipeline, compare or attribution run (or --comparison ID)");
    if (run->status != RunStatus::Completed)
        throw ParamsError("run " + std::to_string(run->id) + " is " + workspace::runStatusName(run->status) +
                          ", not completed: resume it or report another run");
    // A compare run inside a demo or pipeline reports the whole study.
    if (run->kind == "compare" && run->parentRunId)
        if (const RunRecord* parent = runById(*run->parentRunId);
            parent && (parent->kind == "demo" || parent->kind == "pipeline") && parent->status == RunStatus::Completed) {
            compare_ = *run;
            run = *parent;
        }
    study_ = *run;
    if (study_.kind == "compare") compare_ = study_;
    if (!compare_ && (study_.kind == "demo" || study_.kind == "pipeline")) compare_ = childOf(study_.id, "compare");
    if (study_.kind == "attribution") attribution_ = study_;

    // The attribution the method's mask came from.
    if (!attribution_ && compare_) {
        const json prov = compare_->params.value("method_provenance", json::object());
        Id attrRun = prov.value("attribution_run", Id{0});
        if (attrRun == 0 && prov.contains("scores")) attrRun = prov["scores"].value("run", Id{0});
        if (const RunRecord* r = attrRun ? runById(attrRun) : nullptr) attribution_ = *r;
    }
    if (!attribution_ && study_.kind != "compare") {
        for (const RunRecord& r : runs_)
            if (r.parentRunId == study_.id && r.kind == "attribution" && r.status == RunStatus::Completed &&
                !r.params.contains("item_rows") && !attribution_)
                attribution_ = r;
    }
    if (attribution_)
        for (const auto& in : attribution_->inputs)
            if (in.role == "eval" && !sourceEvalRun_) sourceEvalRun_ = in.runId;
    if (study_.kind == "demo") demo_ = demoParamsOf(study_, m_.workspacePath);
}

void Builder::collectSteps() {
    // The study run, then the runs that belong to it (children, the runs a demo or pipeline names in
    // its eval runs' params, their inputs); runs with identical parameters share one table.
    std::set<Id> member = {study_.id};
    auto belongs = [&](const RunRecord& r) {
        if (r.parentRunId && member.count(*r.parentRunId)) return true;
        if (r.params.value("demo_run", Id{0}) == study_.id || r.params.value("pipeline_run", Id{0}) == study_.id)
            return true;
        return false;
    };
    for (bool grew = true; grew;) {
        grew = false;
        for (const RunRecord& r : runs_)
            if (!member.count(r.id) && belongs(r)) {
                member.insert(r.id);
                grew = true;
            }
    }
    if (attribution_) member.insert(attribution_->id);
    if (compare_) member.insert(compare_->id);
    if (sourceEvalRun_) member.insert(*sourceEvalRun_);
    if (compare_)
        for (const auto& e : compare_->params.value("eval_runs", json::array()))
            if (e.contains("run_id")) member.insert(e["run_id"].get<Id>());
    if (m_.comparison)
        for (const auto& e : m_.comparison->table.value("eval_runs", json::array()))
            if (e.contains("run_id")) member.insert(e["run_id"].get<Id>());

    const json demoDefaults =
        demo_ ? demoOptions(demo_->design, demo_->tiny).toJson() : json::object();
    std::map<std::string, std::size_t> seen;  // kind + params -> index in m_.steps
    std::map<std::size_t, std::vector<Id>> sharing;
    for (const RunRecord& r : runs_) {
        if (!member.count(r.id)) continue;
        json params = r.params;
        // What differs between a comparison's eval runs (which condition, seed, benchmark) is in the
        // comparison table; their parameters are otherwise the same.
        for (const char* k : {"demo_run", "pipeline_run", "condition", "seed", "purpose", "role", "items"}) params.erase(k);
        const std::string key = r.kind + "\n" + params.dump();
        if (const auto it = seen.find(key); it != seen.end()) {
            sharing[it->second].push_back(r.id);
            continue;
        }
        ReportStep s;
        s.runId = r.id;
        s.kind = r.kind;
        s.name = r.name;
        s.status = workspace::runStatusName(r.status);
        s.startedAt = r.startedAt;
        s.endedAt = r.endedAt.value_or("");
        s.params = paramsOf(r.params, defaultsOf(r.kind, demoDefaults));
        s.defaults = static_cast<int>(std::count_if(s.params.begin(), s.params.end(), [](const ReportParam& q) { return q.isDefault; }));
        seen.emplace(key, m_.steps.size());
        m_.steps.push_back(std::move(s));
    }
    for (const auto& [i, ids] : sharing) {
        ReportStep& s = m_.steps[i];
        std::string list;
        for (std::size_t k = 0; k < ids.size() && k < 12; ++k) list += (k ? ", " : "") + std::to_string(ids[k]);
        if (ids.size() > 12) list += ", …";
        s.name += " (and " + std::to_string(ids.size()) + " more run" + (ids.size() == 1 ? "" : "s") +
                  " with these parameters: " + list + ")";
    }
}

void Builder::readComparison() {
    if (!compare_) {
        if (study_.kind != "attribution") note("no completed compare run belongs to this study: no comparison");
        return;
    }
    progress_.setStage("report: paired differences");
    ComparisonData d = loadComparisonTable(p_.workspacePath, compare_->id);
    loadPairedDifferences(p_.workspacePath, d);
    m_.comparisonText = compare::formatTable(d.table);
    // Benchmarks, in the comparison's order, from its eval runs.
    std::map<std::string, Id> benchOf;
    for (const auto& e : d.table.value("eval_runs", json::array())) {
        const std::string name = e.value("benchmark", std::string());
        if (benchOf.count(name) || !e.contains("run_id")) continue;
        if (const RunRecord* r = runById(e["run_id"].get<Id>()); r && r->benchmarkId) benchOf[name] = *r->benchmarkId;
    }
    for (const std::string& name : d.benchmarks)
        if (const auto it = benchOf.find(name); it != benchOf.end())
            m_.benchmarks.push_back({ws_.benchmark(it->second), name == d.source ? "source" : "transfer"});
    m_.sources.push_back({"Comparison table and bars", "comparison " + std::to_string(d.comparisonId) +
                                                           " of compare run " + std::to_string(d.runId)});
    if (d.labRunId)
        m_.sources.push_back({"Shortcut Lab ground truth and localisation probe",
                              "summary of demo run " + std::to_string(*d.labRunId)});
    m_.comparison = std::move(d);
}

void Builder::readHeatmap() {
    if (!attribution_) {
        note("no attribution run belongs to this study: no heatmap and no top neurons");
        return;
    }
    std::vector<workspace::NeuronScores> all = ws_.neuronScoresOf(attribution_->id);
    if (all.empty()) {
        note("attribution run " + std::to_string(attribution_->id) + " stores no score matrix");
        return;
    }
    std::optional<Id> wanted;
    if (compare_) {
        const json prov = compare_->params.value("method_provenance", json::object());
        if (prov.contains("scores")) wanted = prov["scores"].value("id", Id{0});
    }
    const workspace::NeuronScores* chosen = nullptr;
    for (const auto& s : all)
        if ((wanted && s.id == *wanted) || (!wanted && !chosen && s.kind.rfind("contrast_", 0) == 0)) chosen = &s;
    if (!chosen) chosen = &all.back();
    ReportHeatmap h;
    h.scoresId = chosen->id;
    h.runId = attribution_->id;
    h.kind = chosen->kind;
    h.dataset = chosen->dataset;
    h.layers = chosen->layers;
    h.neurons = chosen->neurons;
    h.scores = chosen->scores;
    h.prunedPerLayer.assign(static_cast<std::size_t>(h.layers), 0);

    // The method's mask: the compare run's, else the newest mask made from these scores.
    std::vector<workspace::NeuronRef> neurons;
    if (compare_ && compare_->params.contains("method_mask")) {
        for (const auto& n : compare_->params["method_mask"].value("neurons", json::array()))
            neurons.push_back({n.at(0).get<std::int64_t>(), n.at(1).get<std::int64_t>()});
        const json prov = compare_->params.value("method_provenance", json::object());
        if (prov.contains("mask_id")) h.maskId = prov["mask_id"].get<Id>();
    }
    std::vector<workspace::MaskRecord> masks = ws_.masks();
    if (!h.maskId) {
        for (const auto& mk : masks) {
            std::vector<workspace::NeuronRef> sorted = neurons;
            std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return std::tie(a.layer, a.neuron) < std::tie(b.layer, b.neuron); });
            const json& pv = mk.provenance;
            const bool fromScores = pv.contains("scores") && pv["scores"].is_object() && pv["scores"].value("id", Id{0}) == h.scoresId;
            if ((!neurons.empty() && mk.pruned == sorted) || (neurons.empty() && fromScores)) {
                if (!h.maskId) h.maskId = mk.id;
                if (neurons.empty()) h.maskId = mk.id;  // the newest from these scores
            }
        }
    }
    for (const auto& mk : masks)
        if (h.maskId && mk.id == *h.maskId) {
            h.maskName = mk.name;
            if (neurons.empty()) neurons = mk.pruned;
        }
    for (const auto& n : neurons)
        if (n.layer >= 0 && n.layer < h.layers) ++h.prunedPerLayer[static_cast<std::size_t>(n.layer)];
    h.mask = std::move(neurons);
    std::string from = "scores " + std::to_string(h.scoresId) + " (" + h.kind + ") of attribution run " + std::to_string(h.runId);
    if (h.maskId) from += "; mask " + std::to_string(*h.maskId) + " (" + h.maskName + ")";
    else if (!h.mask.empty()) from += "; the method mask of compare run " + std::to_string(compare_->id);
    m_.sources.push_back({"Contrast heatmap, pruned neurons per layer, top neurons", from});
    m_.heatmap = std::move(h);
}

void Builder::readHistogram() {
    if (!sourceEvalRun_) return;
    const RunRecord* run = runById(*sourceEvalRun_);
    if (!run || run->status != RunStatus::Completed) return;
    ReportHistogram h;
    h.evalRunId = run->id;
    if (run->benchmarkId) {
        const workspace::BenchmarkRecord b = ws_.benchmark(*run->benchmarkId);
        h.benchmark = b.name;
        const bool known = std::any_of(m_.benchmarks.begin(), m_.benchmarks.end(),
                                       [&](const ReportBenchmark& x) { return x.record.id == b.id; });
        if (!known) m_.benchmarks.insert(m_.benchmarks.begin(), {b, "source"});
    }
    auto st = ws_.database().prepare("SELECT p_correct, correct FROM run_items WHERE run_id = ? ORDER BY item_index",
                                     "read the source's p(correct)");
    st.bind(1, static_cast<std::int64_t>(run->id));
    while (st.step()) {
        h.pCorrect.push_back(st.getDouble(0));
        h.correct.push_back(st.getInt(1) != 0);
    }
    // The selection the attribution used: the attribution's own record, else the eval run's first.
    std::vector<workspace::Selection> sels = ws_.selections(run->id);
    const Id wanted = attribution_ ? attribution_->params.value("selection_id", Id{0}) : Id{0};
    const workspace::Selection* sel = nullptr;
    for (const auto& s : sels)
        if (s.id == wanted || (!sel && wanted == 0)) sel = &s;
    if (!sel && !sels.empty()) sel = &sels.front();
    if (sel) {
        selectionId_ = sel->id;
        h.selectionId = sel->id;
        h.selectionName = sel->name;
        h.selected = static_cast<std::int64_t>(sel->itemIndices.size());
        h.criterion = sel->criteria.dump();
        if (sel->criteria.contains("threshold")) {
            h.threshold = sel->criteria["threshold"].get<double>();
        } else if (!sel->itemIndices.empty()) {
            double lowest = 1.0;
            for (std::int64_t i : sel->itemIndices)
                if (i >= 0 && static_cast<std::size_t>(i) < h.pCorrect.size()) lowest = std::min(lowest, h.pCorrect[static_cast<std::size_t>(i)]);
            h.threshold = lowest;
        }
    }
    m_.sources.push_back({"p(correct) histogram", "eval run " + std::to_string(h.evalRunId) +
                                                      (h.selectionId ? "; selection " + std::to_string(*h.selectionId) : "")});
    m_.histogram = std::move(h);
}

void Builder::readTopNeurons() {
    if (!m_.heatmap || p_.top <= 0) return;
    const ReportHeatmap& h = *m_.heatmap;
    std::vector<std::size_t> order(h.scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(p_.top), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                      [&](std::size_t a, std::size_t b) { return h.scores[a] > h.scores[b] || (h.scores[a] == h.scores[b] && a < b); });
    std::set<std::pair<std::int64_t, std::int64_t>> pruned;
    for (const auto& x : h.mask) pruned.insert({x.layer, x.neuron});
    for (std::size_t i = 0; i < n; ++i) {
        ReportNeuron r;
        r.layer = static_cast<std::int64_t>(order[i]) / h.neurons;
        r.neuron = static_cast<std::int64_t>(order[i]) % h.neurons;
        r.score = h.scores[order[i]];
        r.rank = static_cast<std::int64_t>(i) + 1;
        r.pruned = pruned.count({r.layer, r.neuron}) > 0;
        m_.topNeurons.push_back(std::move(r));
    }

    // The items behind each neuron: the source's per-item IG rows, largest IG at the neuron first.
    progress_.setStage("report: items behind the top neurons");
    std::map<std::int64_t, workspace::ItemResult> itemByIndex;
    if (sourceEvalRun_)
        for (auto& it : ws_.items(*sourceEvalRun_)) itemByIndex.emplace(it.index, std::move(it));
    std::set<std::int64_t> layers;
    for (const auto& r : m_.topNeurons) layers.insert(r.layer);
    bool anyRows = false;
    for (std::int64_t layer : layers) {
        progress_.check();
        const std::vector<workspace::IgItem> rows = ws_.igItems(attribution_->id, layer);
        for (ReportNeuron& r : m_.topNeurons) {
            if (r.layer != layer) continue;
            std::vector<std::pair<double, const workspace::IgItem*>> ranked;
            for (const auto& row : rows)
                if (static_cast<std::int64_t>(row.attribution.size()) > r.neuron) {
                    ranked.emplace_back(row.attribution[static_cast<std::size_t>(r.neuron)], &row);
                    anyRows = true;
                }
            std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second->itemIndex < b.second->itemIndex); });
            for (std::size_t k = 0; k < ranked.size() && k < 3; ++k) {
                ReportNeuronItem item;
                item.itemIndex = ranked[k].second->itemIndex;
                item.itemId = ranked[k].second->itemId;
                item.attribution = ranked[k].first;
                if (const auto f = itemByIndex.find(item.itemIndex); f != itemByIndex.end()) {
                    item.question = shortened(workspace::questionOf(f->second.prompt), 220);
                    for (const auto& c : f->second.continuations) item.options.push_back(shortened(c, 60));
                    item.gold = f->second.gold;
                    item.pred = f->second.pred;
                }
                r.items.push_back(std::move(item));
            }
        }
    }
    if (!anyRows)
        m_.neuronNote = "attribution run " + std::to_string(attribution_->id) +
                        " stores no per-item IG rows (run with vectors kept to list the items behind each neuron)";

    // Direct output effects, one model load for all neurons.
    if (!p_.directEffects) return;
    if (!m_.model || !fs::exists(fs::path(m_.model->path) / "config.json")) {
        const std::string why = "the model directory " + (m_.model ? m_.model->path : std::string("(none recorded)")) +
                                " is not there: no direct output effects";
        m_.neuronNote += (m_.neuronNote.empty() ? "" : "; ") + why;
        note(why);
        return;
    }
    progress_.setStage("report: direct output effects");
    std::vector<std::pair<int, int>> sites;
    for (const auto& r : m_.topNeurons) sites.emplace_back(static_cast<int>(r.layer), static_cast<int>(r.neuron));
    try {
        const std::vector<DirectEffectResult> effects = runDirectEffects(m_.model->path, "", sites, p_.effectTokens, progress_);
        for (std::size_t i = 0; i < effects.size(); ++i) {
            m_.topNeurons[i].up = effects[i].up;
            m_.topNeurons[i].down = effects[i].down;
        }
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        const std::string why = std::string("direct output effects left out: ") + e.what();
        m_.neuronNote += (m_.neuronNote.empty() ? "" : "; ") + why;
        note(why);
    }
}

void Builder::writeSummary() {
    char buf[512];
    std::string s;
    json headline = {{"study_run", study_.id}, {"study_kind", study_.kind}};
    if (m_.histogram) {
        const auto& h = *m_.histogram;
        std::snprintf(buf, sizeof buf, "Of the %zu items of %s (eval run %lld), %lld answered correctly with high confidence",
                      h.pCorrect.size(), h.benchmark.c_str(), static_cast<long long>(h.evalRunId), static_cast<long long>(h.selected));
        s += buf;
        if (h.threshold) {
            std::snprintf(buf, sizeof buf, " (p(correct) \xE2\x89\xA5 %.3f)", *h.threshold);
            s += buf;
        }
        s += " form the selection the neurons were scored on. ";
        headline["high_confidence"] = h.selected;
        headline["source_items"] = h.pCorrect.size();
    }
    if (m_.heatmap) {
        const auto& h = *m_.heatmap;
        std::string perLayer;
        json per = json::object();
        for (std::size_t l = 0; l < h.prunedPerLayer.size(); ++l)
            if (h.prunedPerLayer[l] > 0) {
                perLayer += (perLayer.empty() ? "" : ", ") + std::to_string(h.prunedPerLayer[l]) + " in layer " + std::to_string(l);
                per[std::to_string(l)] = h.prunedPerLayer[l];
            }
        std::snprintf(buf, sizeof buf, "Integrated Gradients over %lld layers \xC3\x97 %lld MLP neurons gave the %s scores; ",
                      static_cast<long long>(h.layers), static_cast<long long>(h.neurons), h.kind.c_str());
        s += buf;
        if (h.mask.empty()) s += "no mask was made from them. ";
        else s += "the method pruned " + std::to_string(h.mask.size()) + " neurons (" + perLayer + "). ";
        headline["pruned"] = h.mask.size();
        headline["per_layer"] = per;
    }
    json diffs = json::array();
    if (m_.comparison && m_.comparison->pairedLoaded) {
        std::string inDomain, transfer;
        for (const PairedDifference& d : m_.comparison->differences) {
            diffs.push_back({{"benchmark", d.benchmark}, {"source", d.source}, {"contrast", d.a + " - " + d.b},
                             {"mean", d.mean}, {"ci_low", d.ciLow}, {"ci_high", d.ciHigh}});
            if (d.b != "finetune_only") continue;
            std::string& into = d.source ? inDomain : transfer;
            into += (into.empty() ? "" : "; ") + d.benchmark + " " + formatDifference(d) + (d.significant() ? " (CI excludes 0)" : "");
        }
        const auto& c = *m_.comparison;
        std::snprintf(buf, sizeof buf, "After few-shot fine-tuning (%d shots, seeds ", c.shots);
        s += buf;
        for (std::size_t i = 0; i < c.seeds.size(); ++i) s += (i ? "," : "") + std::to_string(c.seeds[i]);
        s += "), the method against fine-tuning alone changed accuracy in-domain by " +
             (inDomain.empty() ? std::string("(not measured)") : inDomain) + " and on transfer by " +
             (transfer.empty() ? std::string("(no transfer benchmark)") : transfer) +
             " (paired differences, " + std::to_string(static_cast<int>(c.ciLevel * 100 + 0.5)) + "% bootstrap intervals over items).";
    }
    headline["differences"] = diffs;
    if (s.empty()) s = "This study stores no selection, scores or comparison that a summary could quote.";
    m_.summary = s;
    m_.headline = headline;
}

void Builder::writeReproduction() {
    const std::string ws = m_.workspacePath;
    try {
        if (study_.kind == "demo") {
            if (demo_) m_.reproduction.push_back(shellQuote(commandLine(*demo_)));
            else note("the demo ran with a changed lab recipe: save run " + std::to_string(study_.id) +
                      "'s params.recipe as a file and pass it with demo --recipe FILE");
        } else if (study_.kind == "pipeline") {
            PipelineParams pp;
            pp.configFile = study_.params.value("config_file", std::string());
            json cfg = study_.params;
            cfg.erase("config_file");
            pp.config = cfg;
            m_.pipelineConfig = cfg.dump(2);
            m_.reproduction.push_back(shellQuote({"prominence-cli", "run", "--config", pp.configFile}));
        }
    } catch (const std::exception& e) {
        note(std::string("no reproduction command: ") + e.what());
    }
    // The stored objects, for anyone who wants to read them back.
    m_.reproduction.push_back(shellQuote({"prominence-cli", "workspace", "--workspace", ws, "--run", std::to_string(study_.id)}));
    if (m_.comparison) {
        m_.reproduction.push_back(shellQuote({"prominence-cli", "workspace", "--workspace", ws, "--run", std::to_string(m_.comparison->runId)}));
    }
    std::vector<std::string> report = {"prominence-cli", "report", "--workspace", ws, "--run", std::to_string(study_.id)};
    if (p_.top != ReportParams{}.top) {
        report.push_back("--top");
        report.push_back(std::to_string(p_.top));
    }
    report.push_back("--output");
    report.push_back("report.pdf");
    m_.reproduction.push_back(shellQuote(report));
}

}  // namespace

void ReportParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("report: --workspace is required");
    if (runId && comparisonId) throw ParamsError("report: give --run or --comparison, not both");
    if (top < 0 || top > 1000) throw ParamsError("report: --top " + std::to_string(top) + " is outside 0..1000");
    if (effectTokens < 1 || effectTokens > 50) throw ParamsError("report: effect tokens outside 1..50");
}

ReportModel buildReportModel(const ReportParams& params, Progress& progress, const Log& log) {
    params.validate();
    if (!fs::exists(params.workspacePath))
        throw ParamsError("report: no workspace at " + params.workspacePath);
    Builder b(params, progress, log);
    return b.build();
}

std::string formatCell(const ComparisonCell& c) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.4f [%.4f, %.4f]", c.mean, c.ciLow, c.ciHigh);
    return buf;
}

std::string formatDifference(const PairedDifference& d) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%+.4f [%+.4f, %+.4f]", d.mean, d.ciLow, d.ciHigh);
    return buf;
}

}  // namespace prominence::study
