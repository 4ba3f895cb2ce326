#pragma once
// Integrated Gradients per MLP neuron (site blocks.{L}.mlp.post) for one item, every requested layer
// in one job. Only layer L's activation is scaled; every other layer runs normally.
//
// The optimised path (default) uses two facts, exactly (tests check it equals the naive path):
// (a) layers below L do not change when L is scaled, so their output is computed once per item and
//     each path step runs only layers L..N-1;
// (b) with positions=last, attention is causal, so positions before the prediction position P never
//     see the scaled vector: their keys/values come from one ordinary pass into a KV cache, and each
//     step runs P alone through layers L..N-1 against that cache, forward and backward, with the
//     path steps as the batch dimension.
// positions=all uses (a) and computes the LM head at P only.
#include <cstdint>
#include <vector>

#include "core/attribution/params.h"
#include "core/jobs/progress.h"
#include "core/model/model.h"

namespace prominence::attribution {

struct AttributionItem {
    std::int64_t id = 0;
    std::vector<std::int64_t> inputIds;  // one sequence, no padding
    std::int64_t target = -1;            // the token whose objective is attributed
    std::int64_t position = -1;          // prediction position P; -1 = the last token
    std::vector<std::int64_t> optionTokens;  // margin: the options' tokens (the target may be among them)
};

struct LayerAttribution {
    int layer = 0;
    at::Tensor ig;            // [intermediate] float64 (positions=all: summed over positions)
    at::Tensor igByPosition;  // positions=all only: [P+1, intermediate] float64
    double fInput = 0;        // F with the actual activation
    double fBaseline = 0;     // F with layer L's scaled part at the baseline
    double delta = 0;         // sum(ig) - (fInput - fBaseline)
    double relativeResidual = 0;  // |delta| / max(|fInput - fBaseline|, 1e-6)
    bool flagged = false;         // relativeResidual > params.residualFlagThreshold
};

struct ItemAttribution {
    std::int64_t id = 0;
    std::vector<LayerAttribution> layers;  // in params' layer order

    bool flagged() const;
    at::Tensor matrix() const;  // [layers, intermediate] float64
    at::Tensor deltas() const;  // [layers] float64
};

// meanBaseline: with BaselineKind::Mean, one [intermediate] vector per model layer (indexed by
// layer; only attributed layers need be defined). Throws InvalidArgument / ShapeError on bad input,
// Cancelled when `progress` says stop (reported in path-step chunks over all layers).
ItemAttribution attributeItem(const Model& model, const AttributionItem& item, const AttributionParams& params,
                              const std::vector<at::Tensor>& meanBaseline = {}, Progress& progress = Progress::none());

}  // namespace prominence::attribution
