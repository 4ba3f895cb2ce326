// prominence-cli export: a (pruned) model as a Hugging Face checkpoint directory with prominence.json.
#include <cctype>
#include <map>
#include <optional>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/export/hf_export.h"
#include "core/model/model.h"
#include "core/prune/mask_store.h"
#include "core/prune/surgery.h"
#include "core/workspace/workspace.h"

namespace prominence::cli {
namespace {

// "2GB", "500MB", "64KB" (decimal, as transformers' max_shard_size), "1GiB", or plain bytes.
std::uint64_t parseSize(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    const std::string number = text.substr(0, i), unit = text.substr(i);
    double value = 0;
    try {
        std::size_t used = 0;
        value = std::stod(number, &used);
        if (used != number.size()) throw std::invalid_argument(number);
    } catch (const std::exception&) {
        throw UsageError("--max-shard-size: '" + text + "' is not a size (e.g. 2GB, 500MB, 1048576)");
    }
    static const std::map<std::string, double> units = {{"", 1},        {"B", 1},           {"KB", 1e3},
                                                        {"MB", 1e6},    {"GB", 1e9},        {"KiB", 1024.0},
                                                        {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
    const auto it = units.find(unit);
    if (it == units.end() || value <= 0)
        throw UsageError("--max-shard-size: '" + text + "' is not a size (units: B, KB, MB, GB, KiB, MiB, GiB)");
    return static_cast<std::uint64_t>(value * it->second);
}

int runExport(const Args& args, Context& ctx) {
    auto model = Model::load(args.get("model"));
    prune::PruneMask mask = prune::PruneMask::forModel(*model);
    nlohmann::json meta = {{"source_model", args.get("model")}};
    std::optional<workspace::Workspace> ws;
    if (args.has("workspace")) ws.emplace(workspace::Workspace::open(args.get("workspace")));
    std::optional<workspace::Id> maskId;
    if (args.has("mask")) {
        if (!ws) throw UsageError("--mask needs --workspace W");
        const prune::StoredMask stored = prune::loadMaskByRef(*ws, args.get("mask"));
        stored.mask.checkFits(*model, "mask '" + stored.name + "'");
        mask = stored.mask;
        maskId = stored.id;
        meta["mask_id"] = stored.id;
        meta["mask_name"] = stored.name;
        meta["provenance"] = stored.provenance;
    }
    if (args.has("neurons")) {
        if (args.has("mask")) throw UsageError("give --mask or --neurons, not both");
        try {
            mask = prune::PruneMask::parse(args.get("neurons"), model->numLayers(), model->intermediateSize());
        } catch (const InvalidArgument& e) {
            throw UsageError(std::string("--neurons: ") + e.what());
        }
        meta["provenance"] = {{"policy", "explicit"}};
    }
    if (args.has("comparison")) {
        if (!ws) throw UsageError("--comparison needs --workspace W");
        const workspace::ComparisonRecord c = ws->comparison(args.getInt("comparison"));
        meta["comparison"] = {{"id", c.id}, {"name", c.name}, {"cells", c.table.value("cells", nlohmann::json::array())},
                              {"mcnemar", c.table.value("mcnemar", nlohmann::json::array())}};
    }
    meta["mask"] = mask.toJson();
    meta["neurons"] = mask.format();
    if (!mask.empty()) prune::applyWeightSurgery(*model, mask);
    exporting::ExportOptions o;
    o.overwrite = args.flag("overwrite");
    o.dtype = args.get("dtype");
    o.maxShardBytes = parseSize(args.get("max-shard-size"));
    o.prominence = meta;
    Progress progress(stderrProgress());
    progress.setStage("exporting");
    const exporting::ExportResult r = exporting::exportCheckpoint(*model, args.get("output"), o, progress);
    if (ws) {
        workspace::ExportRecord rec;
        rec.maskId = maskId;
        rec.kind = "hf_checkpoint";
        rec.path = r.dir;
        rec.meta = r.toJson();
        ws->addExport(rec);
    }
    nlohmann::json out = r.toJson();
    out["pruned"] = mask.size();
    ctx.out << out.dump(2) << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "export",
    "write a (pruned) model as a Hugging Face checkpoint directory",
    "Writes OUT_DIR with the source's config.json, every tensor under its name and shape in safetensors\n"
    "(__metadata__ format pt), sharded with model.safetensors.index.json above --max-shard-size, the\n"
    "tokenizer and generation files copied, and prominence.json with the mask, its provenance and the\n"
    "comparison metrics (--comparison). The mask (--mask from the workspace, or --neurons) is applied by\n"
    "weight surgery. The directory is written beside the target and renamed into place when complete.",
    {
        {"model", "DIR", "checkpoint directory to export", "", true, false},
        {"output", "OUT_DIR", "directory to write", "", true, false},
        {"workspace", "W", "workspace holding the mask and comparison", "", false, false},
        {"mask", "NAME|ID", "stored mask to apply", "", false, false},
        {"neurons", "L:N[,L:N...]", "neurons to remove", "", false, false},
        {"comparison", "ID", "stored comparison whose metrics go into prominence.json", "", false, false},
        {"max-shard-size", "SIZE", "shard above this size (2GB as transformers' default units)", "2GB", false, false},
        {"dtype", "T", "stored | float32 | bfloat16 | float16", "stored", false, false},
        {"overwrite", "", "replace OUT_DIR if it exists", "", false, false},
    },
    runExport});

}  // namespace prominence::cli
