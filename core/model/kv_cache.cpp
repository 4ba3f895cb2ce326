#include "core/model/kv_cache.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence {

at::Tensor KvCache::keys(int layer) const { return keys_.at(layer).narrow(2, 0, length_); }
at::Tensor KvCache::values(int layer) const { return values_.at(layer).narrow(2, 0, length_); }
at::Tensor KvCache::mask() const { return mask_.narrow(1, 0, length_); }

void KvCache::prepare(int numLayers, std::int64_t batch, std::int64_t kvHeads, std::int64_t n,
                      std::int64_t headDim, const at::TensorOptions& options) {
    if (mask_.defined() && (mask_.size(0) != batch || static_cast<int>(keys_.size()) != numLayers))
        throw InvalidArgument("KV cache holds batch " + std::to_string(mask_.size(0)) + " of " +
                              std::to_string(keys_.size()) + " layers; cannot append batch " + std::to_string(batch));
    const std::int64_t capacity = mask_.defined() ? mask_.size(1) : 0;
    if (length_ + n <= capacity) return;
    // Doubling keeps a token-by-token decode at amortised O(1) copies per step.
    const std::int64_t newCapacity = std::max({length_ + n, 2 * capacity, reserve_});
    auto grow = [&](const at::Tensor& old, at::IntArrayRef shape, const at::TensorOptions& opts) {
        at::Tensor fresh = at::zeros(shape, opts);
        if (old.defined() && length_ > 0) fresh.narrow(shape.size() == 4 ? 2 : 1, 0, length_).copy_(old.narrow(shape.size() == 4 ? 2 : 1, 0, length_));
        return fresh;
    };
    keys_.resize(numLayers);
    values_.resize(numLayers);
    for (int L = 0; L < numLayers; ++L) {
        keys_[L] = grow(keys_[L], {batch, kvHeads, newCapacity, headDim}, options);
        values_[L] = grow(values_[L], {batch, kvHeads, newCapacity, headDim}, options);
    }
    mask_ = grow(mask_, {batch, newCapacity}, options.dtype(at::kBool));
}

void KvCache::write(int layer, const at::Tensor& keys, const at::Tensor& values) {
    const std::int64_t n = keys.size(2);  // keys: [batch, kv_heads, n, head_dim]
    keys_.at(layer).narrow(2, length_, n).copy_(keys);
    values_.at(layer).narrow(2, length_, n).copy_(values);
}

void KvCache::commit(const at::Tensor& newMask) {
    const std::int64_t n = newMask.size(1);
    mask_.narrow(1, length_, n).copy_(newMask);
    length_ += n;
}

void KvCache::clear() {
    keys_.clear();
    values_.clear();
    mask_ = at::Tensor();
    length_ = 0;
}

}  // namespace prominence
