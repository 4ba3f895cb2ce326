#include "core/model/blocks.h"

#include <cmath>

namespace prominence {

at::Tensor applyNorm(const ModelConfig& c, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    if (c.norm == NormKind::LayerNorm) return at::layer_norm(x, {x.size(-1)}, weight, bias, c.normEps);
    // LlamaRMSNorm: normalise in float32, cast back, then scale in the model dtype.
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor variance = xf.pow(2).mean(-1, /*keepdim=*/true);
    const at::Tensor normed = (xf * at::rsqrt(variance + c.normEps)).to(x.scalar_type());
    return weight * normed;
}

at::Tensor activate(Activation a, const at::Tensor& x) {
    switch (a) {
    case Activation::Gelu: return at::gelu(x);
    case Activation::GeluTanh: return at::gelu(x, "tanh");
    case Activation::GeluFast: return 0.5 * x * (1.0 + at::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
    case Activation::QuickGelu: return x * at::sigmoid(1.702 * x);
    case Activation::Relu: return at::relu(x);
    case Activation::Silu: return at::silu(x);
    }
    return x;
}

at::Tensor project(WeightLayout layout, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    if (layout == WeightLayout::Linear) return at::linear(x, weight, bias);
    // Conv1D: weight is [in, out], so no transpose.
    at::Tensor y = at::matmul(x, weight);
    return bias.defined() ? y + bias : y;
}

at::Tensor rotaryInverseFrequencies(const ModelConfig& c, const at::Device& device) {
    const std::int64_t dim = c.rotaryDim;
    // 1 / theta^(2i / dim), computed in float32 as transformers does.
    const at::Tensor exponents = at::arange(0, dim, 2, at::TensorOptions().dtype(at::kLong)).to(at::kFloat) /
                                 static_cast<double>(dim);
    at::Tensor invFreq = 1.0 / at::pow(c.ropeTheta, exponents);
    if (c.ropeScaling.type == RopeScaling::Type::Llama3) {
        // transformers' _compute_llama3_parameters: long wavelengths slowed by `factor`, short ones
        // kept, the band between interpolated smoothly.
        const auto& s = c.ropeScaling;
        const double old = static_cast<double>(s.originalMaxPositions);
        const double lowWavelen = old / s.lowFreqFactor;
        const double highWavelen = old / s.highFreqFactor;
        const at::Tensor wavelen = 2.0 * M_PI / invFreq;
        at::Tensor scaled = at::where(wavelen > lowWavelen, invFreq / s.factor, invFreq);
        const at::Tensor smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        const at::Tensor smoothed = (1.0 - smooth) * scaled / s.factor + smooth * scaled;
        const at::Tensor medium = wavelen.ge(highWavelen).logical_and(wavelen.le(lowWavelen));
        invFreq = at::where(medium, smoothed, scaled);
    }
    return invFreq.to(device);
}

Rotary rotaryTables(const ModelConfig& c, const at::Tensor& invFreq, const at::Tensor& positionIds, at::ScalarType dtype) {
    at::Tensor pos = positionIds.to(at::kFloat);  // [B, T]
    if (c.ropeScaling.type == RopeScaling::Type::Linear) pos = pos / c.ropeScaling.factor;
    const at::Tensor freqs = pos.unsqueeze(-1) * invFreq;   // [B, T, rotaryDim / 2]
    const at::Tensor emb = at::cat({freqs, freqs}, -1).unsqueeze(1);  // [B, 1, T, rotaryDim]
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor applyRotary(const at::Tensor& x, const Rotary& r) {
    const std::int64_t rot = r.cos.size(-1);
    const std::int64_t headDim = x.size(-1);
    const at::Tensor xr = rot == headDim ? x : x.narrow(-1, 0, rot);
    const std::int64_t half = rot / 2;
    // rotate_half: [x1, x2] -> [-x2, x1]
    const at::Tensor rotated = at::cat({-xr.narrow(-1, half, half), xr.narrow(-1, 0, half)}, -1);
    const at::Tensor out = xr * r.cos + rotated * r.sin;
    return rot == headDim ? out : at::cat({out, x.narrow(-1, rot, headDim - rot)}, -1);
}

}  // namespace prominence
