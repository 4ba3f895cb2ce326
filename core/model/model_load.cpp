// Model::load (strict, memory-mapped) and Model::createFromConfig (seeded random init).
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/common/error.h"
#include "core/model/blocks.h"
#include "core/model/checkpoint.h"
#include "core/model/model_impl.h"

namespace prominence {

namespace {

std::string shapeText(at::IntArrayRef shape) {
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    s << ']';
    return s.str();
}

void checkComputeOptions(const LoadOptions& o) {
    if (o.dtype != at::kFloat && o.dtype != at::kBFloat16 && o.dtype != at::kHalf && o.dtype != at::kDouble)
        throw InvalidArgument(std::string("compute dtype must be float32, bfloat16, float16 or float64, not ") +
                              c10::toString(o.dtype));
    if (o.device.is_cuda() && !at::hasCUDA())
        throw InvalidArgument("device '" + o.device.str() + "' requested, but this LibTorch has no CUDA");
    if (!o.device.is_cpu() && !o.device.is_cuda())
        throw InvalidArgument("device '" + o.device.str() + "' is not supported (cpu or cuda)");
}

}  // namespace

const ExpectedTensor* Model::Impl::find(Role role, int layer) const {
    for (const auto& t : tensors)
        if (t.role == role && t.layer == layer) return &t;
    return nullptr;
}

void Model::Impl::initStructure(bool prefix) {
    withPrefix = prefix;
    tensors = expectedTensors(*spec, config, prefix);
    layers.assign(static_cast<std::size_t>(config.numLayers), {});
    if (config.positions == PositionKind::Rotary && config.rotaryDim > 0)
        invFreq = rotaryInverseFrequencies(config, options.device);
}

std::unique_ptr<Model> Model::load(const std::string& dir, const LoadOptions& options) {
    checkComputeOptions(options);
    namespace fs = std::filesystem;
    const std::string configPath = (fs::path(dir) / "config.json").string();
    if (!fs::is_directory(dir)) throw LoadError(dir + ": not a directory");
    if (!fs::exists(configPath)) throw LoadError(dir + ": no config.json");

    auto impl = std::make_unique<Impl>();
    impl->config = ModelConfig::fromFile(configPath);
    impl->spec = &architectureFor(impl->config.modelType, configPath);
    impl->dir = dir;
    impl->options = options;
    const CheckpointFiles files = CheckpointFiles::open(dir);

    // GPT-2 as published names its tensors without "transformer."; decide by the embedding.
    bool prefix = true;
    if (!impl->spec->optionalPrefix.empty()) {
        const auto withP = expectedTensors(*impl->spec, impl->config, true).front().name;
        const auto without = expectedTensors(*impl->spec, impl->config, false).front().name;
        prefix = files.contains(withP) || !files.contains(without);
    }
    impl->initStructure(prefix);

    std::set<std::string> used;
    for (const auto& t : impl->tensors) {
        if (!files.contains(t.name))
            throw LoadError("load: " + dir + ": missing tensor '" + t.name + "' (expected shape " + shapeText(t.shape) +
                            ") for " + impl->config.modelType + " with this config.json");
        const SafetensorsEntry& e = files.entry(t.name);
        if (e.shape != t.shape)
            throw ShapeError("load: " + files.fileOf(t.name) + ": tensor '" + t.name + "' has shape " +
                             shapeText(e.shape) + ", expected " + shapeText(t.shape));
        if (e.dtype != at::kFloat && e.dtype != at::kBFloat16 && e.dtype != at::kHalf && e.dtype != at::kDouble)
            throw LoadError("load: " + files.fileOf(t.name) + ": tensor '" + t.name + "' has dtype " +
                            safetensorsDtypeName(e.dtype) + ", expected a float type (F32, F16, BF16, F64)");
        at::Tensor value = files.tensor(t.name);
        // No copy when dtype and device already match: the tensor stays a view of the mapping.
        if (value.scalar_type() != options.dtype) value = value.to(options.dtype);
        if (value.device() != options.device) value = value.to(options.device);
        impl->slot(t.role, t.layer) = value;
        impl->stored[t.name] = e.dtype;
        used.insert(t.name);
    }
    for (const auto& name : files.tensorNames()) {
        if (used.count(name) || isIgnoredTensor(*impl->spec, name)) continue;
        // transformers overwrites a stored lm_head with the embedding when tied; so do we.
        if (impl->config.tieWordEmbeddings && name == "lm_head.weight") continue;
        throw LoadError("load: " + files.fileOf(name) + ": unexpected tensor '" + name + "' (not used by " +
                        impl->config.modelType + " with this config.json)");
    }
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

std::unique_ptr<Model> Model::createFromConfig(const ModelConfig& config, std::uint64_t seed, const LoadOptions& options) {
    checkComputeOptions(options);
    auto impl = std::make_unique<Impl>();
    // Round-trip through JSON so a hand-built config is validated like a file.
    impl->config = ModelConfig::fromJson(config.toJson(), "createFromConfig");
    impl->spec = &architectureFor(impl->config.modelType, "createFromConfig");
    impl->options = options;
    impl->initStructure(true);

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const double std = impl->config.initializerRange;
    // GPT-2 scales its residual projections (c_proj) by 1/sqrt(2 n_layer) at init.
    const double residualStd = std / std::sqrt(2.0 * static_cast<double>(impl->config.numLayers));
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    for (const auto& t : impl->tensors) {
        at::Tensor value;
        const bool normWeight = t.role == Role::FinalNormWeight || t.role == Role::AttnNormWeight ||
                                t.role == Role::MlpNormWeight;
        if (normWeight) {
            value = at::ones(t.shape, f32);
        } else if (t.shape.size() == 1) {
            value = at::zeros(t.shape, f32);
        } else {
            const bool residual = impl->config.modelType == "gpt2" && (t.role == Role::OWeight || t.role == Role::DownWeight);
            value = at::normal(0.0, residual ? residualStd : std, t.shape, gen, f32);
        }
        impl->slot(t.role, t.layer) = value.to(options.dtype).to(options.device);
        impl->stored[t.name] = at::kFloat;
    }
    impl->trainable = options.dtype == at::kFloat;
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

at::Device parseDevice(const std::string& text) {
    try {
        at::Device d(text);
        if (d.is_cpu() || d.is_cuda()) return d;
    } catch (const std::exception&) {
    }
    throw InvalidArgument("device '" + text + "' is not one of cpu, cuda, cuda:N");
}

at::ScalarType parseComputeDtype(const std::string& text) {
    if (text == "float32" || text == "f32" || text == "fp32") return at::kFloat;
    if (text == "bfloat16" || text == "bf16") return at::kBFloat16;
    if (text == "float16" || text == "f16" || text == "fp16") return at::kHalf;
    throw InvalidArgument("dtype '" + text + "' is not one of f32, bf16, f16");
}

}  // namespace prominence
