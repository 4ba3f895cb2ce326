#include "core/attribution/aggregate.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "core/common/error.h"

namespace prominence::attribution {

nlohmann::json AggregateParams::toJson() const {
    return {{"frequency_threshold", frequencyThreshold}, {"top_items_per_neuron", topItemsPerNeuron}};
}

AggregateParams AggregateParams::fromJson(const nlohmann::json& j) {
    AggregateParams p;
    try {
        p.frequencyThreshold = j.value("frequency_threshold", p.frequencyThreshold);
        p.topItemsPerNeuron = j.value("top_items_per_neuron", p.topItemsPerNeuron);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(std::string("aggregate parameters: ") + e.what());
    }
    p.validate();
    return p;
}

void AggregateParams::validate() const {
    if (!(frequencyThreshold >= 0.0 && frequencyThreshold <= 1.0))
        throw InvalidArgument("frequency threshold must be in [0, 1], got " + std::to_string(frequencyThreshold));
    if (topItemsPerNeuron < 1)
        throw InvalidArgument("top items per neuron must be >= 1, got " + std::to_string(topItemsPerNeuron));
}

int64_t NeuronScores::row(int layer) const {
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i] == layer) return static_cast<int64_t>(i);
    throw InvalidArgument("layer " + std::to_string(layer) + " was not attributed in this run");
}

std::vector<std::pair<std::int64_t, double>> NeuronScores::topItemsFor(int layer, int64_t neuron) const {
    const int64_t r = row(layer);
    if (neuron < 0 || neuron >= neurons())
        throw InvalidArgument("neuron " + std::to_string(neuron) + " out of range [0, " + std::to_string(neurons()) + ")");
    const at::Tensor ids = topItems[r][neuron];
    const at::Tensor values = topIg[r][neuron];
    std::vector<std::pair<std::int64_t, double>> out;
    for (int64_t k = 0; k < ids.size(0); ++k) {
        const std::int64_t id = ids[k].item<std::int64_t>();
        if (id < 0) break;
        out.emplace_back(id, values[k].item<double>());
    }
    return out;
}

ScoreAccumulator::ScoreAccumulator(std::vector<int> layers, int64_t neurons, AggregateParams params)
    : layers_(std::move(layers)), neurons_(neurons), params_(params) {
    params_.validate();
    if (layers_.empty()) throw InvalidArgument("score accumulator: no layers");
    if (neurons_ < 1) throw InvalidArgument("score accumulator: neurons must be >= 1, got " + std::to_string(neurons_));
    const int64_t L = static_cast<int64_t>(layers_.size());
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    sum_ = at::zeros({L, neurons_}, f64);
    sumAbs_ = at::zeros({L, neurons_}, f64);
    count_ = at::zeros({L, neurons_}, at::TensorOptions().dtype(at::kLong));
    topIg_ = at::full({L, neurons_, params_.topItemsPerNeuron}, -std::numeric_limits<double>::infinity(), f64);
    topItems_ = at::full({L, neurons_, params_.topItemsPerNeuron}, -1, at::TensorOptions().dtype(at::kLong));
}

void ScoreAccumulator::add(std::int64_t itemId, const at::Tensor& ig) {
    const int64_t L = static_cast<int64_t>(layers_.size());
    if (ig.dim() != 2 || ig.size(0) != L || ig.size(1) != neurons_) {
        std::ostringstream msg;
        msg << "score accumulator: item " << itemId << " has IG of shape " << ig.sizes() << ", expected [" << L << ", "
            << neurons_ << "]";
        throw ShapeError(msg.str());
    }
    const at::Tensor v = ig.detach().to(at::kDouble).cpu();
    if (!at::isfinite(v).all().item<bool>())
        throw InvalidArgument("score accumulator: item " + std::to_string(itemId) + " has non-finite IG");
    sum_ += v;
    sumAbs_ += v.abs();
    // Dai et al.'s threshold is relative to the item's own largest attribution; an item whose IG is
    // nowhere positive supports no neuron.
    const double itemMax = v.max().item<double>();
    if (itemMax > 0) count_ += (v >= params_.frequencyThreshold * itemMax).to(at::kLong);

    const at::Tensor candidates = at::cat({topIg_, v.unsqueeze(2)}, 2);                         // [L, I, k+1]
    const at::Tensor ids = at::cat({topItems_, at::full({L, neurons_, 1}, itemId, topItems_.options())}, 2);  // [L, I, k+1]
    const auto best = candidates.topk(params_.topItemsPerNeuron, 2, /*largest=*/true, /*sorted=*/true);
    topIg_ = std::get<0>(best);
    topItems_ = ids.gather(2, std::get<1>(best));
    ++items_;
}

NeuronScores ScoreAccumulator::result() const {
    NeuronScores s;
    s.layers = layers_;
    s.items = items_;
    s.params = params_;
    const double n = items_ > 0 ? static_cast<double>(items_) : 1.0;
    s.meanIg = sum_ / n;
    s.meanAbsIg = sumAbs_ / n;
    s.count = count_.clone();
    s.frequency = count_.to(at::kDouble) / n;
    s.topIg = topIg_.clone();
    s.topItems = topItems_.clone();
    return s;
}

}  // namespace prominence::attribution
