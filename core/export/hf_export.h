#pragma once
// A model as a Hugging Face checkpoint directory that transformers (and Model::load) read unchanged:
// the source's config.json, every tensor under its checkpoint name and shape in safetensors with
// __metadata__ {"format": "pt"}, sharded as transformers' save_pretrained does above maxShardBytes
// (model-0000N-of-0000M.safetensors + model.safetensors.index.json), the source's tokenizer and
// generation files copied, and prominence.json (mask, provenance, metrics) when given.
//
// Writes are transactional: everything goes to a temporary directory beside the target, which is
// renamed into place only when complete; an existing target is replaced only with `overwrite` (it is
// moved aside first and removed after the rename). A failure leaves no half-written export behind.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/model/model.h"

namespace prominence::exporting {

struct ExportOptions {
    // transformers' max_shard_size "2GB" (decimal units, as it parses them).
    std::uint64_t maxShardBytes = 2000ull * 1000 * 1000;
    // "stored": each tensor in the dtype the source checkpoint stored it (f32 for created models);
    // or "float32", "bfloat16", "float16" for all (config.json's torch_dtype is updated then).
    std::string dtype = "stored";
    bool overwrite = false;
    // Directory whose tokenizer/generation files are copied; empty: the model's own directory.
    std::string tokenizerSource;
    // Written as prominence.json when not null.
    nlohmann::json prominence;
};

struct ExportResult {
    std::string dir;
    std::vector<std::string> weightFiles;     // file names inside dir
    std::vector<std::string> copiedFiles;     // tokenizer and generation files copied
    std::uint64_t totalBytes = 0;             // tensor data, as the index's total_size
    bool sharded = false;
    nlohmann::json toJson() const;
};

// The files copied beside the weights when the source has them.
const std::vector<std::string>& tokenizerFileNames();
// Copies those of tokenizerFileNames() that exist in `from` into `to`; returns their names.
std::vector<std::string> copyTokenizerFiles(const std::string& from, const std::string& to);

// Throws StorageError (cannot write, target exists without overwrite) or InvalidArgument (dtype).
ExportResult exportCheckpoint(const Model& model, const std::string& outDir, const ExportOptions& options = {},
                              Progress& progress = Progress::none());

}  // namespace prominence::exporting
