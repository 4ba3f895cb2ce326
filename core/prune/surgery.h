#pragma once
// Two ways to prune, which give identical logits (tests/prune/test_surgery.cpp checks it on every
// fixture architecture):
// - the activation mask (PruneMask::toNeuronMask, passed as ForwardOptions::neuronMask): reversible,
//   the weights are untouched;
// - weight surgery: the neuron is removed from the weights for real. Its down-projection column is
//   zeroed (which removes its contribution whatever the activation function), and so are its up and
//   gate rows and their biases where the architecture has them (so its activation is f(0) = 0 for
//   GELU, SiLU and ReLU, and a Hugging Face model loading the checkpoint computes the same thing).
//   Shapes are unchanged, so transformers loads the result as the original architecture.
#include <string>
#include <vector>

#include "core/common/torch.h"
#include "core/model/model.h"
#include "core/prune/prune_mask.h"

namespace prominence::prune {

// One neuron-indexed weight of the model with the pruned indices along its neuron dimension.
struct PrunedSlice {
    std::string name;       // checkpoint tensor name
    at::Tensor tensor;      // the model's own tensor
    int neuronDim = 0;
    at::Tensor indices;     // int64 [k], on the tensor's device
    // Multiplier broadcastable to `tensor`: 0 at the pruned indices, 1 elsewhere (tensor's dtype and
    // device). Multiplying a gradient or an optimiser state by it keeps those entries at zero.
    at::Tensor keep;
};

// The slices of every weight the mask touches (up, gate, their biases, down; layer by layer). The
// tensors are the model's current ones: call again after Model::makeTrainable().
std::vector<PrunedSlice> prunedSlices(const Model& model, const PruneMask& mask);

// Zeroes the pruned slices in place (no autograd recorded). ShapeError if the mask does not fit.
void applyWeightSurgery(Model& model, const PruneMask& mask);

// Largest |value| over the pruned slices (0 when the surgery holds exactly).
double maxPrunedMagnitude(const Model& model, const PruneMask& mask);

}  // namespace prominence::prune
