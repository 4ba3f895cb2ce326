#include "core/model/unembedding.h"

#include "core/common/error.h"
#include "core/model/architecture.h"

namespace prominence {
namespace {

// The model's tensor for a global role. namedParameters() carries the checkpoint's names, which may or
// may not hold the family's optional prefix, so both spellings of the role's name are tried.
at::Tensor globalTensor(const Model& model, Role role, const char* what) {
    const ModelConfig& c = model.config();
    const ArchSpec& spec = architectureFor(c.modelType, model.directory());
    std::vector<std::string> names;
    for (bool prefix : {true, false})
        for (const ExpectedTensor& t : expectedTensors(spec, c, prefix))
            if (t.role == role && t.layer < 0) names.push_back(t.name);
    for (const NamedTensor& p : model.namedParameters())
        for (const std::string& n : names)
            if (p.name == n) return p.tensor;
    throw LoadError(std::string(what) + ": the " + c.modelType + " model " + model.directory() +
                    " has no such tensor (expected " + (names.empty() ? std::string("a role its table lacks")
                                                                       : "'" + names.front() + "'") +
                    ")");
}

}  // namespace

at::Tensor finalNormWeight(const Model& model) {
    return globalTensor(model, Role::FinalNormWeight, "finalNormWeight");
}

at::Tensor unembedding(const Model& model) {
    // Tied models keep the head only under the embedding's name (namedParameters lists it once).
    const Role role = model.config().tieWordEmbeddings ? Role::TokenEmbedding : Role::LmHead;
    return globalTensor(model, role, "unembedding");
}

}  // namespace prominence
