#pragma once
// Per-dataset neuron scores: many items' IG, one [layers x neurons] matrix per statistic.
//
// Items stream in one at a time (a run over thousands of items never holds them all), so the
// accumulator keeps running sums, threshold counts, and the top items of every neuron.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/torch.h"

namespace prominence::attribution {

struct AggregateParams {
    // Knowledge-Neurons rule (Dai et al. 2022, "Knowledge Neurons in Pretrained Transformers"): a neuron
    // counts for an item when its IG >= t * (the item's largest IG over every attributed neuron); Dai
    // et al. use t = 0.2.
    double frequencyThreshold = 0.2;
    // How many items to keep per neuron (largest IG first), for "which items drive this neuron".
    int topItemsPerNeuron = 8;

    nlohmann::json toJson() const;
    static AggregateParams fromJson(const nlohmann::json& j);  // FormatError on a bad field
    void validate() const;                                     // InvalidArgument echoing a bad value
};

// The matrices of one (run, dataset). Rows follow `layers` (the attributed layers, ascending).
struct NeuronScores {
    std::vector<int> layers;
    std::int64_t items = 0;
    at::Tensor meanIg;     // [layers, neurons] float64: mean signed IG
    at::Tensor meanAbsIg;  // [layers, neurons] float64: mean |IG|
    at::Tensor count;      // [layers, neurons] int64: items where IG >= t * item max
    at::Tensor frequency;  // [layers, neurons] float64: count / items
    at::Tensor topIg;      // [layers, neurons, k] float64, descending; -inf where fewer than k items
    at::Tensor topItems;   // [layers, neurons, k] int64 item ids; -1 where fewer than k items
    AggregateParams params;

    int64_t neurons() const { return meanIg.size(1); }
    // Row of `layer` in the matrices; InvalidArgument if that layer was not attributed.
    int64_t row(int layer) const;
    // (item id, IG) of the items with the largest IG for one neuron, best first.
    std::vector<std::pair<std::int64_t, double>> topItemsFor(int layer, int64_t neuron) const;
};

class ScoreAccumulator {
public:
    ScoreAccumulator(std::vector<int> layers, int64_t neurons, AggregateParams params = {});

    // One item's attributions: ig is [layers, neurons] in the order given at construction.
    // ShapeError on another shape; InvalidArgument on a non-finite value (an item whose IG blew up
    // must be looked at, not averaged in).
    void add(std::int64_t itemId, const at::Tensor& ig);

    std::int64_t items() const { return items_; }
    NeuronScores result() const;

private:
    std::vector<int> layers_;
    int64_t neurons_;
    AggregateParams params_;
    std::int64_t items_ = 0;
    at::Tensor sum_, sumAbs_, count_, topIg_, topItems_;
};

}  // namespace prominence::attribution
