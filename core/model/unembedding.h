#pragma once
// The direct path from the residual stream to the logits, for analyses that read a direction straight
// through the head (a neuron's direct output effect): the final norm's elementwise weight and the
// unembedding. Found through the architecture table by role, so any family that names the roles works.
#include "core/common/torch.h"
#include "core/model/model.h"

namespace prominence {

// The final norm's weight [hidden] (LayerNorm gamma / RMSNorm weight), the model's own tensor; its bias
// and the normalisation itself are not part of it.
at::Tensor finalNormWeight(const Model& model);

// [vocab, hidden]: lm_head's weight, or the token embedding when the model ties them.
at::Tensor unembedding(const Model& model);

}  // namespace prominence
