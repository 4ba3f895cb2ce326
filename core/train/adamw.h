#pragma once
// AdamW on plain at:: tensors, step for step as torch.optim.AdamW (PyTorch 1.13, single-tensor path,
// amsgrad off, maximize off): decoupled weight decay p *= 1 - lr*wd, then
//   m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
//
// Frozen entries: a parameter may carry a `train` multiplier (0 where the entry must keep its value, as
// for the MLP neurons a training stage leaves alone): gradient and weight decay are multiplied by it.
//
// Held entries: a parameter may carry a `keep` multiplier (0 where the entry must stay exactly 0, as
// for a pruned neuron's weights). Each step multiplies the gradient, both moment estimates and the
// parameter by it, so neither weight decay nor momentum can ever revive a held entry.
#include <cstdint>
#include <vector>

#include "core/common/torch.h"

namespace prominence::train {

struct AdamWOptions {
    double lr = 1e-4;  // peak learning rate; the schedule scales it per step
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weightDecay = 0.01;

    void validate() const;  // InvalidArgument echoing a value out of range
};

class AdamW {
public:
    struct Param {
        at::Tensor tensor;        // a leaf with requires_grad; updated in place
        bool decay = true;        // apply weight decay to this tensor
        at::Tensor keep;          // optional multiplier broadcastable to tensor (0 = held at zero)
        // Optional multiplier broadcastable to tensor: 1 where the entry trains, 0 where it is frozen
        // (its gradient, moments and weight decay are multiplied by 0, so it keeps its value bit for bit).
        at::Tensor train;
        double lrScale = 1.0;     // this tensor's learning rate is lr * lrScale (a torch param group's lr)
    };

    AdamW(std::vector<Param> params, AdamWOptions options);

    // One update with learning rate `lr` (times each parameter's lrScale) from each parameter's .grad() (a missing grad counts as 0,
    // as torch skips such parameters: their moments and the step count still advance here only for
    // parameters that have a gradient, exactly as torch keeps a per-parameter step).
    void step(double lr);
    void zeroGrad();
    // Multiplies every gradient by its parameter's `train` multiplier (frozen entries get 0). step()
    // does it too; call it before clipping so frozen entries do not count in the gradient norm.
    void maskGradients();

    // Multiplies parameter i's tensor, gradient and moments by `keep` now and after every step.
    void hold(std::size_t i, const at::Tensor& keep);
    const std::vector<Param>& params() const { return params_; }
    const at::Tensor& expAvg(std::size_t i) const { return state_[i].expAvg; }
    const at::Tensor& expAvgSq(std::size_t i) const { return state_[i].expAvgSq; }
    std::int64_t stepOf(std::size_t i) const { return state_[i].step; }
    const AdamWOptions& options() const { return options_; }

private:
    struct State {
        std::int64_t step = 0;
        at::Tensor expAvg, expAvgSq;
    };
    void applyKeep(std::size_t i);

    std::vector<Param> params_;
    std::vector<State> state_;
    AdamWOptions options_;
};

// Global L2 norm of all gradients (as torch.nn.utils.clip_grad_norm_ with norm_type 2), then, when
// it exceeds maxNorm > 0, every gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm
// before clipping.
double clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm);

}  // namespace prominence::train
