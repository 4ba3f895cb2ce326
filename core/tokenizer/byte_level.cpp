#include "core/tokenizer/byte_level.h"

#include <unordered_map>

#include "core/tokenizer/utf8.h"

namespace prominence::tok {
namespace {

struct Tables {
    std::array<char32_t, 256> charOf{};
    std::array<std::string, 256> utf8Of;
    std::unordered_map<char32_t, int> byteOf;

    Tables() {
        int next = 0;
        for (int b = 0; b < 256; ++b) {
            const bool keeps = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            charOf[b] = keeps ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++);
            appendUtf8(utf8Of[b], charOf[b]);
            byteOf[charOf[b]] = b;
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

const std::string& byteLevelChar(unsigned char b) { return tables().utf8Of[b]; }

std::string toByteLevel(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) out += tables().utf8Of[static_cast<unsigned char>(c)];
    return out;
}

int byteLevelByte(char32_t cp) {
    const auto& m = tables().byteOf;
    const auto it = m.find(cp);
    return it == m.end() ? -1 : it->second;
}

}  // namespace prominence::tok
