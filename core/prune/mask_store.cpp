// Masks and score matrices read from and written to the workspace.
#include "core/prune/mask_store.h"

#include <cctype>

#include "core/common/error.h"

namespace prominence::prune {

namespace ws = prominence::workspace;

workspace::Id saveMask(ws::Workspace& w, const std::string& name, const PruneMask& mask, const ws::Json& provenance,
                       std::optional<ws::Id> runId, std::optional<ws::Id> modelId) {
    ws::MaskRecord r;
    r.name = name;
    r.runId = runId;
    r.modelId = modelId;
    r.layers = mask.layers();
    r.neurons = mask.neuronsPerLayer();
    for (const Neuron& n : mask.neurons()) r.pruned.push_back({n.layer, n.index});
    r.provenance = provenance;
    return w.saveMask(r);
}

StoredMask loadMask(ws::Workspace& w, ws::Id id) {
    const ws::MaskRecord r = w.mask(id);
    StoredMask s;
    s.id = r.id;
    s.name = r.name;
    s.provenance = r.provenance;
    s.runId = r.runId;
    s.modelId = r.modelId;
    s.mask = PruneMask(static_cast<int>(r.layers), r.neurons);
    for (const ws::NeuronRef& n : r.pruned) s.mask.add({static_cast<int>(n.layer), n.neuron});
    return s;
}

StoredMask findMask(ws::Workspace& w, const std::string& name) {
    std::optional<ws::Id> best;
    std::string names;
    for (const ws::MaskRecord& r : w.masks()) {
        if (r.name == name && (!best || r.id > *best)) best = r.id;
        names += (names.empty() ? "" : ", ") + r.name;
    }
    if (!best)
        throw StorageError(w.path() + ": no mask named '" + name + "' (stored: " + (names.empty() ? "none" : names) + ")");
    return loadMask(w, *best);
}

StoredMask loadMaskByRef(ws::Workspace& w, const std::string& ref) {
    const bool digits = !ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos && ref.size() < 18;
    return digits ? loadMask(w, std::stoll(ref)) : findMask(w, ref);
}

ScoreMatrix scoreMatrixOf(const ws::NeuronScores& s) {
    const std::string what = "neuron scores " + std::to_string(s.id) + " (" + s.dataset + ", " + s.kind + ")";
    if (s.layers <= 0 || s.neurons <= 0 || static_cast<std::int64_t>(s.scores.size()) != s.layers * s.neurons)
        throw ShapeError(what + ": " + std::to_string(s.scores.size()) + " values for [" + std::to_string(s.layers) + ", " +
                         std::to_string(s.neurons) + "]");
    std::vector<int> layers;
    if (s.params.is_object() && s.params.contains("layers") && s.params.at("layers").is_array()) {
        for (const auto& l : s.params.at("layers")) {
            if (!l.is_number_integer()) throw FormatError(what + ": params.layers must hold integers");
            layers.push_back(l.get<int>());
        }
        if (static_cast<std::int64_t>(layers.size()) != s.layers)
            throw ShapeError(what + ": params.layers names " + std::to_string(layers.size()) + " layers for " +
                             std::to_string(s.layers) + " rows");
    } else {
        for (std::int64_t l = 0; l < s.layers; ++l) layers.push_back(static_cast<int>(l));
    }
    at::Tensor t = at::from_blob(const_cast<float*>(s.scores.data()), {s.layers, s.neurons}, at::kFloat).clone();
    return ScoreMatrix::make(std::move(layers), t);
}

ws::NeuronScores findScores(ws::Workspace& w, ws::Id runId, const std::string& kind, const std::string& dataset) {
    const std::vector<ws::NeuronScores> all = w.neuronScoresOf(runId);
    std::vector<const ws::NeuronScores*> hits;
    std::string held;
    for (const auto& s : all) {
        held += (held.empty() ? "" : ", ") + s.dataset + "/" + s.kind;
        if (!dataset.empty() && s.dataset != dataset) continue;
        if (!kind.empty() && s.kind != kind) continue;
        hits.push_back(&s);
    }
    if (kind.empty() && hits.size() > 1) {
        std::vector<const ws::NeuronScores*> contrast;
        for (const auto* s : hits)
            if (s->kind.rfind("contrast", 0) == 0) contrast.push_back(s);
        hits = contrast;
    }
    if (hits.size() != 1)
        throw InvalidArgument("run " + std::to_string(runId) + ": " + (hits.empty() ? "no" : "more than one") +
                              " score matrix matches" + (kind.empty() ? "" : " kind '" + kind + "'") +
                              (dataset.empty() ? "" : " dataset '" + dataset + "'") + " (it holds: " +
                              (held.empty() ? "none" : held) + ")");
    return *hits[0];
}

}  // namespace prominence::prune
