#pragma once
// Dataset-specific neuron scores: how much more a neuron matters for the in-domain dataset than for
// the reference datasets. docs/method.md explains each method and its defaults.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attribution/aggregate.h"

namespace prominence::attribution {

// Which per-dataset matrix the contrast is computed from.
enum class ScoreStatistic { MeanIg, MeanAbsIg, Frequency };

enum class ContrastMethod {
    // norm(in) - max over refs norm(ref); norm = divide by the largest |value| over selectable layers.
    NormalisedDifference,
    // (max(in,0)/m_in + eps) / (max over refs max(ref,0)/m_ref + eps): how many times stronger.
    SmoothedRatio,
    // Wei et al. 2024: in the top q% of in-domain and in no reference's top p%; score = norm(in) there,
    // 0 elsewhere, so ranking within the set still follows in-domain importance.
    TopSetDifference,
};

std::string statisticName(ScoreStatistic s);     // mean_ig, mean_abs_ig, frequency
ScoreStatistic parseStatistic(const std::string& name);
std::string contrastMethodName(ContrastMethod m);  // difference, ratio, top_set_difference
ContrastMethod parseContrastMethod(const std::string& name);

struct ContrastParams {
    ScoreStatistic statistic = ScoreStatistic::MeanIg;
    ContrastMethod method = ContrastMethod::NormalisedDifference;
    double ratioSmoothing = 0.01;  // eps of SmoothedRatio, on the normalised [0, 1] scale
    double topPercentIn = 5.0;     // q of TopSetDifference, percent of selectable neurons
    double topPercentRef = 5.0;    // p of TopSetDifference
    // Layers never selected and left out of normalisation (e.g. layer 0, whose last-position MLP acts
    // like a constant bias and dominates IG mass: see notes/shortcut-lab-prototype.md).
    std::vector<int> excludeLayers;

    nlohmann::json toJson() const;
    static ContrastParams fromJson(const nlohmann::json& j);  // FormatError / InvalidArgument
    void validate() const;
};

struct ContrastResult {
    std::vector<int> layers;  // rows, as in the NeuronScores
    at::Tensor score;         // [layers, neurons] float64; excluded layers hold 0
    at::Tensor selectable;    // [layers, neurons] bool; false on excluded layers
    ContrastParams params;
};

// All matrices must cover the same layers and neurons (ShapeError otherwise); at least one reference.
ContrastResult contrast(const NeuronScores& inDomain, const std::vector<const NeuronScores*>& references,
                        const ContrastParams& params);

// (layer, neuron) of the `count` selectable neurons with the highest positive contrast, best first.
std::vector<std::pair<int, int64_t>> topNeurons(const ContrastResult& result, int64_t count);

}  // namespace prominence::attribution
