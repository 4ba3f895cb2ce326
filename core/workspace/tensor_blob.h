#pragma once
// Tensors in the workspace are BLOBs of little-endian values in row-major order, with their shape
// in columns beside them, so that `sqlite3` users and other languages can read them
// (numpy: np.frombuffer(blob, '<f4').reshape(layers, neurons)). The API takes std::vector, keeping
// LibTorch out of this module.
#include <cstdint>
#include <string>
#include <vector>

namespace prominence::workspace {

std::vector<unsigned char> encodeFloat32(const std::vector<float>& values);
std::vector<unsigned char> encodeInt32(const std::vector<std::int32_t>& values);

// `what` names the blob for the error (e.g. "neuron_scores 3 scores"); throws StorageError when
// the byte count is not exactly expectedCount values.
std::vector<float> decodeFloat32(const std::vector<unsigned char>& bytes, std::int64_t expectedCount,
                                 const std::string& what);
std::vector<std::int32_t> decodeInt32(const std::vector<unsigned char>& bytes, std::int64_t expectedCount,
                                      const std::string& what);

}  // namespace prominence::workspace
