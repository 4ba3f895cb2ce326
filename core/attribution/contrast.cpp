#include "core/attribution/contrast.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace prominence::attribution {
namespace {

const at::Tensor& statisticOf(const NeuronScores& s, ScoreStatistic which) {
    switch (which) {
        case ScoreStatistic::MeanIg: return s.meanIg;
        case ScoreStatistic::MeanAbsIg: return s.meanAbsIg;
        case ScoreStatistic::Frequency: return s.frequency;
    }
    return s.meanIg;
}

// Divides by the largest |value| over the selectable entries, so datasets of different IG scale
// (a saturated in-domain set has far smaller gradients than its references) become comparable.
at::Tensor normalise(const at::Tensor& m, const at::Tensor& selectable) {
    const double scale = at::where(selectable, m.abs(), at::zeros_like(m)).max().item<double>();
    return scale > 0 ? m / scale : m.clone();
}

// Boolean mask of the top `percent`% selectable entries of m (at least one).
at::Tensor topPercentMask(const at::Tensor& m, const at::Tensor& selectable, double percent) {
    const int64_t available = selectable.sum().item<int64_t>();
    const int64_t k = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(percent / 100.0 * static_cast<double>(available))));
    const at::Tensor ranked = at::where(selectable, m, at::full_like(m, -std::numeric_limits<double>::infinity())).flatten();
    const at::Tensor idx = std::get<1>(ranked.topk(std::min(k, available)));
    at::Tensor mask = at::zeros({m.numel()}, at::TensorOptions().dtype(at::kBool));
    mask.index_fill_(0, idx, true);
    return mask.view(m.sizes());  // [layers, neurons]
}

}  // namespace

std::string statisticName(ScoreStatistic s) {
    switch (s) {
        case ScoreStatistic::MeanIg: return "mean_ig";
        case ScoreStatistic::MeanAbsIg: return "mean_abs_ig";
        case ScoreStatistic::Frequency: return "frequency";
    }
    return "mean_ig";
}

ScoreStatistic parseStatistic(const std::string& name) {
    for (ScoreStatistic s : {ScoreStatistic::MeanIg, ScoreStatistic::MeanAbsIg, ScoreStatistic::Frequency})
        if (statisticName(s) == name) return s;
    throw InvalidArgument("unknown score statistic '" + name + "': expected mean_ig, mean_abs_ig or frequency");
}

std::string contrastMethodName(ContrastMethod m) {
    switch (m) {
        case ContrastMethod::NormalisedDifference: return "difference";
        case ContrastMethod::SmoothedRatio: return "ratio";
        case ContrastMethod::TopSetDifference: return "top_set_difference";
    }
    return "difference";
}

ContrastMethod parseContrastMethod(const std::string& name) {
    for (ContrastMethod m : {ContrastMethod::NormalisedDifference, ContrastMethod::SmoothedRatio, ContrastMethod::TopSetDifference})
        if (contrastMethodName(m) == name) return m;
    throw InvalidArgument("unknown contrast method '" + name + "': expected difference, ratio or top_set_difference");
}

nlohmann::json ContrastParams::toJson() const {
    return {{"statistic", statisticName(statistic)},
            {"method", contrastMethodName(method)},
            {"ratio_smoothing", ratioSmoothing},
            {"top_percent_in", topPercentIn},
            {"top_percent_ref", topPercentRef},
            {"reference_combination", "max"},
            {"normalisation", "max_abs_over_selectable"},
            {"exclude_layers", excludeLayers}};
}

ContrastParams ContrastParams::fromJson(const nlohmann::json& j) {
    ContrastParams p;
    try {
        if (j.contains("statistic")) p.statistic = parseStatistic(j.at("statistic").get<std::string>());
        if (j.contains("method")) p.method = parseContrastMethod(j.at("method").get<std::string>());
        p.ratioSmoothing = j.value("ratio_smoothing", p.ratioSmoothing);
        p.topPercentIn = j.value("top_percent_in", p.topPercentIn);
        p.topPercentRef = j.value("top_percent_ref", p.topPercentRef);
        p.excludeLayers = j.value("exclude_layers", p.excludeLayers);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(std::string("contrast parameters: ") + e.what());
    }
    p.validate();
    return p;
}

void ContrastParams::validate() const {
    if (!(ratioSmoothing > 0)) throw InvalidArgument("ratio smoothing must be > 0, got " + std::to_string(ratioSmoothing));
    if (!(topPercentIn > 0 && topPercentIn <= 100))
        throw InvalidArgument("top percent (in-domain) must be in (0, 100], got " + std::to_string(topPercentIn));
    if (!(topPercentRef > 0 && topPercentRef <= 100))
        throw InvalidArgument("top percent (reference) must be in (0, 100], got " + std::to_string(topPercentRef));
}

ContrastResult contrast(const NeuronScores& inDomain, const std::vector<const NeuronScores*>& references,
                        const ContrastParams& params) {
    params.validate();
    if (references.empty()) throw InvalidArgument("contrast needs at least one reference dataset");
    const at::Tensor& in = statisticOf(inDomain, params.statistic);
    for (const NeuronScores* ref : references) {
        if (ref == nullptr) throw InvalidArgument("contrast: null reference");
        if (ref->layers != inDomain.layers || !statisticOf(*ref, params.statistic).sizes().equals(in.sizes())) {
            std::ostringstream msg;
            msg << "contrast: reference scores have shape " << statisticOf(*ref, params.statistic).sizes()
                << " over " << ref->layers.size() << " layers, expected " << in.sizes() << " over the same layers as the in-domain scores";
            throw ShapeError(msg.str());
        }
    }

    ContrastResult r;
    r.layers = inDomain.layers;
    r.params = params;
    r.selectable = at::ones(in.sizes(), at::TensorOptions().dtype(at::kBool));
    for (int layer : params.excludeLayers)
        for (size_t i = 0; i < r.layers.size(); ++i)
            if (r.layers[i] == layer) r.selectable[static_cast<int64_t>(i)].fill_(false);
    if (!r.selectable.any().item<bool>()) throw InvalidArgument("contrast: every attributed layer is excluded");

    const at::Tensor inNorm = normalise(in, r.selectable);
    at::Tensor refMax;  // the strongest reference at each neuron: detrimental means important to none
    for (const NeuronScores* ref : references) {
        const at::Tensor n = normalise(statisticOf(*ref, params.statistic), r.selectable);
        refMax = refMax.defined() ? at::maximum(refMax, n) : n;
    }

    switch (params.method) {
        case ContrastMethod::NormalisedDifference: r.score = inNorm - refMax; break;
        case ContrastMethod::SmoothedRatio:
            r.score = (inNorm.clamp_min(0) + params.ratioSmoothing) / (refMax.clamp_min(0) + params.ratioSmoothing);
            break;
        case ContrastMethod::TopSetDifference: {
            const at::Tensor inTop = topPercentMask(in, r.selectable, params.topPercentIn);
            at::Tensor anyRefTop = at::zeros_like(inTop);
            for (const NeuronScores* ref : references)
                anyRefTop = anyRefTop.logical_or(topPercentMask(statisticOf(*ref, params.statistic), r.selectable, params.topPercentRef));
            r.score = at::where(inTop.logical_and(anyRefTop.logical_not()), inNorm, at::zeros_like(inNorm));
            break;
        }
    }
    r.score = at::where(r.selectable, r.score, at::zeros_like(r.score));
    return r;
}

std::vector<std::pair<int, int64_t>> topNeurons(const ContrastResult& result, int64_t count) {
    if (count < 0) throw InvalidArgument("top neurons: count must be >= 0, got " + std::to_string(count));
    const at::Tensor eligible = result.selectable.logical_and(result.score > 0);
    const at::Tensor ranked = at::where(eligible, result.score, at::full_like(result.score, -1.0)).flatten();
    const int64_t k = std::min<int64_t>(count, eligible.sum().item<int64_t>());
    std::vector<std::pair<int, int64_t>> out;
    if (k == 0) return out;
    const at::Tensor idx = std::get<1>(ranked.topk(k));
    const int64_t neurons = result.score.size(1);
    for (int64_t i = 0; i < k; ++i) {
        const int64_t flat = idx[i].item<int64_t>();
        out.emplace_back(result.layers[static_cast<size_t>(flat / neurons)], flat % neurons);
    }
    return out;
}

}  // namespace prominence::attribution
