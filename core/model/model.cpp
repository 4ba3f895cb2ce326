// Model: accessors, neuron masks, parameters by name, MLP weights for surgery, saving.
#include "core/model/model.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/common/error.h"
#include "core/model/model_impl.h"

namespace prominence {

namespace fs = std::filesystem;

bool NeuronMask::empty() const {
    for (const auto& s : scales)
        if (s.defined()) return false;
    return true;
}

NeuronMask NeuronMask::fromNeurons(int numLayers, std::int64_t intermediate,
                                   const std::vector<std::pair<int, std::int64_t>>& neurons) {
    NeuronMask mask;
    mask.scales.resize(static_cast<std::size_t>(numLayers));
    for (const auto& [layer, neuron] : neurons) {
        if (layer < 0 || layer >= numLayers)
            throw InvalidArgument("neuron " + std::to_string(layer) + ":" + std::to_string(neuron) + ": layer must be in [0, " +
                                  std::to_string(numLayers) + ")");
        if (neuron < 0 || neuron >= intermediate)
            throw InvalidArgument("neuron " + std::to_string(layer) + ":" + std::to_string(neuron) + ": neuron must be in [0, " +
                                  std::to_string(intermediate) + ")");
        auto& s = mask.scales[static_cast<std::size_t>(layer)];
        if (!s.defined()) s = at::ones({intermediate}, at::kFloat);
        s[neuron] = 0.0;
    }
    return mask;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelConfig& Model::config() const { return impl_->config; }
const std::string& Model::directory() const { return impl_->dir; }
at::ScalarType Model::dtype() const { return impl_->options.dtype; }
at::Device Model::device() const { return impl_->options.device; }
int Model::numLayers() const { return static_cast<int>(impl_->config.numLayers); }
std::int64_t Model::hiddenSize() const { return impl_->config.hiddenSize; }
std::int64_t Model::intermediateSize() const { return impl_->config.intermediateSize; }
std::int64_t Model::vocabSize() const { return impl_->config.vocabSize; }
std::string Model::siteName(int layer) { return "blocks." + std::to_string(layer) + ".mlp.post"; }
bool Model::isTrainable() const { return impl_->trainable; }

std::string Model::storedDtype() const {
    std::set<at::ScalarType> types;
    for (const auto& [name, type] : impl_->stored) types.insert(type);
    return types.size() == 1 ? torchDtypeName(*types.begin()) : "mixed";
}

std::int64_t Model::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& t : impl_->tensors) {
        std::int64_t k = 1;
        for (auto s : t.shape) k *= s;
        n += k;
    }
    return n;
}

std::vector<NamedTensor> Model::namedParameters() const {
    std::vector<NamedTensor> out;
    out.reserve(impl_->tensors.size());
    for (const auto& t : impl_->tensors) out.push_back({t.name, impl_->slot(t.role, t.layer)});
    return out;
}

void Model::setRequiresGrad(bool requiresGrad) {
    for (const auto& t : impl_->tensors) impl_->slot(t.role, t.layer).requires_grad_(requiresGrad);
}

void Model::makeTrainable() {
    if (impl_->trainable) return;
    for (const auto& t : impl_->tensors) {
        at::Tensor& w = impl_->slot(t.role, t.layer);
        w = w.detach().to(at::kFloat).clone(at::MemoryFormat::Contiguous);
    }
    impl_->options.dtype = at::kFloat;
    impl_->trainable = true;
}

MlpWeights Model::mlp(int layer) const {
    if (layer < 0 || layer >= numLayers())
        throw InvalidArgument("layer " + std::to_string(layer) + " out of range [0, " + std::to_string(numLayers()) + ")");
    const bool conv = impl_->config.layout == WeightLayout::Conv1D;
    auto get = [&](Role role, int neuronDim) {
        const ExpectedTensor* t = impl_->find(role, layer);
        return t ? NeuronWeight{t->name, impl_->w(layer, role), neuronDim} : NeuronWeight{};
    };
    MlpWeights m;
    // Linear [out, in]: the neuron is the row of up/gate and the column of down; Conv1D flips both.
    m.up = get(Role::UpWeight, conv ? 1 : 0);
    m.upBias = get(Role::UpBias, 0);
    m.gate = get(Role::GateWeight, conv ? 1 : 0);
    m.gateBias = get(Role::GateBias, 0);
    m.down = get(Role::DownWeight, conv ? 0 : 1);
    if (const ExpectedTensor* t = impl_->find(Role::DownBias, layer)) {
        m.downBiasName = t->name;
        m.downBias = impl_->w(layer, Role::DownBias);
    }
    return m;
}

void Model::saveCheckpoint(const std::string& dir) const {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw StorageError("saveCheckpoint: cannot create " + dir + ": " + ec.message());
    const fs::path configOut = fs::path(dir) / "config.json";
    const fs::path configIn = impl_->dir.empty() ? fs::path() : fs::path(impl_->dir) / "config.json";
    if (!configIn.empty() && fs::exists(configIn)) {
        if (fs::weakly_canonical(configIn) != fs::weakly_canonical(configOut)) {
            fs::copy_file(configIn, configOut, fs::copy_options::overwrite_existing, ec);
            if (ec) throw StorageError("saveCheckpoint: cannot copy config.json to " + dir + ": " + ec.message());
        }
    } else {
        std::ofstream out(configOut);
        out << impl_->config.toJson().dump(2) << "\n";
        if (!out) throw StorageError("saveCheckpoint: cannot write " + configOut.string());
    }
    std::vector<SafetensorsWriter::Declared> declared;
    for (const auto& t : impl_->tensors) declared.push_back({t.name, impl_->stored.at(t.name), t.shape});
    SafetensorsWriter writer((fs::path(dir) / "model.safetensors").string(), declared);
    for (const auto& t : impl_->tensors) writer.add(impl_->slot(t.role, t.layer).detach().to(impl_->stored.at(t.name)));
    writer.finish();
}

}  // namespace prominence
