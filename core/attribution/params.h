#pragma once
// Every choice of a neuron-IG run, recorded with the run (toJson) so a score can be traced back.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attribution/integration.h"

namespace prominence::attribution {

// What F is, at the prediction position's logits z:
//   logprob: log softmax(z)[target]      prob: softmax(z)[target]
//   margin:  z[target] - max over the other options' tokens z[o]   (letter-logit margin)
enum class Objective { LogProb, Prob, Margin };
// Which activations of layer L are scaled along the path:
//   last: only the vector at the prediction position (attribution [I]);
//   all:  the whole [T, I] by one alpha (attribution summed over positions, [I]).
enum class PositionMode { Last, All };
// zero: x' = 0.  mean: x' = a given per-neuron vector (e.g. the mean activation over a dataset).
enum class BaselineKind { Zero, Mean };
// optimised: layers below L once per item, the last-position path against a KV cache;
// naive: the full model on the full sequence at every step (reference for tests and the bench).
enum class IgPath { Optimised, Naive };

std::string objectiveName(Objective o);  // logprob, prob, margin
Objective parseObjective(const std::string& name);
std::string positionModeName(PositionMode p);  // last, all
PositionMode parsePositionMode(const std::string& name);
std::string baselineName(BaselineKind b);  // zero, mean
BaselineKind parseBaseline(const std::string& name);
std::string pathName(IgPath p);  // optimised, naive
IgPath parsePath(const std::string& name);

struct AttributionParams {
    std::vector<int> layers;  // attributed layers, ascending; empty = every layer
    IgOptions ig;             // rule (gausslegendre), steps (20), chunk size (0 = all steps at once)
    Objective objective = Objective::LogProb;
    PositionMode positions = PositionMode::Last;
    BaselineKind baseline = BaselineKind::Zero;
    std::string baselineSource;  // for mean: where the vectors came from (recorded, not interpreted)
    // An (item, layer) is flagged when |delta| > this * max(|F(x) - F(x')|, 1e-6).
    double residualFlagThreshold = 0.05;
    IgPath path = IgPath::Optimised;

    nlohmann::json toJson() const;
    // FormatError on a malformed field, InvalidArgument on a bad value (echoed).
    static AttributionParams fromJson(const nlohmann::json& j);
    // InvalidArgument echoing the bad value; numLayers < 0 skips the layer range check.
    void validate(int numLayers = -1) const;
    // The attributed layers: `layers`, or 0..numLayers-1 when empty.
    std::vector<int> resolvedLayers(int numLayers) const;
};

}  // namespace prominence::attribution
