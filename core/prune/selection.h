#pragma once
// Selection policies: which neurons a score matrix prunes. Every policy is deterministic: neurons
// are ranked by score, descending, ties broken by (layer, neuron) ascending; NaN scores are refused.
//
//   layer_top_percent      top p % of one layer (the paper's single-layer setting)
//   per_layer_top_percent  top p % of each scored layer (or of `layers`)
//   global_top_k           the k best neurons over all scored layers (or `layers`)
//   threshold              every neuron whose score is >= t
//   explicit               a given "L:N,..." list (what the GUI's clicks produce); needs no scores
//
// p % of n neurons is round(p * n / 100) (half away from zero), at least 1 when p > 0.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/torch.h"
#include "core/prune/prune_mask.h"

namespace prominence::prune {

// Scores of some layers of a model: row r of `scores` holds layer `layers[r]`.
struct ScoreMatrix {
    std::vector<int> layers;  // ascending, distinct, each in [0, model layers)
    at::Tensor scores;        // [rows, neurons], converted to float64
    at::Tensor selectable;    // optional [rows, neurons] bool; false never gets pruned

    // Checks the shapes and converts; ShapeError / InvalidArgument naming what is wrong.
    static ScoreMatrix make(std::vector<int> layers, at::Tensor scores, at::Tensor selectable = {});
    // Every layer: rows 0..L-1.
    static ScoreMatrix allLayers(at::Tensor scores);
    std::int64_t neurons() const { return scores.size(1); }
    int rowOf(int layer) const;  // -1 when the layer is not scored
};

enum class PolicyKind { LayerTopPercent, PerLayerTopPercent, GlobalTopK, Threshold, Explicit };

std::string policyName(PolicyKind kind);
// Throws InvalidArgument echoing an unknown name and listing the known ones.
PolicyKind parsePolicy(const std::string& name);

struct PolicyParams {
    PolicyKind kind = PolicyKind::LayerTopPercent;
    int layer = -1;               // layer_top_percent
    double percent = 0.0;         // layer_top_percent, per_layer_top_percent: (0, 100]
    std::int64_t k = 0;           // global_top_k: > 0
    double threshold = 0.0;       // threshold
    std::vector<int> layers;      // restricts per_layer / global / threshold; empty = every scored layer
    std::string neurons;          // explicit: "L:N,..."
    // Only neurons with a score > 0 can be chosen (a dataset-specific score <= 0 means the neuron
    // is not more prominent there); the default. Not used by `explicit`.
    bool positiveOnly = true;

    // {"policy": name, and the parameters the policy uses}
    nlohmann::json toJson() const;
    // FormatError naming `source` and the key; the same keys toJson writes.
    static PolicyParams fromJson(const nlohmann::json& j, const std::string& source);
    // InvalidArgument echoing a value out of range (percent, k, missing layer, ...).
    void validate() const;
};

// round(p * n / 100), at least 1 when p > 0; p in (0, 100].
std::int64_t percentCount(double percent, std::int64_t n);

// The mask a policy picks; `modelLayers` x scores.neurons() is the mask's shape. For `explicit`
// `scores` may be empty (neurons must then be given with modelNeurons).
PruneMask selectNeurons(const ScoreMatrix& scores, const PolicyParams& params, int modelLayers);
PruneMask selectExplicit(const std::string& neurons, int modelLayers, std::int64_t modelNeurons);

}  // namespace prominence::prune
