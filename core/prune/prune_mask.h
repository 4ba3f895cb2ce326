#pragma once
// PruneMask: the set of MLP neurons (layer, neuron) a model has removed, with the model shape it
// refers to. Neurons are the site units of core/model (`blocks.{L}.mlp.post`), whatever the
// architecture. Text form "L:N[,L:N...]" (0-based), parsed strictly: every bad entry is named.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/model.h"

namespace prominence::prune {

struct Neuron {
    int layer = 0;
    std::int64_t index = 0;

    bool operator<(const Neuron& o) const { return layer != o.layer ? layer < o.layer : index < o.index; }
    bool operator==(const Neuron& o) const { return layer == o.layer && index == o.index; }
    bool operator!=(const Neuron& o) const { return !(*this == o); }
    std::string text() const;  // "L:N"
};

// "L:N[,L:N...]" without shape checks. Whitespace around entries is allowed; an empty entry, a
// missing colon, a non-integer, a negative number or a repeated neuron is an InvalidArgument that
// quotes the entry and its 1-based position.
std::vector<Neuron> parseNeuronList(const std::string& text);
std::string formatNeuronList(const std::vector<Neuron>& neurons);

class PruneMask {
public:
    PruneMask() = default;
    // An empty mask for a model with `layers` layers of `neuronsPerLayer` MLP neurons (both > 0).
    PruneMask(int layers, std::int64_t neuronsPerLayer);
    static PruneMask forModel(const Model& model);

    // Validated against the shape: InvalidArgument naming the entry that is out of range or repeated.
    static PruneMask fromNeurons(int layers, std::int64_t neuronsPerLayer, const std::vector<Neuron>& neurons);
    static PruneMask parse(const std::string& text, int layers, std::int64_t neuronsPerLayer);

    int layers() const { return layers_; }
    std::int64_t neuronsPerLayer() const { return neuronsPerLayer_; }
    std::size_t size() const { return neurons_.size(); }
    bool empty() const { return neurons_.empty(); }
    bool contains(const Neuron& n) const { return neurons_.count(n) != 0; }
    const std::set<Neuron>& neurons() const { return neurons_; }
    std::vector<Neuron> list() const { return {neurons_.begin(), neurons_.end()}; }
    // Neuron indices of one layer, ascending.
    std::vector<std::int64_t> neuronsOf(int layer) const;
    // Layers holding at least one pruned neuron, with their counts.
    std::map<int, std::int64_t> countsPerLayer() const;

    // Returns false when the neuron was already there; InvalidArgument when out of range.
    bool add(const Neuron& n);
    bool remove(const Neuron& n);

    std::string format() const;  // "L:N,L:N" sorted by (layer, neuron); "" when empty

    // The activation mask of core/model: zeros at the pruned neurons of each touched layer.
    NeuronMask toNeuronMask(at::Device device = at::kCPU) const;
    // ShapeError when the model's layer count or intermediate size differs from the mask's.
    void checkFits(const Model& model, const std::string& what = "mask") const;

    // {"layers": L, "neurons_per_layer": I, "neurons": [[l, n], ...]}
    nlohmann::json toJson() const;
    // FormatError naming `source` and the key at fault; InvalidArgument for out-of-range neurons.
    static PruneMask fromJson(const nlohmann::json& j, const std::string& source);

    bool operator==(const PruneMask& o) const {
        return layers_ == o.layers_ && neuronsPerLayer_ == o.neuronsPerLayer_ && neurons_ == o.neurons_;
    }

private:
    void check(const Neuron& n) const;

    int layers_ = 0;
    std::int64_t neuronsPerLayer_ = 0;
    std::set<Neuron> neurons_;
};

// How two masks differ: `added` are in `to` only, `removed` in `from` only.
struct MaskDiff {
    std::vector<Neuron> added;
    std::vector<Neuron> removed;
    std::vector<Neuron> common;
    double jaccard = 1.0;  // |common| / |union|; 1 for two empty masks
};
// ShapeError when the masks refer to different model shapes.
MaskDiff diffMasks(const PruneMask& from, const PruneMask& to);

}  // namespace prominence::prune
