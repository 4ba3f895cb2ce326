#pragma once
// GPT-2's reversible byte-to-character map: printable Latin-1 bytes stand for themselves and every
// other byte for a code point from U+0100 up, so a BPE vocabulary of strings can hold any byte string.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace prominence::tok {

// The UTF-8 text of the character that stands for byte b.
const std::string& byteLevelChar(unsigned char b);
// The string of byte-level characters for `bytes`.
std::string toByteLevel(std::string_view bytes);
// The byte a byte-level character stands for, or -1 when cp is not one of the 256.
int byteLevelByte(char32_t cp);

}  // namespace prominence::tok
