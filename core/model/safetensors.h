#pragma once
// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.
//
// The reader memory-maps the file and hands out tensors that view the mapping (no copy) and keep
// it alive. The file is untrusted: header size, JSON, dtypes, shapes, offsets (in range, matching
// the shape, not overlapping, covering the data exactly as the reference implementation requires)
// are all checked when it is opened, and errors name the file and the tensor.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/torch.h"

namespace prominence {

struct NamedTensor {
    std::string name;
    at::Tensor tensor;
};

struct SafetensorsEntry {
    std::string name;
    at::ScalarType dtype;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;  // offsets into the data section
    std::uint64_t end = 0;
};

// "F32", "BF16", ... <-> at::ScalarType. Unknown names throw LoadError naming `what`.
at::ScalarType safetensorsDtype(const std::string& name, const std::string& what);
std::string safetensorsDtypeName(at::ScalarType type);
// "float32", "bfloat16", ... (transformers' torch_dtype spelling).
std::string torchDtypeName(at::ScalarType type);

class SafetensorsFile {
public:
    // Headers above this are refused before parsing (the reference implementation's limit).
    static constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

    static std::shared_ptr<const SafetensorsFile> open(const std::string& path);

    const std::string& path() const { return path_; }
    const std::vector<SafetensorsEntry>& entries() const { return entries_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const SafetensorsEntry* find(const std::string& name) const;

    // A CPU tensor over the mapped bytes (copy-on-write mapping: in-place writes stay private to
    // this process), or a copy when the data is misaligned for its dtype. Throws LoadError if absent.
    at::Tensor tensor(const std::string& name) const;

    struct Mapping;

private:
    SafetensorsFile() = default;
    std::string path_;
    std::shared_ptr<Mapping> mapping_;
    std::uint64_t dataStart_ = 0;
    std::vector<SafetensorsEntry> entries_;  // sorted by name
    std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (any device/dtype among the supported ones; made contiguous, row-major) with
// `metadata` as __metadata__, the header padded with spaces to a multiple of 8 as HF does. Writes a
// temporary file and renames it into place. Throws StorageError.
void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Streaming form for checkpoints larger than memory should hold at once: the header is written
// from the declared (name, dtype, shape) list, then each tensor is added in the same order.
class SafetensorsWriter {
public:
    struct Declared {
        std::string name;
        at::ScalarType dtype;
        std::vector<std::int64_t> shape;
    };
    SafetensorsWriter(const std::string& path, std::vector<Declared> tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});
    ~SafetensorsWriter();
    // The next declared tensor; its dtype and shape must match the declaration.
    void add(const at::Tensor& tensor);
    // Checks every declared tensor was added, flushes and renames into place.
    void finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace prominence
