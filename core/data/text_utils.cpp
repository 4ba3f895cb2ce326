#include "core/data/text_utils.h"

#include <cstdint>

namespace prominence::data {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Decodes the code point at s[i]; returns its byte length (1 for an invalid byte, taken as is).
std::size_t decode(const std::string& s, std::size_t i, std::uint32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    auto cont = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0) == 0xC0 && cont(1)) {
        cp = ((b0 & 0x1Fu) << 6) | at(1);
        return 2;
    }
    if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
        cp = ((b0 & 0x0Fu) << 12) | (at(1) << 6) | at(2);
        return 3;
    }
    if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
        cp = ((b0 & 0x07u) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
        return 4;
    }
    cp = b0;
    return 1;
}

void encode(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Blocks where upper and lower case alternate (even = upper, odd = lower), minus their exceptions.
bool inPairedBlock(std::uint32_t cp) {
    if (cp >= 0x0100 && cp <= 0x0137) return cp != 0x0130 && cp != 0x0131;
    if (cp >= 0x014A && cp <= 0x0177) return true;
    if (cp >= 0x1E00 && cp <= 0x1EFF) return !(cp >= 0x1E96 && cp <= 0x1E9F);
    if (cp >= 0x0460 && cp <= 0x0481) return true;
    return false;
}
// Latin Extended-A between 0x0139 and 0x0148, and 0x0179..0x017E, pair odd = upper, even = lower.
bool inOddPairedBlock(std::uint32_t cp) {
    return (cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E);
}

std::uint32_t toLower(std::uint32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
    if (cp == 0x0130) return 'i';  // Python gives "i̇"; the plain i is what Turkish readers expect
    if (inPairedBlock(cp)) return (cp % 2 == 0) ? cp + 1 : cp;
    if (inOddPairedBlock(cp)) return (cp % 2 == 1) ? cp + 1 : cp;
    if (cp == 0x0178) return 0xFF;
    if (cp >= 0x0391 && cp <= 0x03A9 && cp != 0x03A2) return cp + 32;
    if (cp >= 0x0410 && cp <= 0x042F) return cp + 32;
    if (cp >= 0x0400 && cp <= 0x040F) return cp + 80;
    return cp;
}

std::uint32_t toUpper(std::uint32_t cp) {
    if (cp >= 'a' && cp <= 'z') return cp - 32;
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
    if (cp == 0xFF) return 0x0178;
    if (inPairedBlock(cp)) return (cp % 2 == 1) ? cp - 1 : cp;
    if (inOddPairedBlock(cp)) return (cp % 2 == 0) ? cp - 1 : cp;
    if (cp >= 0x03B1 && cp <= 0x03C9 && cp != 0x03C2) return cp - 32;
    if (cp >= 0x0430 && cp <= 0x044F) return cp - 32;
    if (cp >= 0x0450 && cp <= 0x045F) return cp - 80;
    return cp;
}

}  // namespace

std::string strip(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && isSpace(s[b])) ++b;
    while (e > b && isSpace(s[e - 1])) --e;
    return s.substr(b, e - b);
}

std::string rstrip(const std::string& s) {
    std::size_t e = s.size();
    while (e > 0 && isSpace(s[e - 1])) --e;
    return s.substr(0, e);
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    if (from.empty()) return s;
    std::string out;
    std::size_t pos = 0;
    for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        out.append(s, pos, hit - pos);
        out += to;
    }
    out.append(s, pos, std::string::npos);
    return out;
}

std::size_t utf8Length(const std::string& s) {
    std::size_t n = 0;
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < s.size(); i += decode(s, i, cp)) ++n;
    return n;
}

std::string dropLastCodePoint(const std::string& s) {
    std::size_t last = 0;
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < s.size(); i += decode(s, i, cp)) last = i;
    return s.substr(0, last);
}

std::string lowerFirst(const std::string& s) {
    if (s.empty()) return s;
    std::uint32_t cp = 0;
    const std::size_t n = decode(s, 0, cp);
    std::string out;
    encode(toLower(cp), out);
    out.append(s, n, std::string::npos);
    return out;
}

std::string capitalize(const std::string& s) {
    std::string out;
    std::uint32_t cp = 0;
    bool first = true;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = decode(s, i, cp);
        if (n == 1 && cp >= 0x80) {
            out += s[i];  // invalid byte: keep it untouched
        } else {
            encode(first ? toUpper(cp) : toLower(cp), out);
        }
        first = false;
        i += n;
    }
    return out;
}

std::string hellaswagPreprocess(const std::string& text) {
    std::string t = replaceAll(strip(text), " [title]", ". ");
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '[') {
            const std::size_t close = t.find_first_of("]\n", i + 1);
            if (close != std::string::npos && t[close] == ']') {
                i = close;
                continue;
            }
        }
        out += t[i];
    }
    return replaceAll(out, "  ", " ");
}

}  // namespace prominence::data
