#pragma once
// The math every architecture shares, written once: norms, activations, projections in either
// weight layout, rotary embeddings. Each mirrors transformers v4.40's eager code, including where
// it computes in float32 regardless of the model dtype.
#include "core/common/torch.h"
#include "core/model/config.h"

namespace prominence {

at::Tensor applyNorm(const ModelConfig& config, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);
at::Tensor activate(Activation activation, const at::Tensor& x);
// y = x W^T + b for Linear [out, in]; y = x W + b for Conv1D [in, out]. `bias` may be undefined.
at::Tensor project(WeightLayout layout, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// [rotaryDim / 2] float32 inverse frequencies, rope_scaling applied (llama3 adjusts them here).
at::Tensor rotaryInverseFrequencies(const ModelConfig& config, const at::Device& device);
struct Rotary {
    at::Tensor cos;  // [B, 1, T, rotaryDim], model dtype
    at::Tensor sin;
};
Rotary rotaryTables(const ModelConfig& config, const at::Tensor& invFreq, const at::Tensor& positionIds,
                    at::ScalarType dtype);
// Rotates the first rotaryDim features of each head of x [B, heads, T, head_dim].
at::Tensor applyRotary(const at::Tensor& x, const Rotary& rotary);

}  // namespace prominence
