#pragma once
// Model's private state, shared by model.cpp (accessors, parameters, saving), model_load.cpp
// (loading, random init) and model_forward.cpp (the forward pass).
#include <array>
#include <map>
#include <string>
#include <vector>

#include "core/model/architecture.h"
#include "core/model/model.h"

namespace prominence {

struct Model::Impl {
    ModelConfig config;
    const ArchSpec* spec = nullptr;
    std::string dir;
    bool withPrefix = true;  // the checkpoint's names carry spec->optionalPrefix
    LoadOptions options;
    bool trainable = false;
    std::vector<ExpectedTensor> tensors;               // every parameter, in checkpoint order
    std::map<std::string, at::ScalarType> stored;      // dtype each tensor had on disk
    std::array<at::Tensor, kRoleCount> global;
    std::vector<std::array<at::Tensor, kRoleCount>> layers;
    at::Tensor invFreq;  // [rotaryDim / 2] float32, empty without rotary

    at::Tensor& slot(Role role, int layer) {
        return layer < 0 ? global[static_cast<int>(role)] : layers[layer][static_cast<int>(role)];
    }
    const at::Tensor& w(Role role) const { return global[static_cast<int>(role)]; }
    const at::Tensor& w(int layer, Role role) const { return layers[layer][static_cast<int>(role)]; }
    const ExpectedTensor* find(Role role, int layer) const;

    // Sets up empty slots and the derived tables for `config`.
    void initStructure(bool prefix);
    void validateLayerRange(int from, int to) const;
};

}  // namespace prominence
