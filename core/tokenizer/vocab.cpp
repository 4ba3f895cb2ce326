#include "core/tokenizer/vocab.h"

#include <algorithm>
#include <functional>

namespace prominence::tok {

void Vocab::add(std::string token, std::uint32_t id) { entries_.push_back({std::move(token), id}); }

std::size_t Vocab::slot(std::string_view token) const { return std::hash<std::string_view>{}(token) & mask_; }

void Vocab::finish() {
    std::size_t capacity = 16;
    while (capacity < entries_.size() * 2) capacity *= 2;
    mask_ = capacity - 1;
    table_.assign(capacity, -1);
    std::uint32_t maxId = 0;
    for (const Entry& e : entries_) maxId = std::max(maxId, e.id);
    byId_.assign(entries_.empty() ? 0 : std::size_t(maxId) + 1, -1);
    for (std::size_t k = 0; k < entries_.size(); ++k) {
        const Entry& e = entries_[k];
        std::size_t i = slot(e.token);
        while (table_[i] >= 0 && entries_[static_cast<std::size_t>(table_[i])].token != e.token) i = (i + 1) & mask_;
        table_[i] = static_cast<std::int32_t>(k);
        byId_[e.id] = static_cast<std::int32_t>(k);
    }
}

std::optional<std::uint32_t> Vocab::find(std::string_view token) const {
    if (table_.empty()) return std::nullopt;
    for (std::size_t i = slot(token);; i = (i + 1) & mask_) {
        const std::int32_t k = table_[i];
        if (k < 0) return std::nullopt;
        if (entries_[static_cast<std::size_t>(k)].token == token) return entries_[static_cast<std::size_t>(k)].id;
    }
}

const std::string* Vocab::token(std::int64_t id) const {
    if (id < 0 || id >= idBound()) return nullptr;
    const std::int32_t k = byId_[static_cast<std::size_t>(id)];
    return k < 0 ? nullptr : &entries_[static_cast<std::size_t>(k)].token;
}

void MergeTable::reserve(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    if (capacity > keys_.size()) rehash(capacity);
}

void MergeTable::rehash(std::size_t capacity) {
    std::vector<std::uint64_t> oldKeys = std::move(keys_);
    std::vector<Merge> oldValues = std::move(values_);
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, Merge{0, 0});
    mask_ = capacity - 1;
    count_ = 0;
    for (std::size_t i = 0; i < oldKeys.size(); ++i)
        if (oldKeys[i] != kEmpty) insert(std::uint32_t(oldKeys[i] >> 32), std::uint32_t(oldKeys[i]), oldValues[i]);
}

void MergeTable::insert(std::uint32_t left, std::uint32_t right, Merge merge) {
    if ((count_ + 1) * 2 > keys_.size()) rehash(std::max<std::size_t>(16, keys_.size() * 2));
    const std::uint64_t key = (std::uint64_t(left) << 32) | right;
    std::size_t i = hash(key) & mask_;
    while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == kEmpty) ++count_;
    keys_[i] = key;
    values_[i] = merge;
}

}  // namespace prominence::tok
