#pragma once
// Helpers the model tests share: comparing tensors at real (unpadded) positions, with the max abs
// difference printed so a parity run shows how close it is, not just pass/fail.
#include "core/common/torch.h"

#include <QString>
#include <QtTest>

#include <string>

namespace prominence::test {

// max |a - b| over positions where mask [B, T] is 1; a, b are [..., B, T, X] (leading dims allowed).
inline double maxAbsDiffAtTokens(const at::Tensor& a, const at::Tensor& b, const at::Tensor& mask) {
    const at::Tensor diff = (a.to(at::kDouble) - b.to(at::kDouble)).abs();   // [..., B, T, X]
    const at::Tensor keep = mask.ne(0).to(at::kDouble).unsqueeze(-1);        // [B, T, 1]
    return (diff * keep).max().item<double>();
}

inline QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace prominence::test
