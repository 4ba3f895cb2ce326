#pragma once
// What the trainer consumes: tokenised examples with the positions whose next-token prediction is
// scored. The same form covers few-shot fine-tuning (loss on the answer tokens only) and language-
// model pretraining from scratch (loss on every next token), so the Shortcut Lab reuses the trainer.
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/torch.h"

namespace prominence::train {

struct TrainExample {
    std::vector<std::int64_t> inputIds;
    // Logits at lossPositions[i] are scored against targetIds[i] (cross-entropy, summed over the
    // batch's loss tokens and divided by their number).
    std::vector<std::int64_t> lossPositions;
    std::vector<std::int64_t> targetIds;
};

// Next-token LM loss over the whole sequence: position t predicts ids[t + 1]. At least 2 ids.
TrainExample languageModelExample(std::vector<std::int64_t> ids);
// context + continuation as input; the loss scores the continuation tokens only (each one from the
// position before it). Both non-empty.
TrainExample continuationExample(const std::vector<std::int64_t>& context,
                                 const std::vector<std::int64_t>& continuation);

// InvalidArgument naming `what` when ids or targets fall outside [0, vocab), a position is outside
// the sequence, the lists' lengths differ, there is nothing to score, or the sequence is longer than
// maxLength (> 0).
void validateExample(const TrainExample& example, std::int64_t vocab, std::int64_t maxLength, const std::string& what);

// A padded batch: right padding with `padId` (causal attention never lets a real token see the pads
// after it, so padding changes no real position's logits).
struct Batch {
    at::Tensor inputIds;       // [B, T] int64
    at::Tensor attentionMask;  // [B, T] int64, 1 = token
    at::Tensor lossRows;       // [N] int64: batch row of each scored token
    at::Tensor lossCols;       // [N] int64: its position
    at::Tensor targets;        // [N] int64
};
Batch collate(const std::vector<const TrainExample*>& examples, std::int64_t padId, at::Device device = at::kCPU);

}  // namespace prominence::train
