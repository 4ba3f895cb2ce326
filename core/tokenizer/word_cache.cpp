#include "core/tokenizer/word_cache.h"

#include <functional>

namespace prominence::tok {
namespace {

std::uint64_t hashOf(std::string_view key) { return std::hash<std::string_view>{}(key) | 1u; }

}  // namespace

std::size_t WordCache::find(const Shard& s, std::uint64_t hash, std::string_view key) {
    const std::size_t mask = s.slots.size() - 1;
    // The shard index used the low bits; probe with the high ones.
    for (std::size_t i = (hash >> 20) & mask;; i = (i + 1) & mask) {
        const Slot& slot = s.slots[i];
        if (slot.hash == 0) return i;
        if (slot.hash == hash && slot.keyLength == key.size() &&
            std::string_view(s.keys.data() + slot.keyOffset, slot.keyLength) == key)
            return i;
    }
}

bool WordCache::get(std::string_view key, std::vector<SubToken>& out) const {
    if (key.size() > kMaxKeyBytes) return false;
    const std::uint64_t hash = hashOf(key);
    Shard& s = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.slots.empty()) return false;
    const Slot& slot = s.slots[find(s, hash, key)];
    if (slot.hash == 0) return false;
    out.assign(s.values.begin() + slot.valueOffset, s.values.begin() + slot.valueOffset + slot.valueCount);
    return true;
}

void WordCache::put(std::string_view key, const std::vector<SubToken>& value) {
    if (key.size() > kMaxKeyBytes) return;
    const std::uint64_t hash = hashOf(key);
    Shard& s = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.count >= kSlotsPerShard / 2) return;
    if (s.slots.empty()) s.slots.resize(kSlotsPerShard);
    Slot& slot = s.slots[find(s, hash, key)];
    if (slot.hash != 0) return;
    slot.hash = hash;
    slot.keyOffset = static_cast<std::uint32_t>(s.keys.size());
    slot.keyLength = static_cast<std::uint32_t>(key.size());
    slot.valueOffset = static_cast<std::uint32_t>(s.values.size());
    slot.valueCount = static_cast<std::uint32_t>(value.size());
    s.keys.append(key);
    s.values.insert(s.values.end(), value.begin(), value.end());
    ++s.count;
}

}  // namespace prominence::tok
