#include "core/tokenizer/decoders.h"

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/pattern.h"
#include "core/tokenizer/utf8.h"

namespace prominence::tok {
namespace {

// Byte-level characters back to bytes; a token holding any other character is taken as its own UTF-8
// bytes (Hugging Face does the same). Ill-formed results become U+FFFD, as String::from_utf8_lossy.
class ByteLevelDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const std::string& t : tokens) {
            const std::size_t mark = bytes.size();
            bool all = true;
            char32_t cp = 0;
            std::size_t bad = 0;
            for (std::size_t i = 0; i < t.size();) {
                const std::size_t n = decodeUtf8(t, i, cp, bad);
                const int b = n ? byteLevelByte(cp) : -1;
                if (b < 0) {
                    all = false;
                    break;
                }
                bytes.push_back(static_cast<char>(b));
                i += n;
            }
            if (!all) {
                bytes.resize(mark);
                bytes += t;
            }
        }
        tokens.assign(1, repairUtf8(bytes, nullptr));
    }
};

class ReplaceDecoder : public Decoder {
public:
    ReplaceDecoder(Pattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::string& t : tokens) {
            const std::vector<Span> matches = pattern_.find(t);
            if (matches.empty()) continue;
            std::string out;
            std::size_t pos = 0;
            for (const Span& m : matches) {
                out.append(t, pos, m.begin - pos);
                out += content_;
                pos = m.end;
            }
            out.append(t, pos, std::string::npos);
            t = std::move(out);
        }
    }

private:
    Pattern pattern_;
    std::string content_;
};

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Runs of <0xXX> tokens become the bytes they name; a run that is not valid UTF-8 becomes one U+FFFD
// per byte (Hugging Face's rule).
class ByteFallbackDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string run;
        auto flush = [&] {
            if (run.empty()) return;
            if (isValidUtf8(run)) {
                out.push_back(run);
            } else {
                for (std::size_t i = 0; i < run.size(); ++i) out.emplace_back(kReplacementUtf8);
            }
            run.clear();
        };
        for (std::string& t : tokens) {
            const bool isByte = t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && hexDigit(t[3]) >= 0 &&
                                hexDigit(t[4]) >= 0;
            if (isByte) {
                run.push_back(static_cast<char>(hexDigit(t[3]) * 16 + hexDigit(t[4])));
            } else {
                flush();
                out.push_back(std::move(t));
            }
        }
        flush();
        tokens = std::move(out);
    }
};

class FuseDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder : public Decoder {
public:
    StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::string& t : tokens) {
            std::u32string chars = toCodePoints(t);
            std::size_t begin = 0, end = chars.size();
            while (begin < start_ && begin < end && chars[begin] == content_) ++begin;
            std::size_t cut = 0;
            while (cut < stop_ && end > begin && chars[end - 1] == content_) --end, ++cut;
            std::string out;
            for (std::size_t i = begin; i < end; ++i) appendUtf8(out, chars[i]);
            t = std::move(out);
        }
    }

private:
    char32_t content_;
    std::size_t start_, stop_;
};

// The replacement character becomes a space, except in the first token when a prefix space was added.
class MetaspaceDecoder : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool dropInFirst)
        : replacement_(std::move(replacement)), dropInFirst_(dropInFirst) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string& t = tokens[i];
            std::string out;
            for (std::size_t pos = 0; pos < t.size();) {
                if (t.compare(pos, replacement_.size(), replacement_) == 0) {
                    if (!(i == 0 && dropInFirst_)) out.push_back(' ');
                    pos += replacement_.size();
                } else {
                    out.push_back(t[pos++]);
                }
            }
            t = std::move(out);
        }
    }

private:
    std::string replacement_;
    bool dropInFirst_;
};

class SequenceDecoder : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (const auto& p : parts_) p->decodeChain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

std::size_t nonNegative(const Json& config, const char* key, const std::string& where) {
    const auto it = config.find(key);
    if (it == config.end() || it->is_null()) return 0;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
        formatError(child(where, key), "expected a non-negative integer, found " + it->dump());
    return static_cast<std::size_t>(it->get<std::int64_t>());
}

}  // namespace

std::unique_ptr<Decoder> makeDecoder(const Json& config, const std::string& where) {
    if (config.is_null()) return nullptr;
    const std::string type = requireString(config, "type", where);
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Replace")
        return std::make_unique<ReplaceDecoder>(Pattern::fromJson(requireKey(config, "pattern", where), child(where, "pattern")),
                                                requireString(config, "content", where));
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip") {
        const std::u32string content = toCodePoints(requireString(config, "content", where));
        if (content.size() != 1) formatError(child(where, "content"), "expected exactly one character");
        return std::make_unique<StripDecoder>(content[0], nonNegative(config, "start", where), nonNegative(config, "stop", where));
    }
    if (type == "Metaspace") {
        const std::string replacement = optionalString(config, "replacement", where, "\xE2\x96\x81");
        bool prefix = optionalBool(config, "add_prefix_space", where, true);
        const std::string scheme = optionalString(config, "prepend_scheme", where, "");
        if (!scheme.empty()) prefix = scheme != "never";
        return std::make_unique<MetaspaceDecoder>(replacement, prefix);
    }
    if (type == "Sequence") {
        const std::string listWhere = child(where, "decoders");
        const Json& list = requireKey(config, "decoders", where);
        if (!list.is_array()) formatError(listWhere, "expected an array");
        std::vector<std::unique_ptr<Decoder>> parts;
        for (std::size_t i = 0; i < list.size(); ++i)
            if (auto d = makeDecoder(list[i], child(listWhere, i))) parts.push_back(std::move(d));
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    formatError(where, "unsupported decoder '" + type +
                           "' (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
}

std::unique_ptr<Decoder> makeByteLevelDecoder() { return std::make_unique<ByteLevelDecoder>(); }

}  // namespace prominence::tok
