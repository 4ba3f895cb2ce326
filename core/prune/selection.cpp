// Selection policies over a score matrix.
#include "core/prune/selection.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/common/error.h"

namespace prominence::prune {

namespace {

struct Candidate {
    double score;
    Neuron neuron;
};

// Best first; ties by (layer, neuron) ascending so the order never depends on the sort algorithm.
bool better(const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.neuron < b.neuron;
}

std::string num(double v) {
    std::string s = std::to_string(v);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

// Candidates of one row (selectable, finite, positive when asked).
std::vector<Candidate> rowCandidates(const ScoreMatrix& m, int row, bool positiveOnly) {
    const at::Tensor scores = m.scores[row].contiguous();
    const double* s = scores.data_ptr<double>();
    at::Tensor sel;
    const bool* ok = nullptr;
    if (m.selectable.defined()) {
        sel = m.selectable[row].contiguous();
        ok = sel.data_ptr<bool>();
    }
    std::vector<Candidate> out;
    for (std::int64_t n = 0; n < scores.size(0); ++n) {
        if (ok && !ok[n]) continue;
        if (positiveOnly && !(s[n] > 0.0)) continue;
        out.push_back({s[n], {m.layers[static_cast<std::size_t>(row)], n}});
    }
    return out;
}

std::vector<int> rowsFor(const ScoreMatrix& m, const std::vector<int>& layers) {
    std::vector<int> rows;
    if (layers.empty()) {
        for (std::size_t r = 0; r < m.layers.size(); ++r) rows.push_back(static_cast<int>(r));
        return rows;
    }
    for (int layer : layers) {
        const int r = m.rowOf(layer);
        if (r < 0) throw InvalidArgument("layer " + std::to_string(layer) + " has no scores (scored layers: " +
                                         [&] {
                                             std::string s;
                                             for (int l : m.layers) s += (s.empty() ? "" : ", ") + std::to_string(l);
                                             return s;
                                         }() + ")");
        rows.push_back(r);
    }
    return rows;
}

void takeBest(std::vector<Candidate> c, std::int64_t count, PruneMask& mask) {
    std::sort(c.begin(), c.end(), better);
    for (std::size_t i = 0; i < c.size() && static_cast<std::int64_t>(i) < count; ++i) mask.add(c[i].neuron);
}

}  // namespace

ScoreMatrix ScoreMatrix::make(std::vector<int> layers, at::Tensor scores, at::Tensor selectable) {
    if (!scores.defined() || scores.dim() != 2)
        throw ShapeError("score matrix must be [layers, neurons], got " +
                         (scores.defined() ? std::to_string(scores.dim()) + " dimensions" : std::string("nothing")));
    if (static_cast<std::int64_t>(layers.size()) != scores.size(0))
        throw ShapeError("score matrix has " + std::to_string(scores.size(0)) + " rows but " + std::to_string(layers.size()) +
                         " layers are named");
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i] < 0) throw InvalidArgument("score matrix: layer " + std::to_string(layers[i]) + " is negative");
        if (i > 0 && layers[i] <= layers[i - 1])
            throw InvalidArgument("score matrix: layers must be ascending and distinct, got " + std::to_string(layers[i - 1]) +
                                  " then " + std::to_string(layers[i]));
    }
    ScoreMatrix m;
    m.layers = std::move(layers);
    m.scores = scores.detach().to(at::kCPU, at::kDouble).contiguous();
    if (at::isnan(m.scores).any().item<bool>()) throw InvalidArgument("score matrix holds NaN scores");
    if (selectable.defined()) {
        if (selectable.sizes() != scores.sizes())
            throw ShapeError("selectable mask has another shape than the score matrix");
        m.selectable = selectable.detach().to(at::kCPU, at::kBool).contiguous();
    }
    return m;
}

ScoreMatrix ScoreMatrix::allLayers(at::Tensor scores) {
    std::vector<int> layers;
    for (std::int64_t r = 0; scores.defined() && scores.dim() == 2 && r < scores.size(0); ++r)
        layers.push_back(static_cast<int>(r));
    return make(std::move(layers), std::move(scores));
}

int ScoreMatrix::rowOf(int layer) const {
    const auto it = std::find(layers.begin(), layers.end(), layer);
    return it == layers.end() ? -1 : static_cast<int>(it - layers.begin());
}

std::string policyName(PolicyKind kind) {
    switch (kind) {
    case PolicyKind::LayerTopPercent: return "layer_top_percent";
    case PolicyKind::PerLayerTopPercent: return "per_layer_top_percent";
    case PolicyKind::GlobalTopK: return "global_top_k";
    case PolicyKind::Threshold: return "threshold";
    case PolicyKind::Explicit: return "explicit";
    }
    return "?";
}

PolicyKind parsePolicy(const std::string& name) {
    for (PolicyKind k : {PolicyKind::LayerTopPercent, PolicyKind::PerLayerTopPercent, PolicyKind::GlobalTopK,
                         PolicyKind::Threshold, PolicyKind::Explicit})
        if (policyName(k) == name) return k;
    throw InvalidArgument("unknown selection policy '" + name +
                          "' (known: layer_top_percent, per_layer_top_percent, global_top_k, threshold, explicit)");
}

std::int64_t percentCount(double percent, std::int64_t n) {
    if (!(percent > 0.0) || percent > 100.0)
        throw InvalidArgument("percent " + num(percent) + " must be in (0, 100]");
    const std::int64_t c = static_cast<std::int64_t>(std::llround(percent * static_cast<double>(n) / 100.0));
    return std::max<std::int64_t>(1, std::min(c, n));
}

void PolicyParams::validate() const {
    switch (kind) {
    case PolicyKind::LayerTopPercent:
        if (layer < 0) throw InvalidArgument("policy layer_top_percent needs a layer >= 0, got " + std::to_string(layer));
        percentCount(percent, 1);
        break;
    case PolicyKind::PerLayerTopPercent: percentCount(percent, 1); break;
    case PolicyKind::GlobalTopK:
        if (k <= 0) throw InvalidArgument("policy global_top_k needs k > 0, got " + std::to_string(k));
        break;
    case PolicyKind::Threshold:
        if (!std::isfinite(threshold)) throw InvalidArgument("policy threshold needs a finite threshold");
        break;
    case PolicyKind::Explicit:
        parseNeuronList(neurons);
        break;
    }
}

nlohmann::json PolicyParams::toJson() const {
    nlohmann::json j = {{"policy", policyName(kind)}};
    switch (kind) {
    case PolicyKind::LayerTopPercent: j["layer"] = layer; j["percent"] = percent; break;
    case PolicyKind::PerLayerTopPercent: j["percent"] = percent; break;
    case PolicyKind::GlobalTopK: j["k"] = k; break;
    case PolicyKind::Threshold: j["threshold"] = threshold; break;
    case PolicyKind::Explicit: j["neurons"] = neurons; return j;
    }
    if (kind != PolicyKind::LayerTopPercent) j["layers"] = layers;
    j["positive_only"] = positiveOnly;
    return j;
}

PolicyParams PolicyParams::fromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw FormatError(source + ": selection policy must be an object");
    auto get = [&](const char* key, auto& out) {
        if (!j.contains(key)) return;
        try {
            j.at(key).get_to(out);
        } catch (const nlohmann::json::exception&) {
            throw FormatError(source + ": policy key '" + key + "' has the wrong type: " + j.at(key).dump());
        }
    };
    static const std::set<std::string> known = {"policy", "layer", "percent", "k", "threshold", "layers", "neurons",
                                                "positive_only"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.count(it.key())) throw FormatError(source + ": unknown policy key '" + it.key() + "'");
    if (!j.contains("policy") || !j.at("policy").is_string()) throw FormatError(source + ": policy: missing key 'policy'");
    PolicyParams p;
    try {
        p.kind = parsePolicy(j.at("policy").get<std::string>());
    } catch (const InvalidArgument& e) {
        throw FormatError(source + ": " + e.what());
    }
    get("layer", p.layer);
    get("percent", p.percent);
    get("k", p.k);
    get("threshold", p.threshold);
    get("layers", p.layers);
    get("neurons", p.neurons);
    get("positive_only", p.positiveOnly);
    p.validate();
    return p;
}

PruneMask selectNeurons(const ScoreMatrix& m, const PolicyParams& p, int modelLayers) {
    p.validate();
    if (p.kind == PolicyKind::Explicit) {
        if (!m.scores.defined()) throw InvalidArgument("explicit policy without scores: use selectExplicit");
        return selectExplicit(p.neurons, modelLayers, m.neurons());
    }
    if (!m.scores.defined()) throw InvalidArgument("policy " + policyName(p.kind) + " needs a score matrix");
    for (int layer : m.layers)
        if (layer >= modelLayers)
            throw InvalidArgument("score matrix names layer " + std::to_string(layer) + " but the model has " +
                                  std::to_string(modelLayers) + " layers");
    PruneMask mask(modelLayers, m.neurons());
    const std::int64_t n = m.neurons();
    switch (p.kind) {
    case PolicyKind::LayerTopPercent: {
        const std::vector<int> rows = rowsFor(m, {p.layer});
        takeBest(rowCandidates(m, rows[0], p.positiveOnly), percentCount(p.percent, n), mask);
        break;
    }
    case PolicyKind::PerLayerTopPercent:
        for (int r : rowsFor(m, p.layers)) takeBest(rowCandidates(m, r, p.positiveOnly), percentCount(p.percent, n), mask);
        break;
    case PolicyKind::GlobalTopK: {
        std::vector<Candidate> all;
        for (int r : rowsFor(m, p.layers)) {
            std::vector<Candidate> c = rowCandidates(m, r, p.positiveOnly);
            all.insert(all.end(), c.begin(), c.end());
        }
        takeBest(std::move(all), p.k, mask);
        break;
    }
    case PolicyKind::Threshold:
        for (int r : rowsFor(m, p.layers))
            for (const Candidate& c : rowCandidates(m, r, p.positiveOnly))
                if (c.score >= p.threshold) mask.add(c.neuron);
        break;
    case PolicyKind::Explicit: break;
    }
    return mask;
}

PruneMask selectExplicit(const std::string& neurons, int modelLayers, std::int64_t modelNeurons) {
    return PruneMask::parse(neurons, modelLayers, modelNeurons);
}

}  // namespace prominence::prune
