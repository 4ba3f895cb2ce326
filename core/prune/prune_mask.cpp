// PruneMask: parsing, validation, conversions and differences.
#include "core/prune/prune_mask.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "core/common/error.h"

namespace prominence::prune {

namespace {

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// A non-negative decimal integer, digits only; nullopt otherwise (signs, spaces, overflow).
bool parseIndex(const std::string& s, std::int64_t& value) {
    if (s.empty() || s.size() > 18) return false;
    value = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    return true;
}

std::string entryLabel(std::size_t position, const std::string& entry) {
    return "neuron list entry " + std::to_string(position) + " '" + entry + "'";
}

}  // namespace

std::string Neuron::text() const { return std::to_string(layer) + ":" + std::to_string(index); }

std::vector<Neuron> parseNeuronList(const std::string& text) {
    std::vector<Neuron> out;
    std::set<Neuron> seen;
    if (trim(text).empty()) throw InvalidArgument("neuron list is empty: expected L:N[,L:N...]");
    std::size_t start = 0, position = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string raw = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::string entry = trim(raw);
        ++position;
        if (entry.empty()) throw InvalidArgument(entryLabel(position, raw) + " is empty: expected L:N");
        const std::size_t colon = entry.find(':');
        if (colon == std::string::npos || entry.find(':', colon + 1) != std::string::npos)
            throw InvalidArgument(entryLabel(position, entry) + " is not of the form L:N");
        std::int64_t layer = 0, neuron = 0;
        if (!parseIndex(trim(entry.substr(0, colon)), layer) || layer > std::numeric_limits<int>::max())
            throw InvalidArgument(entryLabel(position, entry) + ": layer '" + entry.substr(0, colon) +
                                  "' is not a non-negative integer");
        if (!parseIndex(trim(entry.substr(colon + 1)), neuron))
            throw InvalidArgument(entryLabel(position, entry) + ": neuron '" + entry.substr(colon + 1) +
                                  "' is not a non-negative integer");
        const Neuron n{static_cast<int>(layer), neuron};
        if (!seen.insert(n).second) throw InvalidArgument(entryLabel(position, entry) + ": neuron " + n.text() + " is listed twice");
        out.push_back(n);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string formatNeuronList(const std::vector<Neuron>& neurons) {
    std::string out;
    for (const Neuron& n : neurons) {
        if (!out.empty()) out += ',';
        out += n.text();
    }
    return out;
}

PruneMask::PruneMask(int layers, std::int64_t neuronsPerLayer) : layers_(layers), neuronsPerLayer_(neuronsPerLayer) {
    if (layers <= 0 || neuronsPerLayer <= 0)
        throw InvalidArgument("mask shape [" + std::to_string(layers) + " layers, " + std::to_string(neuronsPerLayer) +
                              " neurons] must be positive");
}

PruneMask PruneMask::forModel(const Model& model) { return PruneMask(model.numLayers(), model.intermediateSize()); }

void PruneMask::check(const Neuron& n) const {
    if (n.layer < 0 || n.layer >= layers_)
        throw InvalidArgument("neuron " + n.text() + ": layer " + std::to_string(n.layer) + " is out of range [0, " +
                              std::to_string(layers_) + ")");
    if (n.index < 0 || n.index >= neuronsPerLayer_)
        throw InvalidArgument("neuron " + n.text() + ": neuron " + std::to_string(n.index) + " is out of range [0, " +
                              std::to_string(neuronsPerLayer_) + ")");
}

PruneMask PruneMask::fromNeurons(int layers, std::int64_t neuronsPerLayer, const std::vector<Neuron>& neurons) {
    PruneMask mask(layers, neuronsPerLayer);
    for (const Neuron& n : neurons)
        if (!mask.add(n)) throw InvalidArgument("neuron " + n.text() + " is listed twice");
    return mask;
}

PruneMask PruneMask::parse(const std::string& text, int layers, std::int64_t neuronsPerLayer) {
    const std::vector<Neuron> list = parseNeuronList(text);
    PruneMask mask(layers, neuronsPerLayer);
    for (std::size_t i = 0; i < list.size(); ++i) {
        try {
            mask.add(list[i]);
        } catch (const InvalidArgument& e) {
            throw InvalidArgument("neuron list entry " + std::to_string(i + 1) + " '" + list[i].text() + "': " + e.what());
        }
    }
    return mask;
}

std::vector<std::int64_t> PruneMask::neuronsOf(int layer) const {
    std::vector<std::int64_t> out;
    for (auto it = neurons_.lower_bound({layer, 0}); it != neurons_.end() && it->layer == layer; ++it)
        out.push_back(it->index);
    return out;
}

std::map<int, std::int64_t> PruneMask::countsPerLayer() const {
    std::map<int, std::int64_t> out;
    for (const Neuron& n : neurons_) ++out[n.layer];
    return out;
}

bool PruneMask::add(const Neuron& n) {
    check(n);
    return neurons_.insert(n).second;
}

bool PruneMask::remove(const Neuron& n) { return neurons_.erase(n) != 0; }

std::string PruneMask::format() const { return formatNeuronList(list()); }

NeuronMask PruneMask::toNeuronMask(at::Device device) const {
    NeuronMask mask;
    mask.scales.resize(static_cast<std::size_t>(layers_));
    for (const auto& [layer, count] : countsPerLayer()) {
        at::Tensor scale = at::ones({neuronsPerLayer_}, at::kFloat);
        const std::vector<std::int64_t> idx = neuronsOf(layer);
        scale.index_fill_(0, at::tensor(idx, at::kLong), 0.0);
        mask.scales[static_cast<std::size_t>(layer)] = scale.to(device);
    }
    return mask;
}

void PruneMask::checkFits(const Model& model, const std::string& what) const {
    if (model.numLayers() != layers_ || model.intermediateSize() != neuronsPerLayer_)
        throw ShapeError(what + " refers to a model with " + std::to_string(layers_) + " layers of " +
                         std::to_string(neuronsPerLayer_) + " MLP neurons; this model has " +
                         std::to_string(model.numLayers()) + " layers of " + std::to_string(model.intermediateSize()));
}

nlohmann::json PruneMask::toJson() const {
    nlohmann::json list = nlohmann::json::array();
    for (const Neuron& n : neurons_) list.push_back({n.layer, n.index});
    return {{"layers", layers_}, {"neurons_per_layer", neuronsPerLayer_}, {"count", neurons_.size()}, {"neurons", list}};
}

PruneMask PruneMask::fromJson(const nlohmann::json& j, const std::string& source) {
    auto need = [&](const char* key) -> const nlohmann::json& {
        if (!j.is_object() || !j.contains(key)) throw FormatError(source + ": mask: missing key '" + key + "'");
        return j.at(key);
    };
    const nlohmann::json& layers = need("layers");
    const nlohmann::json& perLayer = need("neurons_per_layer");
    const nlohmann::json& list = need("neurons");
    if (!layers.is_number_integer() || !perLayer.is_number_integer())
        throw FormatError(source + ": mask: 'layers' and 'neurons_per_layer' must be integers");
    if (!list.is_array()) throw FormatError(source + ": mask: 'neurons' must be an array of [layer, neuron] pairs");
    PruneMask mask(layers.get<int>(), perLayer.get<std::int64_t>());
    for (std::size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& e = list[i];
        if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer())
            throw FormatError(source + ": mask: neurons[" + std::to_string(i) + "] must be [layer, neuron], got " + e.dump());
        const Neuron n{e[0].get<int>(), e[1].get<std::int64_t>()};
        try {
            if (!mask.add(n)) throw InvalidArgument("neuron " + n.text() + " is listed twice");
        } catch (const InvalidArgument& err) {
            throw InvalidArgument(source + ": mask: neurons[" + std::to_string(i) + "]: " + err.what());
        }
    }
    return mask;
}

MaskDiff diffMasks(const PruneMask& from, const PruneMask& to) {
    if (from.layers() != to.layers() || from.neuronsPerLayer() != to.neuronsPerLayer())
        throw ShapeError("cannot compare masks of different model shapes: [" + std::to_string(from.layers()) + ", " +
                         std::to_string(from.neuronsPerLayer()) + "] and [" + std::to_string(to.layers()) + ", " +
                         std::to_string(to.neuronsPerLayer()) + "]");
    MaskDiff d;
    std::set_difference(to.neurons().begin(), to.neurons().end(), from.neurons().begin(), from.neurons().end(),
                        std::back_inserter(d.added));
    std::set_difference(from.neurons().begin(), from.neurons().end(), to.neurons().begin(), to.neurons().end(),
                        std::back_inserter(d.removed));
    std::set_intersection(from.neurons().begin(), from.neurons().end(), to.neurons().begin(), to.neurons().end(),
                          std::back_inserter(d.common));
    const std::size_t unionSize = d.added.size() + d.removed.size() + d.common.size();
    d.jaccard = unionSize == 0 ? 1.0 : static_cast<double>(d.common.size()) / static_cast<double>(unionSize);
    return d;
}

}  // namespace prominence::prune
