// Anchor for the precompiled LibTorch header (core/common/torch.h).
