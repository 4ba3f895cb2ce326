#include "core/study/mask_step.h"

#include <set>

#include "core/study/params_error.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

bool allDigits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string storedMaskNames(workspace::Workspace& ws) {
    std::string names;
    for (const workspace::MaskRecord& r : ws.masks())
        names += (names.empty() ? "" : ", ") + std::to_string(r.id) + " '" + r.name + "'";
    return names.empty() ? "none" : names;
}

nlohmann::ordered_json perLayerJson(const prune::PruneMask& mask) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [l, c] : mask.countsPerLayer()) out[std::to_string(l)] = c;
    return out;
}

}  // namespace

prune::StoredMask storedMask(workspace::Workspace& ws, const std::string& ref) {
    std::optional<workspace::Id> found;
    const bool byId = allDigits(ref) && ref.size() < 18;
    for (const workspace::MaskRecord& r : ws.masks())
        if (byId ? r.id == std::stoll(ref) : r.name == ref && (!found || r.id > *found)) found = r.id;
    if (!found)
        throw ParamsError(ws.path() + ": no mask " + (byId ? ref : "named '" + ref + "'") +
                          " (stored: " + storedMaskNames(ws) + ")");
    return prune::loadMask(ws, *found);
}

void SaveMaskParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("a mask is stored in a workspace: give --workspace W");
    if (name.empty()) throw ParamsError("the mask needs a name (--save NAME)");
    if (allDigits(name))
        throw ParamsError("mask name '" + name + "' is all digits, which reads as a mask id");
    if (layers < 0 || neurons < 0 || (layers == 0) != (neurons == 0))
        throw ParamsError("the mask's shape must be positive layers x neurons, got " +
                          std::to_string(layers) + "x" + std::to_string(neurons));
    if (layers == 0 && !modelId)
        throw ParamsError("the mask's shape is needed: give --shape LxN or --model-id ID");
    if (pruned.empty()) throw ParamsError("a mask needs at least one neuron (--neurons L:N,...)");
}

SaveMaskResult runSaveMask(const SaveMaskParams& p, Progress& progress) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    for (const workspace::MaskRecord& r : ws.masks())
        if (r.name == p.name)
            throw ParamsError("the workspace already has a mask named '" + p.name + "' (id " +
                              std::to_string(r.id) + ")");
    std::int64_t layers = p.layers, neurons = p.neurons;
    if (p.modelId) {
        std::optional<workspace::ModelRecord> model;
        for (workspace::ModelRecord& m : ws.models())
            if (m.id == *p.modelId) model = std::move(m);
        if (!model)
            throw ParamsError(ws.path() + " has no model " + std::to_string(*p.modelId));
        const nlohmann::json& info = model->info;
        const bool recorded = info.contains("layers") && info.at("layers").is_number_integer() &&
                              info.contains("intermediate_size") &&
                              info.at("intermediate_size").is_number_integer();
        if (layers == 0) {
            if (!recorded)
                throw ParamsError("model " + std::to_string(model->id) +
                                  " records no layer and neuron counts: give --shape LxN");
            layers = info.at("layers").get<std::int64_t>();
            neurons = info.at("intermediate_size").get<std::int64_t>();
        } else if (recorded && (info.at("layers").get<std::int64_t>() != layers ||
                                info.at("intermediate_size").get<std::int64_t>() != neurons)) {
            throw ParamsError("shape " + std::to_string(layers) + "x" + std::to_string(neurons) +
                              " differs from model " + std::to_string(model->id) + "'s " +
                              info.at("layers").dump() + "x" + info.at("intermediate_size").dump());
        }
    }
    progress.check();
    std::vector<prune::Neuron> list;
    for (const workspace::NeuronRef& n : p.pruned) {
        if (n.layer < 0 || n.layer >= layers || n.neuron < 0 || n.neuron >= neurons)
            throw ParamsError("neuron " + std::to_string(n.layer) + ":" + std::to_string(n.neuron) +
                              " is outside the mask's shape " + std::to_string(layers) + "x" +
                              std::to_string(neurons));
        list.push_back({static_cast<int>(n.layer), n.neuron});
    }
    SaveMaskResult out;
    out.mask = asParamsError(
        [&] { return prune::PruneMask::fromNeurons(static_cast<int>(layers), neurons, list); });
    out.maskId = prune::saveMask(ws, p.name, out.mask, p.provenance, std::nullopt, p.modelId);
    out.summary = {{"mask_id", out.maskId},
                   {"name", p.name},
                   {"layers", layers},
                   {"neurons", neurons},
                   {"count", out.mask.size()},
                   {"pruned", out.mask.format()}};
    return out;
}

void DiffMasksParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("diffing masks needs a workspace");
    if (a <= 0 || b <= 0)
        throw ParamsError("option '--diff' expects two positive mask ids A,B, got " +
                          std::to_string(a) + "," + std::to_string(b));
}

DiffMasksResult runDiffMasks(const DiffMasksParams& p, Progress& progress) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    const prune::StoredMask a = storedMask(ws, std::to_string(p.a));
    const prune::StoredMask b = storedMask(ws, std::to_string(p.b));
    progress.check();
    return diffStoredMasks(a, b);
}

DiffMasksResult diffStoredMasks(const prune::StoredMask& a, const prune::StoredMask& b) {
    DiffMasksResult out;
    try {
        out.diff = prune::diffMasks(a.mask, b.mask);
    } catch (const ShapeError& e) {
        const auto label = [](const prune::StoredMask& m) {
            return m.id != 0 ? "mask " + std::to_string(m.id) + " '" + m.name + "'" : "'" + m.name + "'";
        };
        throw ParamsError(label(a) + " and " + label(b) + " cannot be compared: " + e.what());
    }
    const prune::MaskDiff& d = out.diff;
    std::set<int> touched;
    for (const auto& [l, c] : a.mask.countsPerLayer()) touched.insert(l);
    for (const auto& [l, c] : b.mask.countsPerLayer()) touched.insert(l);
    const auto countIn = [](const std::vector<prune::Neuron>& v, int layer) {
        std::int64_t n = 0;
        for (const prune::Neuron& x : v) n += x.layer == layer;
        return n;
    };
    nlohmann::ordered_json perLayer = nlohmann::ordered_json::object();
    for (int l : touched)
        perLayer[std::to_string(l)] = {
            {"a", static_cast<std::int64_t>(a.mask.neuronsOf(l).size())},
            {"b", static_cast<std::int64_t>(b.mask.neuronsOf(l).size())},
            {"overlap", countIn(d.common, l)},
            {"only_a", countIn(d.removed, l)},
            {"only_b", countIn(d.added, l)}};
    out.summary = {{"a", {{"id", a.id}, {"name", a.name}, {"count", a.mask.size()}}},
                   {"b", {{"id", b.id}, {"name", b.name}, {"count", b.mask.size()}}},
                   {"overlap", d.common.size()},
                   {"only_a", d.removed.size()},
                   {"only_b", d.added.size()},
                   {"jaccard", d.jaccard},
                   {"per_layer", perLayer},
                   {"overlap_neurons", prune::formatNeuronList(d.common)},
                   {"only_a_neurons", prune::formatNeuronList(d.removed)},
                   {"only_b_neurons", prune::formatNeuronList(d.added)}};
    return out;
}

void ShowMaskParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("showing a mask needs a workspace");
    if (mask.empty()) throw ParamsError("option '--show' expects a mask name or id");
}

nlohmann::ordered_json runShowMask(const ShowMaskParams& p) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    const prune::StoredMask m = storedMask(ws, p.mask);
    const workspace::MaskRecord rec = ws.mask(m.id);
    return {{"id", m.id},
            {"name", m.name},
            {"layers", m.mask.layers()},
            {"neurons", m.mask.neuronsPerLayer()},
            {"count", m.mask.size()},
            {"pruned", m.mask.format()},
            {"per_layer", perLayerJson(m.mask)},
            {"run_id", m.runId ? nlohmann::ordered_json(*m.runId) : nlohmann::ordered_json()},
            {"model_id", m.modelId ? nlohmann::ordered_json(*m.modelId) : nlohmann::ordered_json()},
            {"provenance", m.provenance},
            {"created_at", rec.createdAt}};
}

}  // namespace prominence::study
