#pragma once
// Causal self-attention over past (cached) and new positions, with GQA and padding masks.
//
// Grouped-query heads are handled by folding each KV head's group of query heads into the query
// dimension rather than repeating keys/values. A past of batch 1 read by B new rows (IG: one row
// per alpha step against one prefix) is handled the same way: the B rows are folded into the query
// dimension for the past part, so the cache is never copied B times.
#include "core/common/torch.h"

namespace prominence {

// Which keys each new query may see. Queries sit at sequence indices past..past+n-1.
struct AttentionMask {
    at::Tensor past;  // [Bp, n, past] bool, Bp in {1, B}; undefined when past == 0
    at::Tensor now;   // [Bn, n, n] bool, Bn in {1, B}
};
// `pastMask` [Bc, past] / `newMask` [B, n]: 1 for tokens (either may be undefined = all tokens).
// `window` > 0 applies transformers v4.40's sliding window: query i sees key j iff i - j <= window.
AttentionMask buildAttentionMask(std::int64_t past, std::int64_t n, std::int64_t window, const at::Tensor& pastMask,
                                 const at::Tensor& newMask, const at::Device& device);

// q [B, H, n, D]; k, v [B, kvH, n, D]; pastK, pastV [Bc, kvH, past, D] with Bc in {1, B}, or
// undefined. Scores are divided by `divisor` (sqrt(head_dim), in the model dtype as transformers
// does), masked, softmaxed in float32. Returns [B, H, n, D].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& pastK,
                  const at::Tensor& pastV, const AttentionMask& mask, double divisor);

}  // namespace prominence
