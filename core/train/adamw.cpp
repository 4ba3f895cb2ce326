// AdamW as torch.optim.AdamW, with held (always-zero) entries.
#include "core/train/adamw.h"

#include <cmath>

#include "core/common/error.h"

namespace prominence::train {

namespace {

bool broadcastsTo(const at::Tensor& m, const at::Tensor& t) {
    bool fits = m.dim() <= t.dim();
    for (std::int64_t d = 1; fits && d <= m.dim(); ++d) {
        const std::int64_t k = m.size(-d);
        fits = k == 1 || k == t.size(-d);
    }
    return fits;
}

}  // namespace

void AdamWOptions::validate() const {
    auto bad = [](const std::string& what, double v) {
        throw InvalidArgument("AdamW " + what + " " + std::to_string(v) + " is out of range");
    };
    if (!(lr >= 0.0) || !std::isfinite(lr)) bad("learning rate", lr);
    if (!(beta1 >= 0.0 && beta1 < 1.0)) bad("beta1", beta1);
    if (!(beta2 >= 0.0 && beta2 < 1.0)) bad("beta2", beta2);
    if (!(eps > 0.0) || !std::isfinite(eps)) bad("eps", eps);
    if (!(weightDecay >= 0.0) || !std::isfinite(weightDecay)) bad("weight decay", weightDecay);
}

AdamW::AdamW(std::vector<Param> params, AdamWOptions options) : params_(std::move(params)), options_(options) {
    options_.validate();
    state_.resize(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i].tensor.defined()) throw InvalidArgument("AdamW: parameter " + std::to_string(i) + " is undefined");
        if (params_[i].keep.defined()) hold(i, params_[i].keep);
        if (!(params_[i].lrScale >= 0.0) || !std::isfinite(params_[i].lrScale))
            throw InvalidArgument("AdamW: parameter " + std::to_string(i) + " has learning-rate scale " +
                                  std::to_string(params_[i].lrScale) + " (expected a finite value >= 0)");
        if (params_[i].train.defined()) {
            if (!broadcastsTo(params_[i].train, params_[i].tensor))
                throw ShapeError("AdamW: train multiplier of shape " + std::string(c10::str(params_[i].train.sizes())) +
                                 " does not broadcast to parameter " + std::to_string(i) + " of shape " +
                                 std::string(c10::str(params_[i].tensor.sizes())));
            params_[i].train = params_[i].train.detach().to(params_[i].tensor.options().requires_grad(false));
        }
    }
}

void AdamW::maskGradients() {
    at::NoGradGuard noGrad;
    for (Param& p : params_)
        if (p.train.defined() && p.tensor.grad().defined()) p.tensor.mutable_grad().mul_(p.train);
}

void AdamW::hold(std::size_t i, const at::Tensor& keep) {
    Param& p = params_.at(i);
    // Broadcast check up front so a wrong keep fails here, not in the middle of a step.
    if (!broadcastsTo(keep, p.tensor))
        throw ShapeError("AdamW: keep multiplier of shape " + std::string(c10::str(keep.sizes())) +
                         " does not broadcast to parameter " + std::to_string(i) + " of shape " +
                         std::string(c10::str(p.tensor.sizes())));
    p.keep = keep.detach().to(p.tensor.options().requires_grad(false));
    applyKeep(i);
}

void AdamW::applyKeep(std::size_t i) {
    Param& p = params_[i];
    if (!p.keep.defined()) return;
    at::NoGradGuard noGrad;
    p.tensor.mul_(p.keep);
    if (p.tensor.grad().defined()) p.tensor.mutable_grad().mul_(p.keep);
    if (state_[i].expAvg.defined()) {
        state_[i].expAvg.mul_(p.keep);
        state_[i].expAvgSq.mul_(p.keep);
    }
}

void AdamW::step(double baseLr) {
    at::NoGradGuard noGrad;
    const double b1 = options_.beta1, b2 = options_.beta2;
    for (std::size_t i = 0; i < params_.size(); ++i) {
        Param& p = params_[i];
        if (!p.tensor.grad().defined()) continue;
        const double lr = baseLr * p.lrScale;
        State& s = state_[i];
        if (p.keep.defined()) p.tensor.mutable_grad().mul_(p.keep);
        if (p.train.defined()) p.tensor.mutable_grad().mul_(p.train);
        const at::Tensor& grad = p.tensor.grad();
        if (!s.expAvg.defined()) {
            s.expAvg = at::zeros_like(p.tensor, at::MemoryFormat::Preserve);
            s.expAvgSq = at::zeros_like(p.tensor, at::MemoryFormat::Preserve);
        }
        ++s.step;
        if (p.decay && options_.weightDecay != 0.0) {
            if (p.train.defined()) p.tensor.mul_(1.0 - lr * options_.weightDecay * p.train);
            else p.tensor.mul_(1.0 - lr * options_.weightDecay);
        }
        s.expAvg.mul_(b1).add_(grad, 1.0 - b1);
        s.expAvgSq.mul_(b2).addcmul_(grad, grad, 1.0 - b2);
        const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step));
        const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step));
        const double stepSize = lr / bc1;
        const at::Tensor denom = (s.expAvgSq.sqrt() / std::sqrt(bc2)).add_(options_.eps);
        p.tensor.addcdiv_(s.expAvg, denom, -stepSize);
        applyKeep(i);
    }
}

void AdamW::zeroGrad() {
    for (Param& p : params_)
        if (p.tensor.grad().defined()) p.tensor.mutable_grad() = at::Tensor();
}

double clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm) {
    // The same ops as torch.nn.utils.clip_grad_norm_ (1.13), in the gradients' dtype.
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> norms;
    for (const at::Tensor& p : params)
        if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2));
    if (norms.empty()) return 0.0;
    const at::Tensor total = at::stack(norms).norm(2);
    if (maxNorm > 0.0) {
        const at::Tensor coef = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        for (const at::Tensor& p : params)
            if (p.grad().defined()) p.grad().detach().mul_(coef);
    }
    return total.item<double>();
}

}  // namespace prominence::train
