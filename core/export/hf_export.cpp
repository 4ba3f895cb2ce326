// Hugging Face checkpoint export: shards, index, config, tokenizer files, prominence.json, and the
// temporary-directory-then-rename transaction.
#include "core/export/hf_export.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "core/common/error.h"
#include "core/model/checkpoint.h"
#include "core/model/safetensors.h"

namespace prominence::exporting {

namespace fs = std::filesystem;

namespace {

std::uint64_t tensorBytes(at::ScalarType dtype, const at::Tensor& t) {
    return static_cast<std::uint64_t>(t.numel()) * static_cast<std::uint64_t>(c10::elementSize(dtype));
}

void writeJson(const fs::path& path, const nlohmann::json& j) {
    std::ofstream out(path, std::ios::binary);
    out << j.dump(2) << "\n";
    out.close();
    if (!out) throw StorageError("export: cannot write " + path.string());
}

std::optional<at::ScalarType> forcedDtype(const std::string& dtype) {
    if (dtype == "stored") return std::nullopt;
    if (dtype == "float32") return at::kFloat;
    if (dtype == "bfloat16") return at::kBFloat16;
    if (dtype == "float16") return at::kHalf;
    throw InvalidArgument("export dtype '" + dtype + "' (known: stored, float32, bfloat16, float16)");
}

// A directory name beside `target` that no one else uses.
fs::path siblingName(const fs::path& target, const std::string& tag) {
    static std::atomic<int> counter{0};
    return target.parent_path() /
           ("." + target.filename().string() + "." + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

// Removes the temporary directory unless the export was committed.
struct TempDir {
    fs::path path;
    bool committed = false;
    ~TempDir() {
        if (committed) return;
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

nlohmann::json ExportResult::toJson() const {
    return {{"dir", dir}, {"weight_files", weightFiles}, {"copied_files", copiedFiles}, {"total_size", totalBytes},
            {"sharded", sharded}};
}

const std::vector<std::string>& tokenizerFileNames() {
    static const std::vector<std::string> names = {"tokenizer.json",   "tokenizer_config.json", "special_tokens_map.json",
                                                   "vocab.json",       "merges.txt",            "tokenizer.model",
                                                   "added_tokens.json", "generation_config.json"};
    return names;
}

std::vector<std::string> copyTokenizerFiles(const std::string& from, const std::string& to) {
    std::vector<std::string> copied;
    if (from.empty()) return copied;
    for (const std::string& name : tokenizerFileNames()) {
        const fs::path src = fs::path(from) / name;
        if (!fs::is_regular_file(src)) continue;
        std::error_code ec;
        fs::copy_file(src, fs::path(to) / name, fs::copy_options::overwrite_existing, ec);
        if (ec) throw StorageError("export: cannot copy " + src.string() + " to " + to + ": " + ec.message());
        copied.push_back(name);
    }
    return copied;
}

ExportResult exportCheckpoint(const Model& model, const std::string& outDir, const ExportOptions& options,
                              Progress& progress) {
    if (outDir.empty()) throw InvalidArgument("export: no output directory given");
    const std::optional<at::ScalarType> forced = forcedDtype(options.dtype);
    if (options.maxShardBytes == 0) throw InvalidArgument("export: max shard size must be positive");
    const fs::path target = fs::absolute(fs::path(outDir)).lexically_normal();
    const fs::path finalTarget = target.filename().empty() ? target.parent_path() : target;
    if (fs::exists(finalTarget) && !options.overwrite)
        throw StorageError("export: " + finalTarget.string() + " already exists (pass overwrite to replace it)");
    std::error_code ec;
    fs::create_directories(finalTarget.parent_path(), ec);
    if (ec) throw StorageError("export: cannot create " + finalTarget.parent_path().string() + ": " + ec.message());

    // Per-tensor dtypes of the source checkpoint, so a mixed-precision checkpoint stays as it was.
    std::map<std::string, at::ScalarType> stored;
    if (!forced && !model.directory().empty()) {
        const CheckpointFiles files = CheckpointFiles::open(model.directory());
        for (const std::string& name : files.tensorNames()) stored[name] = files.entry(name).dtype;
    }
    const std::vector<NamedTensor> params = model.namedParameters();
    std::vector<at::ScalarType> dtypes;
    for (const NamedTensor& p : params) {
        if (forced) dtypes.push_back(*forced);
        else if (stored.count(p.name)) dtypes.push_back(stored.at(p.name));
        else dtypes.push_back(model.directory().empty() ? at::kFloat : p.tensor.scalar_type());
    }

    // Shards as transformers' shard_checkpoint: a new shard when the next tensor would overflow it.
    std::vector<std::vector<std::size_t>> shards(1);
    std::uint64_t last = 0, total = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const std::uint64_t size = tensorBytes(dtypes[i], params[i].tensor);
        if (last + size > options.maxShardBytes && !shards.back().empty()) {
            shards.emplace_back();
            last = 0;
        }
        shards.back().push_back(i);
        last += size;
        total += size;
    }

    TempDir tmp{siblingName(finalTarget, "tmp")};
    fs::create_directories(tmp.path, ec);
    if (ec) throw StorageError("export: cannot create " + tmp.path.string() + ": " + ec.message());

    ExportResult result;
    result.dir = finalTarget.string();
    result.totalBytes = total;
    result.sharded = shards.size() > 1;
    nlohmann::json weightMap = nlohmann::json::object();
    std::int64_t done = 0;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        char name[64];
        if (result.sharded)
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
        else
            std::snprintf(name, sizeof name, "model.safetensors");
        std::vector<SafetensorsWriter::Declared> declared;
        for (std::size_t i : shards[s]) {
            declared.push_back({params[i].name, dtypes[i], params[i].tensor.sizes().vec()});
            weightMap[params[i].name] = name;
        }
        SafetensorsWriter writer((tmp.path / name).string(), declared);
        for (std::size_t i : shards[s]) {
            writer.add(params[i].tensor.detach().to(at::kCPU).to(dtypes[i]).contiguous());
            progress.report(++done, static_cast<std::int64_t>(params.size()));
        }
        writer.finish();
        result.weightFiles.push_back(name);
    }
    if (result.sharded) {
        writeJson(tmp.path / "model.safetensors.index.json",
                  {{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}});
        result.weightFiles.push_back("model.safetensors.index.json");
    }

    nlohmann::json config = model.config().original.is_object() && !model.config().original.empty()
                                ? model.config().original
                                : model.config().toJson();
    const fs::path sourceConfig = model.directory().empty() ? fs::path() : fs::path(model.directory()) / "config.json";
    if (!forced && !sourceConfig.empty() && fs::is_regular_file(sourceConfig)) {
        fs::copy_file(sourceConfig, tmp.path / "config.json", ec);
        if (ec) throw StorageError("export: cannot copy " + sourceConfig.string() + ": " + ec.message());
    } else {
        if (forced) config["torch_dtype"] = torchDtypeName(*forced);
        writeJson(tmp.path / "config.json", config);
    }
    const std::string tokenizerFrom = options.tokenizerSource.empty() ? model.directory() : options.tokenizerSource;
    result.copiedFiles = copyTokenizerFiles(tokenizerFrom, tmp.path.string());
    if (!options.prominence.is_null()) writeJson(tmp.path / "prominence.json", options.prominence);

    // Commit: move an existing target aside, rename the finished export into place, drop the old one.
    fs::path old;
    if (fs::exists(finalTarget)) {
        old = siblingName(finalTarget, "old");
        fs::rename(finalTarget, old, ec);
        if (ec) throw StorageError("export: cannot move the existing " + finalTarget.string() + " aside: " + ec.message());
    }
    fs::rename(tmp.path, finalTarget, ec);
    if (ec) {
        std::error_code back;
        if (!old.empty()) fs::rename(old, finalTarget, back);
        throw StorageError("export: cannot rename " + tmp.path.string() + " to " + finalTarget.string() + ": " + ec.message());
    }
    tmp.committed = true;
    if (!old.empty()) fs::remove_all(old, ec);
    return result;
}

}  // namespace prominence::exporting
