#include "core/tokenizer/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/common/error.h"
#include "core/tokenizer/utf8.h"

namespace prominence::tok {

bool isWhitespace(char32_t cp) { return u_isUWhiteSpace(static_cast<UChar32>(cp)); }

bool isAlphanumeric(char32_t cp) {
    const auto c = static_cast<UChar32>(cp);
    if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC)) return true;
    const int8_t type = u_charType(c);
    return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

namespace {

const icu::Normalizer2& normalizer(NormalForm form) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = nullptr;
    switch (form) {
        case NormalForm::NFC: n = icu::Normalizer2::getNFCInstance(status); break;
        case NormalForm::NFD: n = icu::Normalizer2::getNFDInstance(status); break;
        case NormalForm::NFKC: n = icu::Normalizer2::getNFKCInstance(status); break;
        case NormalForm::NFKD: n = icu::Normalizer2::getNFKDInstance(status); break;
    }
    if (U_FAILURE(status) || !n) throw Error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
    return *n;
}

}  // namespace

std::string normalizeUnicode(std::string_view text, NormalForm form, std::vector<Span>& alignment,
                             bool& changed) {
    const icu::Normalizer2& norm = normalizer(form);
    UErrorCode status = U_ZERO_ERROR;
    changed = false;
    alignment.clear();
    const bool already = norm.isNormalizedUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status);
    if (U_SUCCESS(status) && already) return std::string(text);

    std::string out;
    out.reserve(text.size() + 16);
    // Segments start at characters with a normalization boundary before them, so each normalizes alone.
    std::size_t segStart = 0;
    auto flush = [&](std::size_t segEnd) {
        if (segEnd <= segStart) return;
        const std::string_view seg = text.substr(segStart, segEnd - segStart);
        UErrorCode st = U_ZERO_ERROR;
        const icu::UnicodeString source =
            icu::UnicodeString::fromUTF8(icu::StringPiece(seg.data(), static_cast<int32_t>(seg.size())));
        const icu::UnicodeString result = norm.normalize(source, st);
        if (U_FAILURE(st)) throw Error(std::string("ICU normalization failed: ") + u_errorName(st));
        std::string piece;
        result.toUTF8String(piece);
        if (piece == seg) {
            for (std::size_t k = 0; k < seg.size(); ++k) alignment.push_back({segStart + k, segStart + k + 1});
        } else {
            changed = true;
            for (std::size_t k = 0; k < piece.size(); ++k) alignment.push_back({segStart, segEnd});
        }
        out += piece;
        segStart = segEnd;
    };
    char32_t cp = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = decodeUtf8(text, i, cp, bad);
        if (n == 0) {
            n = bad;
            cp = 0xFFFD;
        }
        if (i > segStart && norm.hasBoundaryBefore(static_cast<UChar32>(cp))) flush(i);
        i += n;
    }
    flush(text.size());
    return out;
}

}  // namespace prominence::tok
