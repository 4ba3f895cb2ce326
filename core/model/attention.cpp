#include "core/model/attention.h"

#include <limits>

namespace prominence {

AttentionMask buildAttentionMask(std::int64_t past, std::int64_t n, std::int64_t window, const at::Tensor& pastMask,
                                 const at::Tensor& newMask, const at::Device& device) {
    const auto longs = at::TensorOptions().dtype(at::kLong).device(device);
    const at::Tensor qIdx = at::arange(past, past + n, longs).unsqueeze(1);  // [n, 1]
    AttentionMask m;
    {
        const at::Tensor kIdx = at::arange(past, past + n, longs).unsqueeze(0);  // [1, n]
        at::Tensor allowed = kIdx.le(qIdx);
        if (window > 0) allowed = allowed.logical_and((qIdx - kIdx).le(window));
        allowed = allowed.unsqueeze(0);  // [1, n, n]
        if (newMask.defined()) allowed = allowed.logical_and(newMask.to(device).ne(0).unsqueeze(1));  // [B, n, n]
        m.now = allowed;
    }
    if (past > 0) {
        const at::Tensor kIdx = at::arange(0, past, longs).unsqueeze(0);  // [1, past]
        at::Tensor allowed = at::ones({n, past}, longs.dtype(at::kBool));
        if (window > 0) allowed = (qIdx - kIdx).le(window);
        allowed = allowed.unsqueeze(0);  // [1, n, past]
        if (pastMask.defined()) allowed = allowed.logical_and(pastMask.to(device).ne(0).unsqueeze(1));  // [Bc, n, past]
        m.past = allowed;
    }
    return m;
}

at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& pastK,
                  const at::Tensor& pastV, const AttentionMask& mask, double divisor) {
    const std::int64_t B = q.size(0), H = q.size(1), n = q.size(2), D = q.size(3);
    const std::int64_t kvH = k.size(1), g = H / kvH;
    const std::int64_t past = pastK.defined() ? pastK.size(2) : 0;
    const bool folded = past > 0 && pastK.size(0) == 1 && B > 1;
    const auto lowest = std::numeric_limits<float>::lowest();

    if (past == 0) {
        // Without a past, the same ops and shapes as transformers' eager attention (repeat_kv,
        // then [B, H, n, D] matmuls): in BF16 the kernels round differently per operand layout,
        // and keeping them identical makes a BF16 run reproduce PyTorch's.
        const at::Tensor kr = g == 1 ? k : k.unsqueeze(2).expand({B, kvH, g, n, D}).reshape({B, H, n, D});
        const at::Tensor vr = g == 1 ? v : v.unsqueeze(2).expand({B, kvH, g, n, D}).reshape({B, H, n, D});
        const at::Tensor probs = (at::matmul(q, kr.transpose(-1, -2)) / divisor)   // [B, H, n, n]
                                     .to(at::kFloat)
                                     .masked_fill(mask.now.unsqueeze(1).logical_not(), lowest)
                                     .softmax(-1)
                                     .to(v.scalar_type());
        return at::matmul(probs, vr);  // [B, H, n, D]
    }

    // Query heads h = j*g .. j*g+g-1 share KV head j, so [B, H, n, D] -> [B, kvH, g*n, D].
    const at::Tensor qg = q.reshape({B, kvH, g * n, D});
    at::Tensor scores = at::matmul(qg, k.transpose(-1, -2)).view({B, kvH, g, n, n});  // [B, kvH, g, n, n]
    at::Tensor qf;
    if (past > 0) {
        at::Tensor pastScores;
        if (folded) {
            // [B, kvH, g, n, D] -> [1, kvH, g*B*n, D]: every row queries the one shared past.
            qf = q.view({B, kvH, g, n, D}).permute({1, 2, 0, 3, 4}).reshape({1, kvH, g * B * n, D});
            pastScores = at::matmul(qf, pastK.transpose(-1, -2))      // [1, kvH, g*B*n, past]
                             .view({kvH, g, B, n, past})
                             .permute({2, 0, 1, 3, 4});                // [B, kvH, g, n, past]
        } else {
            pastScores = at::matmul(qg, pastK.transpose(-1, -2)).view({B, kvH, g, n, past});
        }
        scores = at::cat({pastScores, scores}, -1);  // [B, kvH, g, n, past + n]
    }
    at::Tensor allowed = mask.now;  // [Bm, n, n]
    if (past > 0) {
        const std::int64_t bm = std::max(mask.past.size(0), mask.now.size(0));
        allowed = at::cat({mask.past.expand({bm, n, past}), mask.now.expand({bm, n, n})}, -1);  // [bm, n, past+n]
    }
    allowed = allowed.unsqueeze(1).unsqueeze(1);  // [Bm, 1, 1, n, past + n]

    // Softmax in float32 as transformers' eager attention does. A fully masked row (a left-pad
    // query) gets a finite fill, so it averages instead of producing NaN that would leak into
    // later layers through 0 * NaN.
    at::Tensor probs = (scores / divisor)
                           .to(at::kFloat)
                           .masked_fill(allowed.logical_not(), lowest)
                           .softmax(-1)
                           .to(v.scalar_type());  // [B, kvH, g, n, past + n]

    at::Tensor out = at::matmul(probs.narrow(-1, past, n).reshape({B, kvH, g * n, n}), v);  // [B, kvH, g*n, D]
    if (past > 0) {
        const at::Tensor pp = probs.narrow(-1, 0, past);  // [B, kvH, g, n, past]
        if (folded) {
            const at::Tensor pf = pp.permute({1, 2, 0, 3, 4}).reshape({1, kvH, g * B * n, past});
            out = out + at::matmul(pf, pastV)                           // [1, kvH, g*B*n, D]
                            .view({kvH, g, B, n, D})
                            .permute({2, 0, 1, 3, 4})
                            .reshape({B, kvH, g * n, D});
        } else {
            out = out + at::matmul(pp.reshape({B, kvH, g * n, past}), pastV);
        }
    }
    return out.view({B, H, n, D});
}

}  // namespace prominence
