#include "core/study/export_step.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/data/benchmark_loader.h"
#include "core/data/rendering.h"
#include "core/model/model.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

void ExportParams::validate() const {
    if (modelDir.empty()) throw ParamsError("export needs a model directory");
    if (outputDir.empty()) throw ParamsError("export needs an output directory");
    if (!mask.empty() && workspacePath.empty()) throw ParamsError("--mask needs --workspace W");
    if (!mask.empty() && !neurons.empty()) throw ParamsError("give --mask or --neurons, not both");
    if (comparisonId != 0 && workspacePath.empty())
        throw ParamsError("--comparison needs --workspace W");
    if (maxShardBytes == 0) throw ParamsError("export: the shard size must be positive");
}

ExportResult runExport(const ExportParams& p, Progress& progress, const Log&) {
    p.validate();
    auto model = Model::load(p.modelDir);
    prune::PruneMask mask = prune::PruneMask::forModel(*model);
    nlohmann::json meta = {{"source_model", p.modelDir}};
    std::optional<workspace::Workspace> ws;
    if (!p.workspacePath.empty()) ws.emplace(workspace::Workspace::open(p.workspacePath));
    std::optional<workspace::Id> maskId;
    if (!p.mask.empty()) {
        const prune::StoredMask stored = prune::loadMaskByRef(*ws, p.mask);
        stored.mask.checkFits(*model, "mask '" + stored.name + "'");
        mask = stored.mask;
        maskId = stored.id;
        meta["mask_id"] = stored.id;
        meta["mask_name"] = stored.name;
        meta["provenance"] = stored.provenance;
    }
    if (!p.neurons.empty()) {
        try {
            mask =
                prune::PruneMask::parse(p.neurons, model->numLayers(), model->intermediateSize());
        } catch (const InvalidArgument& e) {
            throw ParamsError(std::string("--neurons: ") + e.what());
        }
        meta["provenance"] = {{"policy", "explicit"}};
    }
    if (p.comparisonId != 0) {
        const workspace::ComparisonRecord c = ws->comparison(p.comparisonId);
        meta["comparison"] = {{"id", c.id},
                              {"name", c.name},
                              {"cells", c.table.value("cells", nlohmann::json::array())},
                              {"mcnemar", c.table.value("mcnemar", nlohmann::json::array())}};
    }
    meta["mask"] = mask.toJson();
    meta["neurons"] = mask.format();
    if (!mask.empty()) prune::applyWeightSurgery(*model, mask);
    exporting::ExportOptions o;
    o.overwrite = p.overwrite;
    o.dtype = p.dtype;
    o.maxShardBytes = p.maxShardBytes;
    o.prominence = meta;
    progress.setStage("exporting");
    ExportResult out;
    out.written = exporting::exportCheckpoint(*model, p.outputDir, o, progress);
    if (ws) {
        workspace::ExportRecord rec;
        rec.maskId = maskId;
        rec.kind = "hf_checkpoint";
        rec.path = out.written.dir;
        rec.meta = out.written.toJson();
        ws->addExport(rec);
    }
    out.summary = out.written.toJson();
    out.summary["pruned"] = mask.size();
    return out;
}

void ExportCheckParams::validate() const {
    if (exportDir.empty()) throw ParamsError("the export check needs the exported directory");
    if (modelDir.empty()) throw ParamsError("the export check needs the source model directory");
    if (benchmarkPath.empty()) throw ParamsError("the export check needs a benchmark for its prompts");
    if (items < 1) throw ParamsError("the export check needs at least one item");
}

nlohmann::json ExportCheckResult::toJson() const {
    return {{"items", items}, {"tokens", tokens}, {"pruned", pruned}, {"max_abs_diff", maxAbsDiff}, {"per_item", perItem}};
}

namespace {

// Logits [T, V] (float32) of one sequence, every position.
at::Tensor sequenceLogits(const Model& model, const std::vector<std::int64_t>& ids, const NeuronMask* mask) {
    at::NoGradGuard noGrad;
    ForwardInput in;
    in.inputIds = at::tensor(ids, at::TensorOptions().dtype(at::kLong)).unsqueeze(0).to(model.device());  // [1, T]
    ForwardOptions fo;
    fo.neuronMask = mask;
    return model.forward(in, fo).logits.squeeze(0).to(at::kFloat).cpu();  // [T, V]
}

}  // namespace

ExportCheckResult checkExport(const ExportCheckParams& p, Progress& progress) {
    p.validate();
    progress.setStage("checking the export");
    const auto exported = Model::load(p.exportDir);
    const auto source = Model::load(p.modelDir);
    if (exported->numLayers() != source->numLayers() || exported->intermediateSize() != source->intermediateSize() ||
        exported->vocabSize() != source->vocabSize())
        throw InvalidArgument("export check: " + p.exportDir + " and " + p.modelDir + " have different shapes");
    prune::PruneMask mask = prune::PruneMask::forModel(*source);
    const std::filesystem::path meta = std::filesystem::path(p.exportDir) / "prominence.json";
    if (std::filesystem::exists(meta)) {
        std::ifstream in(meta);
        const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded()) throw FormatError(meta.string() + ": not valid JSON");
        if (j.contains("mask") && !j.at("mask").is_null()) mask = prune::PruneMask::fromJson(j.at("mask"), meta.string() + ": mask");
    }
    mask.checkFits(*source, "the export's mask");
    const NeuronMask activation = mask.toNeuronMask(source->device());
    const Tokenizer tokenizer = Tokenizer::load(p.exportDir);
    const data::Benchmark bench = data::loadBenchmark(p.benchmarkPath);
    const std::size_t n = std::min(p.items, bench.items.size());
    if (n == 0) throw InvalidArgument("export check: " + p.benchmarkPath + " has no items");
    ExportCheckResult r;
    r.pruned = static_cast<std::int64_t>(mask.size());
    progress.report(0, static_cast<std::int64_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<std::int64_t> ids = tokenizer.encode(data::letterPrompt(bench.items[i]), false);
        if (ids.empty()) throw InvalidArgument("export check: item " + std::to_string(i) + " of " + p.benchmarkPath + " has an empty prompt");
        const at::Tensor a = sequenceLogits(*exported, ids, nullptr);
        const at::Tensor b = sequenceLogits(*source, ids, mask.empty() ? nullptr : &activation);
        const double d = (a - b).abs().max().item<double>();
        r.perItem.push_back(d);
        r.maxAbsDiff = std::max(r.maxAbsDiff, d);
        r.tokens += static_cast<std::int64_t>(ids.size());
        ++r.items;
        progress.report(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(n));
    }
    return r;
}

}  // namespace prominence::study
