#pragma once
// Helpers shared by the tokenizer tests: small tokenizers written to temp dirs, JSON editing.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer_writer.h"
#include "tests/common/test_support.h"

namespace prominence::test {

inline std::string freshDir(const std::string& name) {
    const std::string dir = tempDir().toStdString() + "/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

inline void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// "▁" pieces: "▁", "a", "b", "c", "▁a", "▁ab", "▁c" with merges building "▁ab" and "▁c".
inline TokenizerSpec smallSpec() {
    const std::string m = "\xE2\x96\x81";
    TokenizerSpec spec;
    spec.pieces = {m, "a", "b", "c", m + "a", m + "ab", m + "c"};
    spec.merges = {{m, "a"}, {m + "a", "b"}, {m, "c"}};
    return spec;
}

}  // namespace prominence::test
