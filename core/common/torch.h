#pragma once
// The narrow set of LibTorch headers core uses: ATen tensors and autograd. <torch/torch.h> pulls in
// nn, optim and data loaders and costs ~3x the compile time; core needs none of them. Precompiled.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
