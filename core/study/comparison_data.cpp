#include "core/study/comparison_data.h"

#include <algorithm>
#include <map>

#include "core/common/error.h"
#include "core/compare/statistics.h"

namespace prominence::study {

namespace {

using SeedRuns = std::vector<std::pair<std::uint64_t, workspace::Id>>;

// Correctness of a completed eval run's items, by item index.
std::vector<std::pair<std::int64_t, std::uint8_t>> correctness(workspace::Workspace& ws, workspace::Id runId) {
    const workspace::RunRecord r = ws.run(runId);
    if (r.status != workspace::RunStatus::Completed)
        throw StorageError("eval run " + std::to_string(runId) + " of the comparison is not completed");
    auto st = ws.database().prepare("SELECT item_index, correct FROM run_items WHERE run_id = ? ORDER BY item_index",
                                    "read the items' correctness");
    st.bind(1, static_cast<std::int64_t>(runId));
    std::vector<std::pair<std::int64_t, std::uint8_t>> out;
    while (st.step()) out.emplace_back(st.getInt(0), static_cast<std::uint8_t>(st.getInt(1)));
    return out;
}

std::vector<std::uint8_t> values(const std::vector<std::pair<std::int64_t, std::uint8_t>>& rows) {
    std::vector<std::uint8_t> v;
    v.reserve(rows.size());
    for (const auto& r : rows) v.push_back(r.second);
    return v;
}

// seed -> eval run of one condition on one benchmark, from the table's eval_runs.
SeedRuns runsOf(const nlohmann::json& table, const std::string& condition, const std::string& benchmark) {
    SeedRuns out;
    for (const auto& e : table.value("eval_runs", nlohmann::json::array()))
        if (e.value("condition", std::string()) == condition && e.value("benchmark", std::string()) == benchmark)
            out.emplace_back(e.value("seed", std::uint64_t{0}), e.at("run_id").get<workspace::Id>());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<PairedDifference> differencesOf(workspace::Workspace& ws, const nlohmann::json& table, const nlohmann::json& bootstrap) {
    std::vector<PairedDifference> out;
    const std::string source = table.value("source", std::string());
    for (const auto& [a, b] : comparisonContrasts())
        for (const auto& bench : table.value("benchmarks", nlohmann::json::array())) {
            const std::string name = bench.get<std::string>();
            const SeedRuns ra = runsOf(table, a, name), rb = runsOf(table, b, name);
            if (ra.empty() || rb.empty()) continue;
            PairedDifference d = pairedDifference(ws, ra, rb, bootstrap.value("resamples", 2000),
                                                  bootstrap.value("seed", std::uint64_t{0}), bootstrap.value("level", 0.95));
            d.a = a;
            d.b = b;
            d.benchmark = name;
            d.source = name == source;
            out.push_back(std::move(d));
        }
    return out;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& comparisonContrasts() {
    static const std::vector<std::pair<std::string, std::string>> c = {{"method", "finetune_only"},
                                                                       {"method", "random_finetune"}};
    return c;
}

const ComparisonCell* ComparisonData::cell(const std::string& condition, const std::string& benchmark) const {
    for (const auto& c : cells)
        if (c.condition == condition && c.benchmark == benchmark) return &c;
    return nullptr;
}

const PairedDifference* ComparisonData::difference(const std::string& a, const std::string& b, const std::string& benchmark) const {
    for (const auto& d : differences)
        if (d.a == a && d.b == b && d.benchmark == benchmark) return &d;
    return nullptr;
}

PairedDifference pairedDifference(workspace::Workspace& ws, const SeedRuns& aRuns, const SeedRuns& bRuns, int resamples,
                                  std::uint64_t bootstrapSeed, double level) {
    PairedDifference d;
    d.level = level;
    const bool aFree = aRuns.size() == 1 && aRuns[0].first == 0, bFree = bRuns.size() == 1 && bRuns[0].first == 0;
    // The seeds both conditions ran (a seed-free condition pairs with every seed of the other).
    std::vector<std::pair<workspace::Id, workspace::Id>> pairs;
    if (aFree && bFree) {
        pairs.emplace_back(aRuns[0].second, bRuns[0].second);
    } else if (aFree || bFree) {
        for (const auto& [seed, run] : aFree ? bRuns : aRuns) {
            d.seeds.push_back(seed);
            pairs.emplace_back(aFree ? aRuns[0].second : run, aFree ? run : bRuns[0].second);
        }
    } else {
        for (const auto& [seed, ra] : aRuns)
            for (const auto& [s2, rb] : bRuns)
                if (s2 == seed) {
                    d.seeds.push_back(seed);
                    pairs.emplace_back(ra, rb);
                }
    }
    if (pairs.empty()) throw StorageError("the two conditions share no seed");
    std::vector<std::vector<std::uint8_t>> aRows, bRows;
    std::vector<std::int64_t> indices;
    for (const auto& [ra, rb] : pairs) {
        const auto ca = correctness(ws, ra), cb = correctness(ws, rb);
        std::vector<std::int64_t> ia, ib;
        for (const auto& r : ca) ia.push_back(r.first);
        for (const auto& r : cb) ib.push_back(r.first);
        if (ia != ib || (!indices.empty() && ia != indices))
            throw StorageError("eval runs " + std::to_string(ra) + " and " + std::to_string(rb) + " hold different items");
        indices = ia;
        aRows.push_back(values(ca));
        bRows.push_back(values(cb));
    }
    d.runPairs = pairs;
    d.items = static_cast<int>(indices.size());
    std::vector<double> perItem(indices.size(), 0.0);
    for (std::size_t s = 0; s < aRows.size(); ++s)
        for (std::size_t i = 0; i < perItem.size(); ++i)
            perItem[i] += (static_cast<double>(aRows[s][i]) - static_cast<double>(bRows[s][i])) / static_cast<double>(aRows.size());
    // The mean over seeds of each seed's mean difference equals the mean of the per-item averages; resampling items
    // of those averages is resampling the same items in every seed, as the cells' intervals do.
    BootstrapOptions bo;
    bo.resamples = resamples;
    bo.seed = bootstrapSeed;
    bo.level = level;
    d.mean = perItem.empty() ? 0.0 : mean(perItem);
    const Interval ci = perItem.empty() ? Interval{} : bootstrapMeanInterval(perItem, bo);
    d.ciLow = ci.low;
    d.ciHigh = ci.high;
    const McNemarResult m = mcnemar(aRows, bRows);
    d.onlyA = m.onlyA;
    d.onlyB = m.onlyB;
    d.exactP = m.exactP;
    d.chi2P = m.chi2P;
    return d;
}

ComparisonData loadComparisonTable(const std::string& workspacePath, workspace::Id compareRunId) {
    workspace::Workspace ws = workspace::Workspace::open(workspacePath);
    const workspace::RunRecord run = ws.run(compareRunId);
    if (run.kind != "compare")
        throw InvalidArgument("run " + std::to_string(compareRunId) + " is a '" + run.kind + "' run, not a comparison");
    ComparisonData d;
    d.runId = compareRunId;
    for (const auto& c : ws.comparisons(workspace::ReadScope::Any))
        if (c.runId == compareRunId) {
            d.comparisonId = c.id;
            d.name = c.name;
            d.table = c.table;
        }
    if (d.comparisonId == 0)
        throw StorageError("run " + std::to_string(compareRunId) + " stores no comparison (it is " +
                           workspace::runStatusName(run.status) + ")");
    const nlohmann::json& t = d.table;
    if (!t.contains("cells") || !t.contains("benchmarks"))
        throw FormatError("comparison " + std::to_string(d.comparisonId) + ": the table has no cells");
    d.model = run.params.value("model", std::string());
    d.source = t.value("source", std::string());
    for (const auto& b : t.at("benchmarks")) d.benchmarks.push_back(b.get<std::string>());
    for (const auto& c : t.value("conditions", nlohmann::json::array())) d.conditions.push_back(c.get<std::string>());
    for (const auto& s : t.value("seeds", nlohmann::json::array())) d.seeds.push_back(s.get<std::uint64_t>());
    d.scoring = t.value("scoring", std::string());
    d.shots = t.value("shots", 0);
    d.ciLevel = t.value("ci_level", 0.95);
    if (t.contains("masks") && t.at("masks").contains("method")) d.pruned = t.at("masks").at("method").value("count", std::int64_t{0});
    for (const auto& c : t.at("cells")) {
        ComparisonCell cell;
        cell.condition = c.at("condition").get<std::string>();
        cell.benchmark = c.at("benchmark").get<std::string>();
        cell.source = c.value("source", false);
        cell.seeds = c.value("seeds", 0);
        cell.items = c.value("items", 0);
        cell.mean = c.at("mean").get<double>();
        cell.sd = c.value("sd", 0.0);
        cell.ciLow = c.at("ci_low").get<double>();
        cell.ciHigh = c.at("ci_high").get<double>();
        for (const auto& s : c.value("per_seed", nlohmann::json::array())) cell.perSeed.push_back(s.value("accuracy", 0.0));
        d.cells.push_back(std::move(cell));
    }
    if (run.parentRunId) {
        const workspace::RunRecord parent = ws.run(*run.parentRunId);
        if (parent.kind == "demo" && parent.summary.contains("ground_truth")) {
            d.labRunId = parent.id;
            d.groundTruth = parent.summary.at("ground_truth");
            d.probe = parent.summary.value("probe", nlohmann::json());
        }
    }
    return d;
}

void loadPairedDifferences(const std::string& workspacePath, ComparisonData& d) {
    workspace::Workspace ws = workspace::Workspace::open(workspacePath);
    const nlohmann::json bootstrap = ws.run(d.runId).params.value("bootstrap", nlohmann::json::object());
    d.differences = differencesOf(ws, d.table, bootstrap);
    d.matrix.clear();
    d.matrix.push_back({d.runId, d.comparisonId, d.name, d.source, d.differences});
    for (const auto& c : ws.comparisons()) {
        if (c.runId == d.runId) continue;
        const workspace::RunRecord r = ws.run(c.runId);
        if (r.params.value("model", std::string()) != d.model) continue;
        MatrixRow row{c.runId, c.id, c.name, c.table.value("source", std::string()), {}};
        row.differences = differencesOf(ws, c.table, r.params.value("bootstrap", nlohmann::json::object()));
        if (!row.differences.empty()) d.matrix.push_back(std::move(row));
    }
    d.pairedLoaded = true;
}

}  // namespace prominence::study
