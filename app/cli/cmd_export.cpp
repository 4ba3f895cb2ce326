// prominence-cli export: a (pruned) model as a Hugging Face checkpoint directory with prominence.json
// (study::runExport).
#include <cctype>
#include <map>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/export_step.h"

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

int exportCommand(const Args& args, Context& ctx) {
    study::ExportParams p;
    p.modelDir = args.get("model");
    p.outputDir = args.get("output");
    p.workspacePath = args.get("workspace");
    p.mask = args.get("mask");
    p.neurons = args.get("neurons");
    if (args.has("comparison")) p.comparisonId = args.getInt("comparison");
    p.maxShardBytes = parseSize(args.get("max-shard-size"));
    p.dtype = args.get("dtype");
    p.overwrite = args.flag("overwrite");
    Progress progress(stderrProgress());
    const study::ExportResult r = callStudy([&] { return study::runExport(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
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
        {"dtype", "T", "stored | float32 | bfloat16 | float16", study::ExportParams{}.dtype, false, false},
        {"overwrite", "", "replace OUT_DIR if it exists", "", false, false},
    },
    exportCommand});

}  // namespace prominence::cli
