#include "core/tokenizer/utf8.h"

namespace prominence::tok {
namespace {

bool inRange(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

}  // namespace

std::size_t decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp, std::size_t& badLength) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
    const std::size_t avail = text.size() - pos;
    const unsigned char b0 = p[0];
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    // Table 3-7 of the Unicode standard: the allowed range of the second byte depends on the first.
    std::size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (inRange(b0, 0xC2, 0xDF)) {
        length = 2;
    } else if (b0 == 0xE0) {
        length = 3, lo = 0xA0;
    } else if (inRange(b0, 0xE1, 0xEC) || inRange(b0, 0xEE, 0xEF)) {
        length = 3;
    } else if (b0 == 0xED) {
        length = 3, hi = 0x9F;
    } else if (b0 == 0xF0) {
        length = 4, lo = 0x90;
    } else if (inRange(b0, 0xF1, 0xF3)) {
        length = 4;
    } else if (b0 == 0xF4) {
        length = 4, hi = 0x8F;
    } else {
        badLength = 1;
        return 0;
    }
    char32_t value = b0 & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
    for (std::size_t i = 1; i < length; ++i) {
        const bool ok = i < avail && inRange(p[i], i == 1 ? lo : 0x80, i == 1 ? hi : 0xBF);
        if (!ok) {
            badLength = i;
            return 0;
        }
        value = (value << 6) | (p[i] & 0x3F);
    }
    cp = value;
    return length;
}

std::size_t utf8SequenceLength(std::string_view text, std::size_t pos) {
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = decodeUtf8(text, pos, cp, bad);
    return n != 0 ? n : bad;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool isValidUtf8(std::string_view text) {
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t n = decodeUtf8(text, i, cp, bad);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string repairUtf8(std::string_view text, std::vector<Span>* alignment) {
    std::string out;
    out.reserve(text.size() + 8);
    if (alignment) {
        alignment->clear();
        alignment->reserve(text.size() + 8);
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = decodeUtf8(text, i, cp, bad);
        if (n != 0) {
            out.append(text.data() + i, n);
            if (alignment)
                for (std::size_t k = 0; k < n; ++k) alignment->push_back({i + k, i + k + 1});
            i += n;
        } else {
            out.append(kReplacementUtf8, 3);
            if (alignment)
                for (int k = 0; k < 3; ++k) alignment->push_back({i, i + bad});
            i += bad;
        }
    }
    return out;
}

std::u32string toCodePoints(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = decodeUtf8(text, i, cp, bad);
        if (n == 0) {
            out.push_back(0xFFFD);
            i += bad;
        } else {
            out.push_back(cp);
            i += n;
        }
    }
    return out;
}

}  // namespace prominence::tok
