#include "core/workspace/tensor_blob.h"

#include <cstring>

#include "core/common/error.h"

namespace prominence::workspace {
namespace {

static_assert(sizeof(float) == 4, "float32 blobs need a 4-byte float");

// Bytes are written one by one in little-endian order, so the file is the same on any host.
template <typename T>
std::vector<unsigned char> encode(const std::vector<T>& values) {
    std::vector<unsigned char> out(values.size() * 4);
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; ++b) out[i * 4 + static_cast<std::size_t>(b)] = static_cast<unsigned char>(bits >> (8 * b));
    }
    return out;
}

template <typename T>
std::vector<T> decode(const std::vector<unsigned char>& bytes, std::int64_t expectedCount, const std::string& what,
                      const char* type) {
    if (expectedCount < 0 || bytes.size() != static_cast<std::size_t>(expectedCount) * 4)
        throw StorageError(what + ": blob holds " + std::to_string(bytes.size()) + " bytes, expected " +
                           std::to_string(expectedCount) + " " + type + " values (" +
                           std::to_string(expectedCount * 4) + " bytes)");
    std::vector<T> out(static_cast<std::size_t>(expectedCount));
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint32_t bits = 0;
        for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(bytes[i * 4 + static_cast<std::size_t>(b)]) << (8 * b);
        std::memcpy(&out[i], &bits, 4);
    }
    return out;
}

}  // namespace

std::vector<unsigned char> encodeFloat32(const std::vector<float>& values) { return encode(values); }
std::vector<unsigned char> encodeInt32(const std::vector<std::int32_t>& values) { return encode(values); }

std::vector<float> decodeFloat32(const std::vector<unsigned char>& bytes, std::int64_t expectedCount,
                                 const std::string& what) {
    return decode<float>(bytes, expectedCount, what, "float32");
}

std::vector<std::int32_t> decodeInt32(const std::vector<unsigned char>& bytes, std::int64_t expectedCount,
                                      const std::string& what) {
    return decode<std::int32_t>(bytes, expectedCount, what, "int32");
}

}  // namespace prominence::workspace
