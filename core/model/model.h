#pragma once
// A Hugging Face causal LM (gpt2, llama, mistral, qwen2, gpt_neox) run in LibTorch, with neuron sites.
//
// Neuron site: the MLP intermediate activation of each layer, i.e. the input of the down projection
// (GPT-2 `mlp.c_proj`, Llama-family `mlp.down_proj`, NeoX `mlp.dense_4h_to_h`), shape
// [batch, seq, intermediate]. Its one name everywhere is `blocks.{L}.mlp.post` (siteName(L)).
// At each site, in this order: the site hook may replace the activation (IG scales it; autograd
// flows through), the neuron mask multiplies it (pruned neurons stay zero whatever the hook
// returns), the result is recorded (returnSites) and fed to the down projection.
//
// Weights are the checkpoint's own tensors in their HF names and layouts (GPT-2 Conv1D [in, out]
// included): the forward pass computes with them directly, so namedParameters() is exactly what a
// trainer optimises and saveCheckpoint() writes back. Loaded weights are copy-on-write views of the
// memory-mapped files when no conversion is needed; makeTrainable() swaps in private f32 copies.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/common/torch.h"
#include "core/model/config.h"
#include "core/model/kv_cache.h"
#include "core/model/safetensors.h"

namespace prominence {

struct LoadOptions {
    at::ScalarType dtype = at::kFloat;  // compute dtype: kFloat, kBFloat16, kHalf
    at::Device device = at::kCPU;
};

// Per-layer multipliers applied at the site: scales[L] is a [intermediate] tensor (0 prunes a
// neuron), or undefined for a layer left alone.
struct NeuronMask {
    std::vector<at::Tensor> scales;

    bool empty() const;
    // Zeros at the listed (layer, neuron) pairs, ones elsewhere in those layers; validated.
    static NeuronMask fromNeurons(int numLayers, std::int64_t intermediate,
                                  const std::vector<std::pair<int, std::int64_t>>& neurons);
};

// May return a replacement for the site activation `act` [batch, seq, intermediate] of `layer`.
using SiteHook = std::function<at::Tensor(int layer, const at::Tensor& act)>;

struct ForwardInput {
    at::Tensor inputIds;       // [B, T] int64
    at::Tensor attentionMask;  // [B, T] (or [B, past + T] with a cache), 1 = token; optional
    at::Tensor positionIds;    // [B, T] int64; optional: past..past+T-1 as transformers' forward
};

struct ForwardOptions {
    const NeuronMask* neuronMask = nullptr;
    SiteHook siteHook;
    bool returnSites = false;   // ForwardOutput::sites
    bool returnHidden = false;  // ForwardOutput::hidden
    // When set, new positions attend to its contents and their keys/values are appended to it
    // (an empty cache is filled: run a prompt once, then step).
    KvCache* cache = nullptr;
};

struct ForwardOutput {
    at::Tensor logits;               // [B, T, V], compute dtype
    std::vector<at::Tensor> sites;   // per layer [B, T, I], when returnSites
    // When returnHidden, as transformers' output_hidden_states: [0] embeddings, [i] output of
    // layer i-1, [L] the last layer's output after the final norm; each [B, T, H].
    std::vector<at::Tensor> hidden;
};

// What runLayers needs besides the hidden state.
struct LayerContext {
    at::Tensor positionIds;    // [B, T] int64, positions of the rows of `hidden`
    at::Tensor attentionMask;  // [B, T] of the new positions (1 = token); optional
    // Past keys/values; its batch may be B or 1 (then shared by all B rows without copying).
    KvCache* cache = nullptr;
    // Append the new keys/values; only with from == 0, to == numLayers and cache batch B.
    bool appendToCache = false;
    const NeuronMask* neuronMask = nullptr;
    SiteHook siteHook;
    std::vector<at::Tensor>* sites = nullptr;   // sized numLayers; entry L set for each layer run
    std::vector<at::Tensor>* hidden = nullptr;  // output of each layer run is push_back'ed
};

// A weight that indexes MLP neurons, with the dimension that does.
struct NeuronWeight {
    std::string name;  // checkpoint name
    at::Tensor tensor; // the model's own tensor (in-place edits change the model)
    int neuronDim = 0;
    bool defined() const { return tensor.defined(); }
};

// Tensors around layer L's site, for weight-surgery pruning. Zeroing `in` rows/columns (and their
// biases) kills a neuron's activation only for ReLU-like maps; zeroing `down` along its neuron
// dimension removes its contribution for every activation function.
struct MlpWeights {
    NeuronWeight up;        // c_fc [H, I] dim 1 | up_proj [I, H] dim 0 | dense_h_to_4h [I, H] dim 0
    NeuronWeight upBias;    // [I] dim 0, when the architecture has it
    NeuronWeight gate;      // gate_proj [I, H] dim 0 (gated MLPs only)
    NeuronWeight gateBias;
    NeuronWeight down;      // c_proj [I, H] dim 0 | down_proj [H, I] dim 1 | dense_4h_to_h [H, I] dim 1
    std::string downBiasName;  // [H]; not neuron-indexed
    at::Tensor downBias;
};

class Model {
public:
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    // Loads dir/config.json and its safetensors (single file or sharded with an index); strict:
    // every tensor checked, nothing missing, nothing left over. Throws LoadError / ShapeError.
    static std::unique_ptr<Model> load(const std::string& dir, const LoadOptions& options = {});
    // Random init as transformers does (normal(0, initializer_range) for matrices and embeddings,
    // zero biases, unit norms; GPT-2's residual projections scaled by 1/sqrt(2 n_layer)); seeded.
    static std::unique_ptr<Model> createFromConfig(const ModelConfig& config, std::uint64_t seed,
                                                   const LoadOptions& options = {});

    const ModelConfig& config() const;
    const std::string& directory() const;  // empty when created from a config
    at::ScalarType dtype() const;
    at::Device device() const;
    // Storage dtype of the checkpoint ("float32", "bfloat16", "float16" or "mixed").
    std::string storedDtype() const;

    int numLayers() const;
    std::int64_t hiddenSize() const;
    std::int64_t intermediateSize() const;
    std::int64_t vocabSize() const;
    static std::string siteName(int layer);  // "blocks.{L}.mlp.post"
    std::int64_t parameterCount() const;     // tied weights counted once

    ForwardOutput forward(const ForwardInput& input, const ForwardOptions& options = {}) const;

    // Layer-level stepping (the IG fast path): embed -> runLayers(0..L) -> ... -> final.
    at::Tensor embed(const at::Tensor& inputIds, const at::Tensor& positionIds) const;  // [B,T,H]
    at::Tensor runLayers(int from, int to, at::Tensor hidden, const LayerContext& ctx) const;
    at::Tensor finalNorm(const at::Tensor& hidden) const;   // [B,T,H]
    at::Tensor lmHead(const at::Tensor& normed) const;      // [B,T,V]
    at::Tensor final(const at::Tensor& hidden) const { return lmHead(finalNorm(hidden)); }

    // The model's own tensors under their checkpoint names and shapes, in a stable order (tied
    // weights once, under the embedding's name).
    std::vector<NamedTensor> namedParameters() const;
    void setRequiresGrad(bool requiresGrad);
    // Replaces every weight by a private, contiguous f32 copy on the model's device (idempotent).
    // Required before training; after it, namedParameters() returns the new tensors.
    void makeTrainable();
    bool isTrainable() const;

    MlpWeights mlp(int layer) const;

    // Writes config.json (the source's, or toJson()) and model.safetensors with the source's
    // tensor names and shapes, __metadata__ {"format": "pt"}, tied weights not duplicated. Weights
    // go out in the dtype the source stored (f32 for created models).
    void saveCheckpoint(const std::string& dir) const;

    struct Impl;

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Parses "cpu", "cuda", "cuda:1"; "float32|f32", "bfloat16|bf16", "float16|f16". InvalidArgument.
at::Device parseDevice(const std::string& text);
at::ScalarType parseComputeDtype(const std::string& text);

}  // namespace prominence
