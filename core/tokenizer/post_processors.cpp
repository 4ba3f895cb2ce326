#include "core/tokenizer/post_processors.h"

#include <algorithm>

#include "core/tokenizer/byte_level.h"

namespace prominence::tok {
namespace {

// Special tokens around a single sequence; they get empty offsets at 0, as in Hugging Face.
class AffixProcessor : public PostProcessor {
public:
    AffixProcessor(std::vector<std::int64_t> prefix, std::vector<std::int64_t> suffix)
        : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}
    void process(std::vector<Token>& tokens, const TokenString&, bool addSpecial) const override {
        if (!addSpecial) return;
        std::vector<Token> out;
        out.reserve(tokens.size() + addedCount());
        for (const std::int64_t id : prefix_) out.push_back({id, {0, 0}, true});
        out.insert(out.end(), tokens.begin(), tokens.end());
        for (const std::int64_t id : suffix_) out.push_back({id, {0, 0}, true});
        tokens = std::move(out);
    }
    std::size_t addedCount() const override { return prefix_.size() + suffix_.size(); }

private:
    std::vector<std::int64_t> prefix_, suffix_;
};

// Trims the leading and trailing spaces ('Ġ') of byte-level tokens out of their offsets.
class ByteLevelProcessor : public PostProcessor {
public:
    ByteLevelProcessor(bool trimOffsets, bool addPrefixSpace) : trim_(trimOffsets), addPrefixSpace_(addPrefixSpace) {}
    void process(std::vector<Token>& tokens, const TokenString& tokenString, bool) const override {
        if (!trim_) return;
        const std::string& space = byteLevelChar(' ');
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (tokens[i].special) continue;
            const std::string s = tokenString(tokens[i].id);
            std::size_t leading = 0, trailing = 0;
            while ((leading + 1) * space.size() <= s.size() && s.compare(leading * space.size(), space.size(), space) == 0) ++leading;
            while ((trailing + 1) * space.size() <= s.size() &&
                   s.compare(s.size() - (trailing + 1) * space.size(), space.size(), space) == 0)
                ++trailing;
            Span& o = tokens[i].offsets;
            if (leading > 0) {
                const bool first = i == 0 || o.begin == 0;
                if (!(first && addPrefixSpace_ && leading == 1)) o.begin = std::min(o.begin + leading, o.end);
            }
            if (trailing > 0 && o.end >= trailing) o.end = std::max(o.end - trailing, o.begin);
        }
    }
    std::size_t addedCount() const override { return 0; }

private:
    bool trim_, addPrefixSpace_;
};

class SequenceProcessor : public PostProcessor {
public:
    explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
    void process(std::vector<Token>& tokens, const TokenString& tokenString, bool addSpecial) const override {
        for (const auto& p : parts_) p->process(tokens, tokenString, addSpecial);
    }
    std::size_t addedCount() const override {
        std::size_t n = 0;
        for (const auto& p : parts_) n += p->addedCount();
        return n;
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> parts_;
};

std::int64_t pairId(const Json& config, const char* key, const std::string& where) {
    const Json& v = requireKey(config, key, where);
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_integer())
        formatError(child(where, key), "expected [\"token\", id], found " + v.dump().substr(0, 80));
    return v[1].get<std::int64_t>();
}

std::unique_ptr<PostProcessor> makeTemplate(const Json& config, const std::string& where) {
    const std::string singleWhere = child(where, "single");
    const Json& single = requireKey(config, "single", where);
    if (!single.is_array()) formatError(singleWhere, "expected an array of template pieces");
    const Json& specials = config.contains("special_tokens") ? config["special_tokens"] : Json::object();
    std::vector<std::int64_t> prefix, suffix;
    bool seenSequence = false;
    for (std::size_t i = 0; i < single.size(); ++i) {
        const std::string itemWhere = child(singleWhere, i);
        const Json& item = single[i];
        if (item.is_object() && item.contains("Sequence")) {
            const std::string id = requireString(item["Sequence"], "id", child(itemWhere, "Sequence"));
            if (id != "A") formatError(itemWhere, "a single-sequence template can only hold $A, found $" + id);
            if (seenSequence) formatError(itemWhere, "$A appears twice");
            seenSequence = true;
        } else if (item.is_object() && item.contains("SpecialToken")) {
            const std::string name = requireString(item["SpecialToken"], "id", child(itemWhere, "SpecialToken"));
            if (!specials.is_object() || !specials.contains(name))
                formatError(itemWhere, "special token '" + name + "' is not listed in special_tokens");
            const Json& ids = requireKey(specials[name], "ids", child(child(where, "special_tokens"), name.c_str()));
            if (!ids.is_array()) formatError(child(child(where, "special_tokens"), name.c_str()), "ids must be an array");
            for (const Json& id : ids) {
                if (!id.is_number_integer() || id.get<std::int64_t>() < 0)
                    formatError(child(child(where, "special_tokens"), name.c_str()), "ids must be non-negative integers");
                (seenSequence ? suffix : prefix).push_back(id.get<std::int64_t>());
            }
        } else {
            formatError(itemWhere, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, found " + item.dump().substr(0, 80));
        }
    }
    if (!seenSequence) formatError(singleWhere, "the template has no $A");
    return std::make_unique<AffixProcessor>(std::move(prefix), std::move(suffix));
}

}  // namespace

std::unique_ptr<PostProcessor> makeAffixProcessor(std::vector<std::int64_t> prefix, std::vector<std::int64_t> suffix) {
    return std::make_unique<AffixProcessor>(std::move(prefix), std::move(suffix));
}

std::unique_ptr<PostProcessor> makePostProcessor(const Json& config, const std::string& where) {
    if (config.is_null()) return nullptr;
    const std::string type = requireString(config, "type", where);
    if (type == "TemplateProcessing") return makeTemplate(config, where);
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelProcessor>(optionalBool(config, "trim_offsets", where, true),
                                                    optionalBool(config, "add_prefix_space", where, true));
    if (type == "BertProcessing")
        return std::make_unique<AffixProcessor>(std::vector<std::int64_t>{pairId(config, "cls", where)},
                                                std::vector<std::int64_t>{pairId(config, "sep", where)});
    if (type == "RobertaProcessing") {
        std::vector<std::unique_ptr<PostProcessor>> parts;
        parts.push_back(std::make_unique<ByteLevelProcessor>(optionalBool(config, "trim_offsets", where, true),
                                                             optionalBool(config, "add_prefix_space", where, true)));
        parts.push_back(std::make_unique<AffixProcessor>(std::vector<std::int64_t>{pairId(config, "cls", where)},
                                                         std::vector<std::int64_t>{pairId(config, "sep", where)}));
        return std::make_unique<SequenceProcessor>(std::move(parts));
    }
    if (type == "Sequence") {
        const std::string listWhere = child(where, "processors");
        const Json& list = requireKey(config, "processors", where);
        if (!list.is_array()) formatError(listWhere, "expected an array");
        std::vector<std::unique_ptr<PostProcessor>> parts;
        for (std::size_t i = 0; i < list.size(); ++i)
            if (auto p = makePostProcessor(list[i], child(listWhere, i))) parts.push_back(std::move(p));
        return std::make_unique<SequenceProcessor>(std::move(parts));
    }
    formatError(where, "unsupported post_processor '" + type +
                           "' (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
}

}  // namespace prominence::tok
