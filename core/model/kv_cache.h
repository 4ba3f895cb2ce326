#pragma once
// Keys and values of past positions, per layer, after RoPE: what later positions attend to.
//
// Used two ways: generation appends each step's keys/values (buffers grow by doubling, so a step
// costs no copy of the past), and the IG fast path reads a batch-1 prefix cache from many new rows
// at once (attention folds those rows into the query dimension instead of copying the cache S times).
#include <cstdint>
#include <vector>

#include "core/common/torch.h"

namespace prominence {

class KvCache {
public:
    KvCache() = default;

    // Positions stored so far.
    std::int64_t length() const { return length_; }
    // Rows of the cache (1 or the batch it was filled with); 0 while empty.
    std::int64_t batch() const { return mask_.defined() ? mask_.size(0) : 0; }
    bool empty() const { return length_ == 0; }
    // Room to allocate on first fill, so generation of known length never regrows.
    void reserve(std::int64_t positions) { reserve_ = positions; }

    // [batch, kv_heads, length, head_dim] views of layer `layer`'s past keys and values.
    at::Tensor keys(int layer) const;
    at::Tensor values(int layer) const;
    // [batch, length] bool: which past positions are real tokens (not padding).
    at::Tensor mask() const;

    // Storage for layer `layer` at positions [length, length + n): used by the attention code.
    void write(int layer, const at::Tensor& keys, const at::Tensor& values);
    // Makes `n` new positions with padding mask `newMask` [batch, n] visible; called once all layers
    // have written them.
    void commit(const at::Tensor& newMask);
    // Grows buffers for `n` more positions (numLayers layers), keeping contents.
    void prepare(int numLayers, std::int64_t batch, std::int64_t kvHeads, std::int64_t n,
                 std::int64_t headDim, const at::TensorOptions& options);
    void clear();

private:
    std::vector<at::Tensor> keys_;    // [batch, kv_heads, capacity, head_dim]
    std::vector<at::Tensor> values_;  // [batch, kv_heads, capacity, head_dim]
    at::Tensor mask_;                 // [batch, capacity] bool
    std::int64_t length_ = 0;
    std::int64_t reserve_ = 0;
};

}  // namespace prominence
