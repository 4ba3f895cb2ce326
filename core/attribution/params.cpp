#include "core/attribution/params.h"

#include <algorithm>

#include "core/common/error.h"

namespace prominence::attribution {
namespace {

template <typename E, size_t N>
E parseName(const std::string& name, const char* const (&names)[N], const char* what) {
    std::string expected;
    for (size_t i = 0; i < N; ++i) {
        if (name == names[i]) return static_cast<E>(i);
        expected += (i == 0 ? "" : (i + 1 == N ? " or " : ", ")) + std::string(names[i]);
    }
    throw InvalidArgument(std::string("unknown ") + what + " '" + name + "': expected " + expected);
}

constexpr const char* kObjectives[] = {"logprob", "prob", "margin"};
constexpr const char* kPositions[] = {"last", "all"};
constexpr const char* kBaselines[] = {"zero", "mean"};
constexpr const char* kPaths[] = {"optimised", "naive"};

}  // namespace

std::string objectiveName(Objective o) { return kObjectives[static_cast<int>(o)]; }
Objective parseObjective(const std::string& name) { return parseName<Objective>(name, kObjectives, "objective"); }
std::string positionModeName(PositionMode p) { return kPositions[static_cast<int>(p)]; }
PositionMode parsePositionMode(const std::string& name) { return parseName<PositionMode>(name, kPositions, "positions"); }
std::string baselineName(BaselineKind b) { return kBaselines[static_cast<int>(b)]; }
BaselineKind parseBaseline(const std::string& name) { return parseName<BaselineKind>(name, kBaselines, "baseline"); }
std::string pathName(IgPath p) { return kPaths[static_cast<int>(p)]; }
IgPath parsePath(const std::string& name) { return parseName<IgPath>(name, kPaths, "IG path"); }

nlohmann::json AttributionParams::toJson() const {
    return {{"method", "integrated_gradients"},
            {"site", "blocks.{L}.mlp.post"},
            {"layers", layers.empty() ? nlohmann::json("all") : nlohmann::json(layers)},
            {"rule", ruleName(ig.rule)},
            {"steps", ig.steps},
            {"chunk_size", ig.chunkSize},
            {"objective", objectiveName(objective)},
            {"positions", positionModeName(positions)},
            {"baseline", baselineName(baseline)},
            {"baseline_source", baselineSource},
            {"residual_flag_threshold", residualFlagThreshold},
            {"path", pathName(path)}};
}

AttributionParams AttributionParams::fromJson(const nlohmann::json& j) {
    AttributionParams p;
    try {
        if (j.contains("layers") && !(j.at("layers").is_string() && j.at("layers").get<std::string>() == "all"))
            p.layers = j.at("layers").get<std::vector<int>>();
        if (j.contains("rule")) p.ig.rule = parseRule(j.at("rule").get<std::string>());
        p.ig.steps = j.value("steps", p.ig.steps);
        p.ig.chunkSize = j.value("chunk_size", p.ig.chunkSize);
        if (j.contains("objective")) p.objective = parseObjective(j.at("objective").get<std::string>());
        if (j.contains("positions")) p.positions = parsePositionMode(j.at("positions").get<std::string>());
        if (j.contains("baseline")) p.baseline = parseBaseline(j.at("baseline").get<std::string>());
        p.baselineSource = j.value("baseline_source", p.baselineSource);
        p.residualFlagThreshold = j.value("residual_flag_threshold", p.residualFlagThreshold);
        if (j.contains("path")) p.path = parsePath(j.at("path").get<std::string>());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(std::string("attribution parameters: ") + e.what());
    }
    p.validate();
    return p;
}

void AttributionParams::validate(int numLayers) const {
    validateIgOptions(ig);
    if (!(residualFlagThreshold > 0))
        throw InvalidArgument("residual flag threshold must be > 0, got " + std::to_string(residualFlagThreshold));
    for (size_t i = 0; i < layers.size(); ++i) {
        if (layers[i] < 0 || (numLayers >= 0 && layers[i] >= numLayers))
            throw InvalidArgument("layer " + std::to_string(layers[i]) + " is out of range [0, " +
                                  (numLayers >= 0 ? std::to_string(numLayers) : std::string("layers")) + ")");
        if (i > 0 && layers[i] <= layers[i - 1])
            throw InvalidArgument("layers must be ascending and distinct, got " + std::to_string(layers[i - 1]) +
                                  " before " + std::to_string(layers[i]));
    }
}

std::vector<int> AttributionParams::resolvedLayers(int numLayers) const {
    if (!layers.empty()) return layers;
    std::vector<int> all(static_cast<size_t>(numLayers));
    for (int i = 0; i < numLayers; ++i) all[static_cast<size_t>(i)] = i;
    return all;
}

}  // namespace prominence::attribution
