#include "core/attribution/dataset_attribution.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/common/error.h"
#include "core/data/rendering.h"
#include "core/data/text_utils.h"

namespace prominence::attribution {
namespace {

using workspace::Id;

std::string runLabel(Id id) { return "run " + std::to_string(id); }

nlohmann::json runParams(const workspace::Selection& sel, const std::string& dataset, const SelectionAttributionOptions& o,
                         const std::vector<int>& layers) {
    nlohmann::json p = {{"attribution", o.params.toJson()}, {"aggregate", o.aggregate.toJson()},
                        {"layers", layers}, {"dataset", dataset}, {"selection_id", sel.id},
                        {"eval_run_id", sel.runId}, {"store_vectors", o.storeVectors}};
    for (const auto& [k, v] : o.extraParams.items()) p[k] = v;
    return p;
}

// Stores one item's rows (its own transaction) and adds it to the aggregate.
struct ItemWriter {
    workspace::Workspace& ws;
    Id runId;
    const std::map<std::int64_t, std::string>& itemIds;
    const std::string& dataset;
    bool storeVectors;
    ScoreAccumulator& acc;
    std::int64_t flagged = 0;

    void operator()(const ItemAttribution& a) {
        std::vector<workspace::IgItem> rows;
        for (const LayerAttribution& l : a.layers) {
            workspace::IgItem r;
            r.itemIndex = a.id;
            r.itemId = itemIds.at(a.id);
            r.layer = l.layer;
            r.fInput = l.fInput;
            r.fBaseline = l.fBaseline;
            r.delta = l.delta;
            r.neurons = l.ig.size(0);
            if (storeVectors) {
                const at::Tensor f = l.ig.to(at::kFloat).contiguous();
                r.attribution.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
            }
            r.summary = {{"dataset", dataset}, {"flagged", l.flagged}, {"relative_residual", l.relativeResidual}};
            rows.push_back(std::move(r));
        }
        ws.addIgItems(runId, rows);
        acc.add(a.id, a.matrix());
        flagged += a.flagged();
    }
};

SelectionAttribution runOver(workspace::Workspace& ws, const Model& model, const Tokenizer& tok, Id runId,
                             const workspace::Selection& sel, const std::string& dataset,
                             const SelectionAttributionOptions& o, const std::vector<int>& layers, bool keepOpen,
                             Progress& progress) {
    const workspace::RunRecord evalRun = ws.run(sel.runId);
    const PromptEncoding enc = PromptEncoding::fromEvalRun(evalRun);
    const std::vector<workspace::ItemResult> stored = ws.items(sel.runId);
    std::map<std::int64_t, std::string> itemIds;
    for (const auto& r : stored) itemIds[r.index] = r.itemId;
    const std::vector<AttributionItem> items = attributionItemsFromStored(stored, sel.itemIndices, tok, enc);

    ScoreAccumulator acc(layers, model.intermediateSize(), o.aggregate);
    // Items a previous attempt finished: re-read for the aggregate, skipped by the run.
    std::set<std::int64_t> done;
    std::int64_t flaggedBefore = 0;
    {
        std::map<std::int64_t, std::vector<workspace::IgItem>> byItem;
        for (auto& r : ws.igItems(runId, std::nullopt, workspace::ReadScope::Any)) byItem[r.itemIndex].push_back(std::move(r));
        for (auto& [index, rows] : byItem) {
            if (rows.size() != layers.size()) continue;  // a partial item is attributed again
            at::Tensor m = at::zeros({static_cast<std::int64_t>(layers.size()), model.intermediateSize()}, at::kDouble);
            for (std::size_t k = 0; k < rows.size(); ++k) {
                if (rows[k].attribution.empty())
                    throw InvalidArgument(runLabel(runId) + " stored no IG vectors (store_vectors false): it cannot be resumed");
                m[static_cast<std::int64_t>(k)].copy_(
                    at::from_blob(rows[k].attribution.data(), {static_cast<std::int64_t>(rows[k].attribution.size())}, at::kFloat)
                        .to(at::kDouble));
            }
            acc.add(index, m);
            done.insert(index);
            bool flagged = false;
            for (const auto& r : rows) flagged = flagged || r.summary.value("flagged", false);
            flaggedBefore += flagged;
        }
    }
    ItemWriter writer{ws, runId, itemIds, dataset, o.storeVectors, acc};
    SelectionAttribution out;
    out.runId = runId;
    out.selectionId = sel.id;
    out.dataset = dataset;
    try {
        out.summary = attributeItems(model, items, o.params, o.meanBaseline, done, std::ref(writer), progress);
        out.summary.flagged = writer.flagged + flaggedBefore;
        out.scores = acc.result();
        auto save = [&](const std::string& kind, const at::Tensor& m, bool withCounts) {
            workspace::NeuronScores ns;
            ns.runId = runId;
            ns.dataset = dataset;
            ns.selectionId = sel.id;
            ns.kind = kind;
            ns.layers = static_cast<std::int64_t>(layers.size());
            ns.neurons = model.intermediateSize();
            const at::Tensor f = m.to(at::kFloat).contiguous();
            ns.scores.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
            if (withCounts) {
                const at::Tensor c = out.scores.count.to(at::kInt).contiguous();
                ns.counts.assign(c.data_ptr<std::int32_t>(), c.data_ptr<std::int32_t>() + c.numel());
            }
            ns.itemCount = out.scores.items;
            ns.params = {{"layers", layers}, {"aggregate", o.aggregate.toJson()}};
            return ws.saveNeuronScores(ns);
        };
        out.meanIgId = save("mean_ig", out.scores.meanIg, false);
        out.meanAbsIgId = save("mean_abs_ig", out.scores.meanAbsIg, false);
        out.freqId = save("freq", out.scores.frequency, true);
        if (!keepOpen)
            ws.finishRun(runId, {{"items", out.scores.items}, {"flagged_items", out.summary.flagged},
                                 {"resumed_items", out.summary.skipped}});
    } catch (const Cancelled&) {
        ws.cancelRun(runId, {{"items", acc.items()}});
        throw;
    } catch (const std::exception& e) {
        ws.failRun(runId, e.what());
        throw;
    }
    return out;
}

}  // namespace

PromptEncoding PromptEncoding::fromEvalRun(const workspace::RunRecord& run) {
    if (run.kind != "eval") throw InvalidArgument(runLabel(run.id) + " is a '" + run.kind + "' run, not an eval run");
    PromptEncoding e;
    if (!run.params.contains("scoring") || !run.params.at("scoring").is_string())
        throw FormatError(runLabel(run.id) + ": its parameters do not say how it scored items (no \"scoring\")");
    e.scoring = eval::parseScoring(run.params.at("scoring").get<std::string>());
    if (run.params.contains("add_bos")) {
        if (!run.params.at("add_bos").is_boolean()) throw FormatError(runLabel(run.id) + ": \"add_bos\" is not a boolean");
        e.addBos = run.params.at("add_bos").get<bool>();
    }
    return e;
}

std::vector<std::int64_t> encodePrompt(const Tokenizer& tok, const std::string& prompt, bool addBos) {
    std::vector<std::int64_t> ids;
    if (addBos) {
        if (!tok.bosId()) throw InvalidArgument("the prompts were encoded with a BOS token, but the tokenizer defines none");
        ids.push_back(*tok.bosId());
    }
    const auto body = tok.encode(data::rstrip(prompt), false);
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
}

std::int64_t firstAnswerToken(const Tokenizer& tok, const std::string& prompt, const std::string& continuation,
                              const std::string& itemId) {
    const std::string trimmed = data::rstrip(prompt);
    const auto body = tok.encode(trimmed, false);
    const auto whole = tok.encode(trimmed + prompt.substr(trimmed.size()) + continuation, false);
    if (whole.size() <= body.size())
        throw InvalidArgument("item '" + itemId + "': the answer '" + continuation + "' has no tokens");
    return whole[body.size()];
}

AttributionItem attributionItemFor(const Tokenizer& tok, const PromptEncoding& enc, std::int64_t index,
                                   const std::string& itemId, const std::string& prompt,
                                   const std::vector<std::string>& continuations, std::int64_t gold) {
    if (gold < 0 || gold >= static_cast<std::int64_t>(continuations.size()))
        throw InvalidArgument("item '" + itemId + "': gold " + std::to_string(gold) + " is not one of its " +
                              std::to_string(continuations.size()) + " options");
    AttributionItem a;
    a.id = index;
    a.inputIds = encodePrompt(tok, prompt, enc.addBos);
    for (const std::string& c : continuations) {
        const std::string cont = enc.scoring == eval::Scoring::Letter ? " " + c : c;
        a.optionTokens.push_back(firstAnswerToken(tok, prompt, cont, itemId));
    }
    a.target = a.optionTokens.at(static_cast<std::size_t>(gold));
    // Options sharing a first token cannot be told apart by the margin; keep them distinct.
    std::set<std::int64_t> distinct(a.optionTokens.begin(), a.optionTokens.end());
    a.optionTokens.assign(distinct.begin(), distinct.end());
    return a;
}

std::vector<AttributionItem> attributionItemsFromStored(const std::vector<workspace::ItemResult>& stored,
                                                        const std::vector<std::int64_t>& indices, const Tokenizer& tok,
                                                        const PromptEncoding& enc) {
    std::map<std::int64_t, const workspace::ItemResult*> byIndex;
    for (const auto& r : stored) byIndex[r.index] = &r;
    std::vector<AttributionItem> out;
    for (std::int64_t i : indices) {
        const auto it = byIndex.find(i);
        if (it == byIndex.end()) throw InvalidArgument("item index " + std::to_string(i) + " is not in the eval run");
        const workspace::ItemResult& r = *it->second;
        out.push_back(attributionItemFor(tok, enc, r.index, r.itemId, r.prompt, r.continuations, r.gold));
    }
    return out;
}

std::vector<AttributionItem> attributionItemsFromScores(const std::vector<eval::ItemScore>& scored,
                                                        const std::vector<std::int64_t>& indices, const Tokenizer& tok,
                                                        const PromptEncoding& enc) {
    std::vector<AttributionItem> out;
    for (std::int64_t i : indices) {
        if (i < 0 || i >= static_cast<std::int64_t>(scored.size()))
            throw InvalidArgument("item index " + std::to_string(i) + " is not in the eval result");
        const eval::ItemScore& s = scored[static_cast<std::size_t>(i)];
        out.push_back(attributionItemFor(tok, enc, i, s.id, s.prompt, s.continuations, s.gold));
    }
    return out;
}

SelectionAttribution attributeSelection(workspace::Workspace& ws, const Model& model, const Tokenizer& tok,
                                        Id selectionId, const SelectionAttributionOptions& o, bool keepOpen,
                                        Progress& progress) {
    const workspace::Selection sel = ws.selection(selectionId);
    const workspace::RunRecord evalRun = ws.run(sel.runId);
    o.params.validate(model.numLayers());
    o.aggregate.validate();
    if (o.params.baseline == BaselineKind::Mean && o.meanBaseline.empty())
        throw InvalidArgument("the mean baseline needs its activation vectors (meanSiteActivations)");
    const std::vector<int> layers = o.params.resolvedLayers(model.numLayers());
    const std::string dataset = !o.dataset.empty() ? o.dataset
                                : evalRun.benchmarkId ? std::filesystem::path(ws.benchmark(*evalRun.benchmarkId).name).stem().string()
                                                      : evalRun.name;
    workspace::RunStart rs;
    rs.kind = "attribution";
    rs.name = o.name.empty() ? "attribution/" + dataset + "/" + sel.name : o.name;
    rs.modelId = o.modelId ? o.modelId : evalRun.modelId;
    rs.benchmarkId = evalRun.benchmarkId;
    rs.parentRunId = o.parentRunId;
    rs.inputs = {{sel.runId, "eval"}};
    rs.params = runParams(sel, dataset, o, layers);
    const Id runId = ws.beginRun(rs);
    return runOver(ws, model, tok, runId, sel, dataset, o, layers, keepOpen, progress);
}

SelectionAttribution resumeSelectionAttribution(workspace::Workspace& ws, const Model& model, const Tokenizer& tok,
                                                Id runId, const std::vector<at::Tensor>& meanBaseline, bool keepOpen,
                                                Progress& progress) {
    const workspace::RunRecord run = ws.run(runId);
    if (run.kind != "attribution") throw InvalidArgument(runLabel(runId) + " is a '" + run.kind + "' run, not an attribution run");
    const nlohmann::json& p = run.params;
    for (const char* key : {"attribution", "aggregate", "selection_id", "dataset", "layers"})
        if (!p.contains(key)) throw FormatError(runLabel(runId) + ": its parameters lack \"" + key + "\"");
    SelectionAttributionOptions o;
    o.params = AttributionParams::fromJson(p.at("attribution"));
    o.aggregate = AggregateParams::fromJson(p.at("aggregate"));
    o.storeVectors = p.value("store_vectors", true);
    o.meanBaseline = meanBaseline;
    if (o.params.baseline == BaselineKind::Mean && o.meanBaseline.empty())
        throw InvalidArgument(runLabel(runId) + " used the mean baseline: give its activation vectors again");
    const std::vector<int> layers = p.at("layers").get<std::vector<int>>();
    if (layers != o.params.resolvedLayers(model.numLayers()))
        throw ShapeError(runLabel(runId) + " attributed layers that this model does not have: is it the same model?");
    const workspace::Selection sel = ws.selection(p.at("selection_id").get<Id>());
    ws.resumeRun(runId);
    return runOver(ws, model, tok, runId, sel, p.at("dataset").get<std::string>(), o, layers, keepOpen, progress);
}

NeuronScores loadStoredScores(workspace::Workspace& ws, Id attributionRunId) {
    const std::vector<workspace::NeuronScores> all = ws.neuronScoresOf(attributionRunId);
    const workspace::RunRecord run = ws.run(attributionRunId);
    NeuronScores s;
    if (run.params.contains("aggregate")) s.params = AggregateParams::fromJson(run.params.at("aggregate"));
    if (!run.params.contains("layers")) throw FormatError(runLabel(attributionRunId) + ": its parameters lack \"layers\"");
    s.layers = run.params.at("layers").get<std::vector<int>>();
    std::map<std::string, const workspace::NeuronScores*> byKind;
    for (const auto& n : all) byKind[n.kind] = &n;
    auto matrix = [&](const std::string& kind) {
        const auto it = byKind.find(kind);
        if (it == byKind.end())
            throw InvalidArgument(runLabel(attributionRunId) + " holds no '" + kind + "' scores: is it a finished attribution run?");
        const workspace::NeuronScores& n = *it->second;
        if (n.layers != static_cast<std::int64_t>(s.layers.size()))
            throw ShapeError(runLabel(attributionRunId) + ": '" + kind + "' has " + std::to_string(n.layers) +
                             " rows for " + std::to_string(s.layers.size()) + " layers");
        s.items = n.itemCount;
        return at::from_blob(const_cast<float*>(n.scores.data()), {n.layers, n.neurons}, at::kFloat).to(at::kDouble);
    };
    s.meanIg = matrix("mean_ig");
    s.meanAbsIg = matrix("mean_abs_ig");
    s.frequency = matrix("freq");
    const workspace::NeuronScores& f = *byKind.at("freq");
    if (!f.counts.empty())
        s.count = at::from_blob(const_cast<std::int32_t*>(f.counts.data()), {f.layers, f.neurons}, at::kInt).to(at::kLong);
    else
        s.count = at::round(s.frequency * static_cast<double>(s.items)).to(at::kLong);
    return s;
}

std::vector<NeuronItem> topItemsForNeuron(workspace::Workspace& ws, Id attributionRunId, int layer, std::int64_t neuron,
                                          std::size_t k) {
    std::vector<NeuronItem> all;
    for (const workspace::IgItem& r : ws.igItems(attributionRunId, layer)) {
        if (r.attribution.empty())
            throw InvalidArgument(runLabel(attributionRunId) + " stored no IG vectors (store_vectors false)");
        if (neuron < 0 || neuron >= static_cast<std::int64_t>(r.attribution.size()))
            throw InvalidArgument("neuron " + std::to_string(neuron) + " is outside layer " + std::to_string(layer) + "'s " +
                                  std::to_string(r.attribution.size()) + " neurons");
        all.push_back({r.itemIndex, r.itemId, static_cast<double>(r.attribution[static_cast<std::size_t>(neuron)])});
    }
    if (all.empty())
        throw InvalidArgument(runLabel(attributionRunId) + " holds no IG for layer " + std::to_string(layer));
    std::stable_sort(all.begin(), all.end(), [](const NeuronItem& a, const NeuronItem& b) { return a.ig > b.ig; });
    if (all.size() > k) all.resize(k);
    return all;
}

Id storeContrast(workspace::Workspace& ws, Id runId, const std::string& dataset, std::optional<Id> selectionId,
                 const NeuronScores& inDomain, const std::vector<const NeuronScores*>& references,
                 const std::vector<std::string>& referenceNames, const ContrastParams& params, ContrastResult* result) {
    const ContrastResult c = contrast(inDomain, references, params);
    std::string refs;
    for (const std::string& n : referenceNames) refs += (refs.empty() ? "" : "+") + n;
    workspace::NeuronScores ns;
    ns.runId = runId;
    ns.dataset = dataset;
    ns.selectionId = selectionId;
    ns.kind = "contrast_" + refs;
    ns.layers = static_cast<std::int64_t>(c.layers.size());
    ns.neurons = inDomain.neurons();
    const at::Tensor f = c.score.to(at::kFloat).contiguous();
    ns.scores.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
    ns.itemCount = inDomain.items;
    ns.params = {{"layers", c.layers}, {"contrast", params.toJson()}, {"references", refs}};
    const Id id = ws.saveNeuronScores(ns);
    if (result != nullptr) *result = c;
    return id;
}

}  // namespace prominence::attribution
