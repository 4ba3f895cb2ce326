#include "core/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace prominence {

struct SafetensorsFile::Mapping {
    void* base = nullptr;
    std::size_t size = 0;
    ~Mapping() {
        if (base != nullptr && base != MAP_FAILED) munmap(base, size);
    }
};

namespace {

struct DtypeName {
    const char* name;
    at::ScalarType type;
    const char* torchName;
};

constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble, "float64"},  {"F32", at::kFloat, "float32"},  {"F16", at::kHalf, "float16"},
    {"BF16", at::kBFloat16, "bfloat16"}, {"I64", at::kLong, "int64"},  {"I32", at::kInt, "int32"},
    {"I16", at::kShort, "int16"},     {"I8", at::kChar, "int8"},       {"U8", at::kByte, "uint8"},
    {"BOOL", at::kBool, "bool"},
};

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    s << ']';
    return s.str();
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw LoadError("safetensors: " + path + ": " + what);
}

std::uint64_t readU64(const nlohmann::json& v, const std::string& path, const std::string& what) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
        fail(path, what + " must be a non-negative integer, got " + v.dump());
    return v.get<std::uint64_t>();
}

}  // namespace

at::ScalarType safetensorsDtype(const std::string& name, const std::string& what) {
    for (const auto& d : kDtypes)
        if (name == d.name) return d.type;
    throw LoadError(what + ": unknown dtype '" + name +
                    "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
}

std::string safetensorsDtypeName(at::ScalarType type) {
    for (const auto& d : kDtypes)
        if (type == d.type) return d.name;
    throw InvalidArgument(std::string("safetensors cannot store dtype ") + c10::toString(type));
}

std::string torchDtypeName(at::ScalarType type) {
    for (const auto& d : kDtypes)
        if (type == d.type) return d.torchName;
    return c10::toString(type);
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    const auto fileSize = static_cast<std::uint64_t>(st.st_size);
    if (fileSize < 8) {
        ::close(fd);
        fail(path, "file is " + std::to_string(fileSize) + " bytes, shorter than the 8-byte header length");
    }
    auto mapping = std::make_shared<Mapping>();
    // MAP_PRIVATE + PROT_WRITE: copy-on-write, so a caller editing a weight in place (pruning by
    // surgery) gets a private page instead of a segfault, and the file is never modified.
    mapping->base = mmap(nullptr, fileSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (mapping->base == MAP_FAILED) fail(path, std::string("mmap failed: ") + std::strerror(errno));
    mapping->size = fileSize;
    const auto* bytes = static_cast<const unsigned char*>(mapping->base);

    std::uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | bytes[i];  // little-endian
    if (headerLen > kMaxHeaderBytes)
        fail(path, "header length " + std::to_string(headerLen) + " exceeds the " +
                       std::to_string(kMaxHeaderBytes) + "-byte limit");
    if (headerLen > fileSize - 8)
        fail(path, "header length " + std::to_string(headerLen) + " runs past the end of the " +
                       std::to_string(fileSize) + "-byte file (truncated?)");
    if (headerLen < 2 || bytes[8] != '{') fail(path, "header does not start with a JSON object");

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes + 8, bytes + 8 + headerLen);
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) fail(path, "header is not a JSON object");

    std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->path_ = path;
    file->mapping_ = mapping;
    file->dataStart_ = 8 + headerLen;
    const std::uint64_t dataSize = fileSize - file->dataStart_;

    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") {
            if (!info.is_object()) fail(path, "__metadata__ is not an object");
            for (const auto& [k, v] : info.items()) {
                if (!v.is_string()) fail(path, "__metadata__ value '" + k + "' is not a string");
                file->metadata_[k] = v.get<std::string>();
            }
            continue;
        }
        const std::string what = "tensor '" + name + "'";
        if (!info.is_object()) fail(path, what + " entry is not an object");
        for (const char* key : {"dtype", "shape", "data_offsets"})
            if (!info.contains(key)) fail(path, what + " has no '" + key + "'");
        if (!info["dtype"].is_string()) fail(path, what + " dtype is not a string");
        SafetensorsEntry e;
        e.name = name;
        e.dtype = safetensorsDtype(info["dtype"].get<std::string>(), "safetensors: " + path + ": " + what);
        if (!info["shape"].is_array()) fail(path, what + " shape is not an array");
        std::uint64_t numel = 1;
        for (const auto& d : info["shape"]) {
            const std::uint64_t dim = readU64(d, path, what + " shape entry");
            if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                __builtin_mul_overflow(numel, dim, &numel))
                fail(path, what + " shape " + info["shape"].dump() + " overflows");
            e.shape.push_back(static_cast<std::int64_t>(dim));
        }
        const auto& offs = info["data_offsets"];
        if (!offs.is_array() || offs.size() != 2) fail(path, what + " data_offsets is not [begin, end]");
        e.begin = readU64(offs[0], path, what + " data_offsets[0]");
        e.end = readU64(offs[1], path, what + " data_offsets[1]");
        std::uint64_t nbytes = 0;
        if (__builtin_mul_overflow(numel, c10::elementSize(e.dtype), &nbytes))
            fail(path, what + " byte size overflows");
        if (e.begin > e.end || e.end > dataSize)
            fail(path, what + " data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                           "] out of range of the " + std::to_string(dataSize) + "-byte data section" +
                           (e.end > dataSize ? " (truncated file?)" : ""));
        if (e.end - e.begin != nbytes)
            fail(path, what + " data_offsets span " + std::to_string(e.end - e.begin) + " bytes, but " +
                           info["dtype"].get<std::string>() + " " + shapeText(e.shape) + " needs " +
                           std::to_string(nbytes));
        file->entries_.push_back(std::move(e));
    }

    // The reference implementation requires the tensors to tile the data section exactly.
    std::vector<const SafetensorsEntry*> byOffset;
    for (const auto& e : file->entries_) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(), [](const auto* a, const auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    std::uint64_t cursor = 0;
    const SafetensorsEntry* previous = nullptr;
    for (const auto* e : byOffset) {
        if (e->begin < cursor)
            fail(path, "tensor '" + e->name + "' data_offsets [" + std::to_string(e->begin) + ", " +
                           std::to_string(e->end) + "] overlap tensor '" + previous->name + "'");
        if (e->begin > cursor)
            fail(path, "gap of " + std::to_string(e->begin - cursor) + " bytes before tensor '" + e->name + "'");
        cursor = e->end;
        previous = e;
    }
    if (cursor != dataSize)
        fail(path, "data section has " + std::to_string(dataSize - cursor) + " bytes no tensor covers");

    std::sort(file->entries_.begin(), file->entries_.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return file;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const SafetensorsEntry& e, const std::string& n) { return e.name < n; });
    return it != entries_.end() && it->name == name ? &*it : nullptr;
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const SafetensorsEntry* e = find(name);
    if (!e) fail(path_, "no tensor '" + name + "'");
    auto* data = static_cast<unsigned char*>(mapping_->base) + dataStart_ + e->begin;
    const auto options = at::TensorOptions().dtype(e->dtype).device(at::kCPU);
    if (e->end == e->begin) return at::empty(e->shape, options);
    if (reinterpret_cast<std::uintptr_t>(data) % c10::elementSize(e->dtype) != 0) {
        // Kernels assume element-aligned data; an unpadded header leaves it misaligned.
        at::Tensor copy = at::empty(e->shape, options);
        std::memcpy(copy.data_ptr(), data, e->end - e->begin);
        return copy;
    }
    std::shared_ptr<Mapping> keep = mapping_;
    return at::from_blob(data, e->shape, [keep](void*) {}, options);
}

}  // namespace prominence
