#include "core/tokenizer/normalizers.h"

#include "core/tokenizer/pattern.h"
#include "core/tokenizer/unicode.h"

namespace prominence::tok {
namespace {

class SequenceNormalizer : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(NormalizedText& text) const override {
        for (const auto& p : parts_) p->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

class PrependNormalizer : public Normalizer {
public:
    explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
    // Hugging Face leaves an empty text empty.
    void normalize(NormalizedText& text) const override {
        if (!text.empty()) text.prepend(prefix_);
    }

private:
    std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
public:
    ReplaceNormalizer(Pattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void normalize(NormalizedText& text) const override { text.replace(pattern_.find(text.text()), content_); }

private:
    Pattern pattern_;
    std::string content_;
};

class UnicodeNormalizer : public Normalizer {
public:
    explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
    void normalize(NormalizedText& text) const override {
        std::vector<Span> alignment;
        bool changed = false;
        std::string out = normalizeUnicode(text.text(), form_, alignment, changed);
        if (changed) text.rewrite(std::move(out), alignment);
    }

private:
    NormalForm form_;
};

}  // namespace

std::unique_ptr<Normalizer> makeNormalizer(const Json& config, const std::string& where) {
    if (config.is_null()) return nullptr;
    const std::string type = requireString(config, "type", where);
    if (type == "Sequence") {
        const Json& list = requireKey(config, "normalizers", where);
        if (!list.is_array()) formatError(child(where, "normalizers"), "expected an array");
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto part = makeNormalizer(list[i], child(child(where, "normalizers"), i));
            if (part) parts.push_back(std::move(part));
        }
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    if (type == "Prepend") return std::make_unique<PrependNormalizer>(requireString(config, "prepend", where));
    if (type == "Replace")
        return std::make_unique<ReplaceNormalizer>(Pattern::fromJson(requireKey(config, "pattern", where), child(where, "pattern")),
                                                   requireString(config, "content", where));
    if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
    if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
    if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
    if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
    formatError(where, "unsupported normalizer '" + type +
                           "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD)");
}

}  // namespace prominence::tok
