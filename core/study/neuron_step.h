#pragma once
// The neuron inspector's two readings of one MLP neuron (layer, neuron), both from the model alone:
// its direct output effect on the logits (the neuron's output direction read through the final
// norm's weight and the unembedding) and its activation at every token of a text, or of an item an
// eval run stored, encoded exactly as that run encoded it. `prominence-cli neuron` and the GUI's
// inspector call these; nothing is written.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct TokenEffect {
    std::int64_t token = 0;
    std::string text;  // the token decoded on its own
    double value = 0;  // logit change per unit of activation along the direct path
};

struct DirectEffectParams {
    std::string modelDir;   // required
    std::string tokenizer;  // tokenizer directory or tokenizer.json; empty: the model directory
    int layer = 0;
    int neuron = 0;
    int top = 20;  // tokens in `up` and in `down`
    // Option letters as letter scoring scores them: the token " A" adds after the prompt's "Answer:".
    std::vector<std::string> optionLetters = {"A", "B", "C", "D"};

    void validate() const;  // ParamsError; layer and neuron are checked against the model once loaded
};

struct DirectEffectResult {
    std::vector<TokenEffect> up;       // the `top` largest effects, largest first
    std::vector<TokenEffect> down;     // the `top` smallest, smallest first
    std::vector<TokenEffect> letters;  // one per option letter, in optionLetters order
    // {"model", "layer", "neuron", "up", "down", "letters"} with {"token", "text", "value"} entries.
    nlohmann::ordered_json summary;
};

// effect = U (w_out ⊙ g): w_out the neuron's output weights (down_proj column / GPT-2 c_proj row), g
// the final norm's weight, U the unembedding. The norm's input-dependent scale is left out: this is
// the direct path of the neuron's direction, the same for every input. Tokens beyond the tokenizer's
// vocabulary (padding rows of the head) are not ranked. ParamsError for a layer or neuron outside
// the model, or a letter that is not one token; LoadError for the model or tokenizer.
DirectEffectResult runDirectEffect(const DirectEffectParams& params,
                                   Progress& progress = Progress::none());
// The direct output effect of several neurons with one load of the model (the report's top
// neurons): `up` and `down` as runDirectEffect gives them, `letters` left empty (the model need not
// score letters). ParamsError for a site outside the model.
std::vector<DirectEffectResult> runDirectEffects(const std::string& modelDir, const std::string& tokenizer,
                                                 const std::vector<std::pair<int, int>>& sites, int top,
                                                 Progress& progress = Progress::none());

struct TokenActivationsParams {
    std::string modelDir;   // required
    std::string tokenizer;  // empty: the model directory
    std::string text;       // encoded as it is, without special tokens (non-empty)
    bool addBos = false;    // prepend the tokenizer's BOS token
    int layer = 0;
    int neuron = 0;

    void validate() const;  // ParamsError
};

// A stored item of an eval run: its prompt, tokenised as the run tokenised it (BOS when the run added
// one, then the right-stripped prompt), with the run's model and tokenizer.
struct ItemActivationsParams {
    std::string workspacePath;  // required
    workspace::Id evalRunId = 0;
    std::int64_t itemIndex = 0;
    int layer = 0;
    int neuron = 0;

    void validate() const;  // ParamsError
};

struct TokenActivationsResult {
    std::vector<std::int64_t> ids;
    std::vector<std::string> tokens;  // each id decoded on its own
    std::vector<float> activation;    // blocks.{layer}.mlp.post[:, neuron], one per id
    // {"model", "layer", "neuron", "ids", "tokens", "activation"}
    nlohmann::ordered_json summary;
};

TokenActivationsResult runTokenActivations(const TokenActivationsParams& params,
                                           Progress& progress = Progress::none());
// ParamsError when the run is not a completed eval run or does not hold the item.
TokenActivationsResult runItemActivations(const ItemActivationsParams& params,
                                          Progress& progress = Progress::none());

}  // namespace prominence::study
